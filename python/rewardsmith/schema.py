"""Bring your own env: a schema names the ``State`` and ``Action`` fields of an env that
rewardsmith does not simulate (a Gymnasium MuJoCo env, a robot, a game), so that reward
programs for it compile, are screened and run in the sandbox like rewards for the built-in
envs. A reward for a schema env starts with ``use crate::env::*;``.

>>> schema = Schema.from_file("half_cheetah.toml")      # or from_dict, from_space
>>> reward = Reward.compile("reward.md", env=schema)

The native module validates every schema (the same rules as ``rewardsmith check
--schema``); ``docs/schema.md`` gives the format.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np

from . import _native

__all__ = ["Schema"]


class Schema:
    """An env's reward-facing interface: ``id`` (``name-vN``), ``task`` (for the LLM
    prompt), and ``state``/``action`` fields, each ``{name, shape, unit, doc, range}``.
    Valid by construction: the constructors raise ``SchemaError`` with what to fix."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        # Validated natively; keep the canonical form (defaults filled in).
        self._json = _native.schema_check(json.dumps(data, allow_nan=True))
        self._data: Dict[str, Any] = json.loads(self._json)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Schema":
        """A schema from a dict shaped like the JSON format."""
        return cls(data)

    @classmethod
    def from_file(cls, path: Union[str, "os.PathLike[str]"]) -> "Schema":
        """A schema from a ``.toml`` or ``.json`` file."""
        with open(path, encoding="utf-8") as f:
            text = f.read()
        return cls(json.loads(_native.schema_check(text)))

    @classmethod
    def from_space(
        cls,
        id: str,
        observation_space: Any,
        action_space: Any,
        *,
        task: str = "",
        action_name: str = "action",
        units: Optional[Mapping[str, str]] = None,
        docs: Optional[Mapping[str, str]] = None,
    ) -> "Schema":
        """A schema from a Gymnasium ``Dict`` observation space (one field per key, shaped
        as its ``Box``) and a ``Box`` action space (one field, ``action_name``). Finite
        bounds become the fields' typical ranges; ``units`` and ``docs`` fill in what a
        space does not say (the LLM reads them)."""
        from gymnasium import spaces

        if not isinstance(observation_space, spaces.Dict):
            raise TypeError(f"observation_space must be a gymnasium.spaces.Dict, got {type(observation_space).__name__}")
        units, docs = dict(units or {}), dict(docs or {})
        state = [_field(name, box, units.get(name, ""), docs.get(name, "")) for name, box in observation_space.spaces.items()]
        action = [_field(action_name, action_space, units.get(action_name, ""), docs.get(action_name, ""))]
        return cls({"id": id, "task": task, "state": state, "action": action})

    @property
    def id(self) -> str:
        return self._data["id"]

    @property
    def task(self) -> str:
        return self._data["task"]

    @property
    def state(self) -> List[Dict[str, Any]]:
        return self._data["state"]

    @property
    def action(self) -> List[Dict[str, Any]]:
        return self._data["action"]

    def to_dict(self) -> Dict[str, Any]:
        return json.loads(self._json)

    def to_json(self) -> str:
        return self._json

    def register(self) -> str:
        """Makes the env id known to this process (``spec``, rewards); returns it. Raises
        ``SchemaConflictError`` if the id already names other fields: a changed schema is a
        new version (``-v1``)."""
        return _native.schema_register(self._json)

    @property
    def module_source(self) -> str:
        """The Rust module rewards for this env are compiled with."""
        return _native.schema_module(self._json)

    @property
    def prompt(self) -> str:
        """The task prompt an LLM gets for this env: the task text and the module."""
        return _native.schema_prompt(self._json)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schema) and self._data == other._data

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Schema({self.id!r}, state={_floats(self.state)} floats, action={_floats(self.action)} floats)"


def _field(name: str, box: Any, unit: str, doc: str) -> Dict[str, Any]:
    from gymnasium import spaces

    if not isinstance(box, spaces.Box):
        raise TypeError(f"field `{name}`: only Box spaces map to float fields, got {type(box).__name__}")
    field: Dict[str, Any] = {"name": name, "shape": list(box.shape), "unit": unit, "doc": doc}
    low, high = np.min(box.low), np.max(box.high)
    if np.isfinite(low) and np.isfinite(high) and low < high:
        field["range"] = [float(low), float(high)]
    return field


def _floats(fields: Sequence[Mapping[str, Any]]) -> int:
    return sum(int(np.prod(f["shape"])) for f in fields)
