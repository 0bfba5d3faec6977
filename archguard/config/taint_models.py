"""A project's own taint models: ``[tool.archguard.taint]``.

```toml
[tool.archguard.taint]
sources = [{ call = "myapp.http.param", kinds = ["request"] }]
sinks = [{ call = "myapp.db.run_raw", kind = "sql", arguments = [0, "sql"] }]
sanitizers = [{ call = "myapp.sql.escape_like", kinds = ["sql"] }]
```

The same entries, in YAML, make the built-in models of ``rules/taint/``; both are read
through :func:`parse_entry`, so they are checked alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from archguard.core.taint import ALL_KINDS, SINK_KINDS, SOURCE_KINDS, ModelEntry

#: ``module.function``, ``module.Class.method`` or ``*.method``.
_CALL = re.compile(r"(\*|[A-Za-z_]\w*)(\.[A-Za-z_]\w*)+")
_ARGUMENT = re.compile(r"\d+|[A-Za-z_]\w*")
_ROLES = {"sources": "source", "sinks": "sink", "sanitizers": "sanitizer"}
_KEYS = {
    "source": {"call", "kinds"},
    "sink": {"call", "kind", "arguments"},
    "sanitizer": {"call", "kinds"},
}


class ModelError(ValueError):
    """A bad model entry; ``key`` says which part of it (``kind``, ``arguments[1]``)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def parse_taint_table(
    value: Any, origin: str
) -> tuple[tuple[ModelEntry, ...], list[tuple[str, str]]]:
    """The entries of a ``taint`` table, and its problems as (key below ``taint``,
    message) pairs, all at once."""
    if not isinstance(value, Mapping):
        return (), [("", "must be a table with sources, sinks and sanitizers")]
    entries: list[ModelEntry] = []
    problems: list[tuple[str, str]] = []
    for key, items in value.items():
        role = _ROLES.get(key)
        if role is None:
            problems.append((key, "unknown key (expected sources, sinks or sanitizers)"))
            continue
        if not isinstance(items, list):
            problems.append((key, "must be a list of tables"))
            continue
        for number, item in enumerate(items):
            try:
                entries.append(parse_entry(role, item, origin))
            except ModelError as exc:
                where = f"{key}[{number}]" + (f".{exc.key}" if exc.key else "")
                problems.append((where, str(exc)))
    return tuple(entries), problems


def parse_entry(role: str, item: Any, origin: str) -> ModelEntry:
    """One source, sink or sanitizer; raises ModelError naming the bad part."""
    if not isinstance(item, Mapping):
        raise ModelError("", 'must be a table such as { call = "module.function", ... }')
    unknown = sorted(set(item) - _KEYS[role])
    if unknown:
        raise ModelError(unknown[0], f"unknown key (a {role} has {', '.join(sorted(_KEYS[role]))})")
    call = item.get("call")
    if not isinstance(call, str) or not _CALL.fullmatch(call):
        raise ModelError(
            "call", "must be a qualified name: module.function, module.Class.method or *.method"
        )
    if role == "sink":
        kind = item.get("kind")
        if kind not in SINK_KINDS:
            raise ModelError("kind", f"must be one of {', '.join(sorted(SINK_KINDS))}")
        return ModelEntry(role, call, (kind,), _arguments(item.get("arguments", [0])), origin)
    allowed = SOURCE_KINDS if role == "source" else SINK_KINDS | {ALL_KINDS}
    default = ["request"] if role == "source" else None
    kinds = item.get("kinds", default)
    if not isinstance(kinds, list) or not kinds:
        raise ModelError("kinds", f"must be a non-empty list of {', '.join(sorted(allowed))}")
    for number, kind in enumerate(kinds):
        if kind not in allowed:
            raise ModelError(f"kinds[{number}]", f"must be one of {', '.join(sorted(allowed))}")
    if role == "source" and "request" not in kinds:
        kinds = ["request", *kinds]
    return ModelEntry(role, call, tuple(sorted(set(kinds))), (), origin)


def _arguments(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ModelError(
            "arguments", 'must be a non-empty list of positions, keywords or "receiver"'
        )
    out = []
    for number, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise ModelError(f"arguments[{number}]", "must be a position (0, 1, ...) or a keyword")
        text = str(item)
        if (isinstance(item, int) and item < 0) or not _ARGUMENT.fullmatch(text):
            raise ModelError(f"arguments[{number}]", "must be a position (0, 1, ...) or a keyword")
        out.append(text)
    return tuple(out)
