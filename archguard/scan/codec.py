"""JSON encoding of the per-file results, for the cache and for worker processes' peers.

JSON rather than pickle: the cache directory lives inside the scanned repository, and
unpickling a file someone committed there would run their code.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from enum import Enum
from functools import cache
from typing import Any

from archguard.core.findings import Finding
from archguard.core.outcomes import Analysed, Failed, FileOutcome, Skipped

_OUTCOMES: dict[str, type] = {cls.__name__: cls for cls in (Analysed, Failed, Skipped)}


def encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Fields at their default are left out: most facts are mostly defaults, and the
        # cache is read back on every warm scan.
        return {
            name: encode(field)
            for name, default in _defaults(type(value))
            for field in (getattr(value, name),)
            if default is _REQUIRED or field != default
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (tuple, list)):
        return [encode(v) for v in value]
    if isinstance(value, frozenset):
        return sorted(encode(v) for v in value)  # sorted: cache entries are deterministic
    return value


def encode_outcome(outcome: FileOutcome) -> dict[str, Any]:
    return {"kind": type(outcome).__name__, "data": encode(outcome)}


def decode_outcome(data: Any) -> FileOutcome:
    """Rebuild an outcome; raises ValueError on anything that does not fit."""
    if not isinstance(data, dict) or data.get("kind") not in _OUTCOMES:
        raise ValueError("not an archguard outcome")
    result = _decode(data["data"], _OUTCOMES[data["kind"]])
    return typing.cast(FileOutcome, result)


def decode_value(data: Any, hint: Any) -> Any:
    """Rebuild a value of type ``hint`` (a dataclass of facts); raises ValueError,
    TypeError or KeyError on anything that does not fit."""
    return _decode(data, hint)


def decode_findings(data: Any) -> tuple[Finding, ...]:
    """Rebuild a list of findings (the pattern engine's cache entries)."""
    return typing.cast("tuple[Finding, ...]", _decode(data, tuple[Finding, ...]))


Decoder = Callable[[Any], Any]
_REQUIRED = object()


@cache
def _defaults(cls: type) -> tuple[tuple[str, Any], ...]:
    """Each field's name and default (``_REQUIRED`` when it has none)."""
    out = []
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = _REQUIRED
        out.append((f.name, default))
    return tuple(out)


def _decode(value: Any, hint: Any) -> Any:
    return _decoder(hint)(value)


@cache
def _decoder(hint: Any) -> Decoder:
    """A decoding function per type, built once: warm scans decode thousands of entries,
    and reflecting on type hints for every value cost more than the rest of the scan."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [o for o in typing.get_args(hint) if o is not type(None)]
        nullable = len(options) < len(typing.get_args(hint))
        decoders = [_decoder(o) for o in options]

        def union(value: Any) -> Any:
            if value is None and nullable:
                return None
            for decode in decoders:
                try:
                    return decode(value)
                except (ValueError, TypeError, KeyError):
                    continue
            raise ValueError("no union member fits")

        return union
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0])

            def sequence(value: Any) -> Any:
                if not isinstance(value, list):
                    raise ValueError("expected a list")
                return tuple([item(v) for v in value])

            return sequence
        parts = [_decoder(a) for a in args]

        def fixed(value: Any) -> Any:
            if not isinstance(value, list) or len(value) != len(parts):
                raise ValueError("expected a list of fixed length")
            return tuple([decode(v) for decode, v in zip(parts, value, strict=True)])

        return fixed
    if origin is frozenset:
        item = _decoder(typing.get_args(hint)[0])
        return lambda value: frozenset(item(v) for v in value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        names = [f.name for f in dataclasses.fields(hint)]
        expected = set(names)
        required = {name for name, default in _defaults(hint) if default is _REQUIRED}
        # Built on first use: a recursive type (a query inside a query) would otherwise
        # ask for its own decoder before lru_cache has it.
        fields: list[tuple[str, Decoder]] = []
        cls = hint

        def record(value: Any) -> Any:
            if not isinstance(value, dict) or not required <= value.keys() <= expected:
                raise ValueError(f"expected the fields of {cls.__name__}")
            if not fields:
                fields.extend((name, _decoder(hints[name])) for name in names)
            return cls(**{name: decode(value[name]) for name, decode in fields if name in value})

        return record
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint
    if hint is Any or hint is object:
        return lambda value: value
    if hint is float:
        return lambda value: float(_checked(value, (int, float)))
    if isinstance(hint, type):
        return lambda value: _checked(value, hint)
    raise ValueError(f"unsupported type {hint!r}")


def _checked(value: Any, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ValueError(f"expected {kind}")
    return value
