"""Exceptions: one class per error kind, all subclasses of :class:`RewardsmithError`.

Kinds are the stable names the CLI's ``--json`` output uses (``compile_error``,
``timeout``, ``unknown_env``, ...). ``errors.of_kind("timeout")`` is ``errors.Timeout``;
catch a class, or ``RewardsmithError`` and read ``.kind``. The message says what was wrong
and how to fix it, written so that an LLM can act on it.
"""

from __future__ import annotations

from typing import Dict, Type

__all__ = ["RewardsmithError", "of_kind", "make", "KINDS"]


class RewardsmithError(Exception):
    """Any rewardsmith failure. ``kind`` is the stable error class, ``message`` the text."""

    kind: str = "error"

    def __init__(self, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if kind is not None:
            self.kind = kind

    def __str__(self) -> str:
        return f"[{self.kind}] {self.message}"


# The kinds rewardsmith raises, by where they come from. A kind not listed (a newer native
# module) still gets its own class, made on first use.
KINDS = (
    # compiling a reward program (and taking it out of an LLM answer)
    "rustc", "refused", "link_refused", "no_isolation", "isolation", "compile_timeout",
    "compile_memory_limit", "compile_output_limit", "killed", "source_too_large", "sdk",
    "toolchain", "wat", "io", "unknown_kind", "no_code", "no_export",
    # loading and running it in the sandbox
    "module_too_large", "malformed", "forbidden_import", "missing_export", "export_type",
    "abi_version", "abi_violation", "layout_mismatch", "env_mismatch", "no_such_env",
    "unknown_env", "compile_limit", "instance_pool_full", "memory_limit", "table_limit",
    "stack_overflow", "too_complex", "panicked", "trap", "timeout", "non_finite",
    "too_many_terms", "term_name", "bad_batch", "setup",
    # schemas for your own env
    "schema", "schema_conflict", "no_simulator",
    # envs
    "action_length", "non_finite_action", "discrete_out_of_range", "needs_reset",
    # training, evaluation and run folders
    "diverged", "env", "policy", "policy_mismatch", "override", "run_dir", "config", "threads",
    "bad_checkpoint",
    "train_fn",
    # evolve runs: the run store, the proposer, the executor
    "store", "not_found", "proposer", "baseline", "executor", "unreachable", "unauthorized",
)

_classes: Dict[str, Type[RewardsmithError]] = {}


def _class_name(kind: str) -> str:
    return "".join(part.capitalize() for part in kind.split("_")) + ("" if kind.endswith("error") else "Error")


def of_kind(kind: str) -> Type[RewardsmithError]:
    """The exception class for ``kind`` (``"timeout"`` → ``TimeoutError``)."""
    cls = _classes.get(kind)
    if cls is None:
        cls = type(_class_name(kind), (RewardsmithError,), {"kind": kind, "__module__": __name__})
        _classes[kind] = cls
        globals()[cls.__name__] = cls
    return cls


def make(kind: str, message: str) -> RewardsmithError:
    """The exception for an error of ``kind`` (called by the native module)."""
    return of_kind(kind)(message)


for _kind in KINDS:
    __all__.append(of_kind(_kind).__name__)
