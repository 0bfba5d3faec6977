"""Qualified names from a module's own import table.

Rules ask "is this call ``os.getenv``?" through here instead of comparing raw text, so
that ``from os import getenv as env; env(...)`` and ``import os as o; o.getenv(...)`` are
recognised alike. This is deliberately cheaper than libcst's scope analysis (which costs
about ten times a Bandit run on a large repo): bindings come from import statements only,
and a local variable that shadows an import is not tracked.
"""

from __future__ import annotations

import builtins

import libcst as cst

_BUILTINS = frozenset(dir(builtins))


def resolve_relative(module: str, is_package: bool, level: int, target: str) -> str:
    """Absolute name of ``from <level dots><target> import ...`` inside ``module``."""
    if level == 0:
        return target
    parts = module.split(".") if module else []
    if not is_package:
        parts = parts[:-1]
    if level - 1 > len(parts):
        return "." * level + target
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, target] if target else base)


def dotted_name(expr: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else None."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        base = dotted_name(expr.value)
        return None if base is None else f"{base}.{expr.attr.value}"
    return None


class ImportTable:
    """Local name -> qualified name, filled as import statements are seen."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}

    def bind(self, local: str, qualified: str) -> None:
        self._names[local] = qualified

    def qualify(self, expr: cst.BaseExpression) -> str | None:
        """The qualified name an expression refers to, or None when it is not known.

        A name that was never imported resolves to ``builtins.<name>`` when it is a
        builtin; other local names are unknown.
        """
        if isinstance(expr, cst.Name):
            bound = self._names.get(expr.value)
            if bound is not None:
                return bound
            return f"builtins.{expr.value}" if expr.value in _BUILTINS else None
        if isinstance(expr, cst.Attribute):
            base = self.qualify(expr.value)
            return None if base is None else f"{base}.{expr.attr.value}"
        return None
