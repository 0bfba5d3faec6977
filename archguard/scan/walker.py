"""One traversal of a file's ``ast`` tree that feeds every interested rule.

``ast.NodeVisitor`` looks a method up by name on every node for one visitor; here the
``visit_*`` / ``leave_*`` methods of all the file's rules are gathered into tables by
node class once, and one iterative walk calls them (no recursion, so deeply nested
code cannot overflow the stack). Expression contexts (``Load``, ``Store``) are skipped.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from typing import Any

Handler = Callable[[Any], object]
_SKIPPED = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)


class Dispatch:
    """Maps node classes to the ``visit_*`` / ``leave_*`` methods of a set of visitors."""

    def __init__(self, visitors: Iterable[object]) -> None:
        self.visits: dict[type, list[Handler]] = {}
        self.leaves: dict[type, list[Handler]] = {}
        for visitor in visitors:
            for name in _handler_names(type(visitor)):
                kind, _, node_name = name.partition("_")
                node_type = getattr(ast, node_name)
                table = self.visits if kind == "visit" else self.leaves
                table.setdefault(node_type, []).append(getattr(visitor, name))


_HANDLERS: dict[type, tuple[str, ...]] = {}


def _handler_names(visitor_type: type) -> tuple[str, ...]:
    names = _HANDLERS.get(visitor_type)
    if names is None:
        found = []
        for name in dir(visitor_type):
            kind, _, node_name = name.partition("_")
            node_type = getattr(ast, node_name, None)
            if (
                kind in ("visit", "leave")
                and isinstance(node_type, type)
                and issubclass(node_type, ast.AST)
            ):
                found.append(name)
        names = _HANDLERS[visitor_type] = tuple(found)
    return names


def walk(tree: ast.AST, dispatch: Dispatch) -> None:
    """Pre-order visit, post-order leave, for every node."""
    visits = dispatch.visits
    leaves = dispatch.leaves
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
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
        children = [
            (child, False)
            for child in ast.iter_child_nodes(current)
            if not isinstance(child, _SKIPPED)
        ]
        stack.extend(reversed(children))
