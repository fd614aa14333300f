"""Env specs from the native registry, and Gymnasium spaces built from them."""

from __future__ import annotations

import json
from functools import lru_cache
from collections.abc import Mapping
from typing import Any, Dict, Iterator, List

import numpy as np
from gymnasium import spaces

from . import _native


@lru_cache(maxsize=None)
def spec(env_id: str) -> Dict[str, Any]:
    """Env ``env_id``'s spec: spaces, limits (steps, s), texts and the SDK State/Action
    fields (name, len, unit, doc, range). Raises ``UnknownEnvError``."""
    return json.loads(_native.spec_json(env_id))


def env_ids() -> List[str]:
    """Every built-in env id (``cartpole-v0``, ...)."""
    return list(_native.env_ids())


def to_space(s: Dict[str, Any]) -> spaces.Space:
    if s["kind"] == "discrete":
        return spaces.Discrete(s["n"])
    return spaces.Box(np.asarray(s["low"], np.float32), np.asarray(s["high"], np.float32), dtype=np.float32)


def gym_name(env_id: str) -> str:
    """``ball_balance-v0`` → ``rewardsmith/BallBalance-v0``."""
    base, version = env_id.rsplit("-", 1)
    return "rewardsmith/" + "".join(p.capitalize() for p in base.split("_")) + "-" + version


def named(fields: List[Dict[str, Any]], flat: np.ndarray) -> Dict[str, Any]:
    """Flat SDK floats as ``{field: float or array}`` in the SDK's field order."""
    out: Dict[str, Any] = {}
    i = 0
    for f in fields:
        n = f["len"]
        out[f["name"]] = float(flat[i]) if n == 1 else flat[i : i + n].copy()
        i += n
    return out


class NamedFloats(Mapping):
    """SDK floats read by field name (``state["fingertip"]``), made on access: building a
    dict every step would cost more than the step. ``dict(view)`` copies it."""

    __slots__ = ("_fields", "_flat")

    def __init__(self, fields: List[Dict[str, Any]], flat: np.ndarray) -> None:
        self._fields = fields
        self._flat = flat

    def __getitem__(self, name: str) -> Any:
        i = 0
        for f in self._fields:
            if f["name"] == name:
                n = f["len"]
                return float(self._flat[i]) if n == 1 else self._flat[i : i + n].copy()
            i += f["len"]
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return (f["name"] for f in self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, NamedFloats):
            return self._fields == other._fields and bool(np.array_equal(self._flat, other._flat))
        if isinstance(other, Mapping):
            return set(self) == set(other) and all(np.array_equal(self[k], other[k]) for k in self)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def array(self) -> np.ndarray:
        """The flat floats, in the SDK's field order."""
        return self._flat.copy()

    def __repr__(self) -> str:
        return repr(named(self._fields, self._flat))


def flatten(fields: List[Dict[str, Any]], values: Dict[str, Any]) -> np.ndarray:
    """A named mapping back to flat SDK floats (every field required, no others)."""
    unknown = set(values) - {f["name"] for f in fields}
    if unknown:
        raise KeyError(f"unknown fields {sorted(unknown)}; the fields are {[f['name'] for f in fields]}")
    parts = []
    for f in fields:
        if f["name"] not in values:
            raise KeyError(f"missing field `{f['name']}`")
        v = np.asarray(values[f["name"]], dtype=np.float32).reshape(-1)
        if v.shape[0] != f["len"]:
            raise ValueError(f"field `{f['name']}` has {v.shape[0]} floats, expected {f['len']}")
        parts.append(v)
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)
