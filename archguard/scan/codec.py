"""JSON encoding of the per-file results, for the cache and for worker processes' peers.

JSON rather than pickle: the cache directory lives inside the scanned repository, and
unpickling a file someone committed there would run their code.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from enum import Enum
from functools import lru_cache
from typing import Any

from archguard.core.outcomes import Analysed, Failed, FileOutcome, Skipped

_OUTCOMES: dict[str, type] = {cls.__name__: cls for cls in (Analysed, Failed, Skipped)}


def encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (tuple, list)):
        return [encode(v) for v in value]
    return value


def encode_outcome(outcome: FileOutcome) -> dict[str, Any]:
    return {"kind": type(outcome).__name__, "data": encode(outcome)}


def decode_outcome(data: Any) -> FileOutcome:
    """Rebuild an outcome; raises ValueError on anything that does not fit."""
    if not isinstance(data, dict) or data.get("kind") not in _OUTCOMES:
        raise ValueError("not an archguard outcome")
    result = _decode(data["data"], _OUTCOMES[data["kind"]])
    return typing.cast(FileOutcome, result)


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(value: Any, hint: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _decode(value, option)
            except (ValueError, TypeError, KeyError) as exc:
                errors.append(exc)
        raise ValueError(f"no union member fits: {errors}")
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(value, list):
            raise ValueError("expected a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(v, args[0]) for v in value)
        if len(args) != len(value):
            raise ValueError("tuple length mismatch")
        return tuple(_decode(v, a) for v, a in zip(value, args))
    if origin is frozenset:
        return frozenset(_decode(v, typing.get_args(hint)[0]) for v in value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise ValueError(f"expected an object for {hint.__name__}")
        hints = _hints(hint)
        fields = {f.name for f in dataclasses.fields(hint)}
        if set(value) != fields:
            raise ValueError(f"fields of {hint.__name__} do not match")
        return hint(**{name: _decode(value[name], hints[name]) for name in fields})
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    if hint is Any or hint is object:
        return value
    if isinstance(hint, type):
        if hint is float and isinstance(value, int):
            return float(value)
        if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
            raise ValueError(f"expected {hint.__name__}")
        return value
    raise ValueError(f"unsupported type {hint!r}")
