"""One traversal of a libcst tree that feeds every interested visitor.

libcst's own ``CSTNode.visit`` rebuilds each node as it goes and costs about five times
this walk (measured on Django's sources); visitors here only read the tree, so a plain
walk over dataclass fields is enough. Whitespace and comment nodes are never descended
into: no rule looks at them (suppressions are read from the source text).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import libcst as cst

_NOT_WALKED = (
    cst.SimpleWhitespace,
    cst.ParenthesizedWhitespace,
    cst.TrailingWhitespace,
    cst.EmptyLine,
    cst.Newline,
    cst.Comment,
)
_SKIPPED_FIELDS = frozenset(
    {
        "leading_lines",
        "lines_after_decorators",
        "header",
        "footer",
        "lpar",
        "rpar",
        "newline",
        "trailing_whitespace",
        "indent",
        "semicolon",
    }
)
_FIELDS: dict[type, tuple[str, ...]] = {}

Handler = Callable[[Any], object]


def _fields_of(node_type: type) -> tuple[str, ...]:
    names = _FIELDS.get(node_type)
    if names is None:
        names = tuple(
            f.name
            for f in dataclasses.fields(node_type)
            if f.name not in _SKIPPED_FIELDS and not f.name.startswith("whitespace")
        )
        _FIELDS[node_type] = names
    return names


class Dispatch:
    """Maps node classes to the ``visit_*`` / ``leave_*`` methods of a set of visitors."""

    def __init__(self, visitors: Iterable[object]) -> None:
        self.visits: dict[type, list[Handler]] = {}
        self.leaves: dict[type, list[Handler]] = {}
        for visitor in visitors:
            for name in _handler_names(type(visitor)):
                kind, _, node_name = name.partition("_")
                node_type = getattr(cst, node_name)
                table = self.visits if kind == "visit" else self.leaves
                table.setdefault(node_type, []).append(getattr(visitor, name))


_HANDLERS: dict[type, tuple[str, ...]] = {}


def _handler_names(visitor_type: type) -> tuple[str, ...]:
    names = _HANDLERS.get(visitor_type)
    if names is None:
        found = []
        for name in dir(visitor_type):
            kind, _, node_name = name.partition("_")
            if kind in ("visit", "leave") and isinstance(getattr(cst, node_name, None), type):
                found.append(name)
        names = _HANDLERS[visitor_type] = tuple(found)
    return names


def walk(node: cst.CSTNode, dispatch: Dispatch) -> None:
    """Pre-order visit, post-order leave, for every non-whitespace node."""
    visits = dispatch.visits
    leaves = dispatch.leaves
    stack: list[tuple[cst.CSTNode, bool]] = [(node, False)]
    while stack:
        current, leaving = stack.pop()
        node_type = type(current)
        if leaving:
            for handler in leaves.get(node_type, ()):
                handler(current)
            continue
        for handler in visits.get(node_type, ()):
            handler(current)
        if node_type in leaves:
            stack.append((current, True))
        children: list[cst.CSTNode] = []
        for name in _fields_of(node_type):
            value = getattr(current, name)
            if isinstance(value, cst.CSTNode):
                if not isinstance(value, _NOT_WALKED):
                    children.append(value)
            elif isinstance(value, (list, tuple)):
                for item in value:
                    if isinstance(item, cst.CSTNode) and not isinstance(item, _NOT_WALKED):
                        children.append(item)
        stack.extend(reversed([(c, False) for c in children]))
