"""Framework settings written in application code: ``app.config["KEY"] = value``,
``app.config.update(KEY=value)`` (with keywords, a dict literal or ``dict(...)``),
``app.config.from_mapping(...)``, ``settings.configure(KEY=value)``. Settings modules'
own top-level names (``DEBUG = True`` in ``settings.py``) are the settings rules'
business (AG6xx)."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from archguard.scan.syntax import string

_UPDATERS = frozenset({"update", "from_mapping", "setdefault"})


@dataclass(frozen=True)
class ConfigWrite:
    key: str
    value: ast.expr
    #: Where to report it: the assignment, or the keyword or dict entry's value.
    node: ast.AST


def _is_config(expr: ast.expr) -> bool:
    """``app.config``, ``current_app.config``, ``self.app.config``."""
    return isinstance(expr, ast.Attribute) and expr.attr == "config"


def assigned_settings(node: ast.Assign) -> list[ConfigWrite]:
    """``app.config["KEY"] = value``."""
    found = []
    for target in node.targets:
        if isinstance(target, ast.Subscript) and _is_config(target.value):
            key = string(target.slice)
            if key is not None:
                found.append(ConfigWrite(key, node.value, node))
    return found


def updated_settings(node: ast.Call) -> list[ConfigWrite]:
    """``app.config.update(KEY=value)``, ``update({"KEY": value})``,
    ``update(dict(KEY=value))``, ``from_mapping(...)`` and Django's
    ``settings.configure(KEY=value)``."""
    func = node.func
    if not isinstance(func, ast.Attribute):
        return []
    if func.attr in _UPDATERS and _is_config(func.value):
        if func.attr == "setdefault":
            key = string(node.args[0]) if node.args else None
            if key is not None and len(node.args) > 1:
                return [ConfigWrite(key, node.args[1], node)]
            return []
    elif not (func.attr == "configure" and _named(func.value, "settings")):
        return []
    found = [ConfigWrite(kw.arg, kw.value, kw.value) for kw in node.keywords if kw.arg]
    for arg in node.args:
        found.extend(mapping_entries(arg))
    return found


def mapping_entries(expr: ast.expr) -> list[ConfigWrite]:
    """The string-keyed entries of a dict literal or a ``dict(...)`` call."""
    if isinstance(expr, ast.Dict):
        return [
            ConfigWrite(key, value, value)
            for key, value in (
                (string(k), v) for k, v in zip(expr.keys, expr.values, strict=True) if k
            )
            if key is not None
        ]
    if isinstance(expr, ast.Call) and _named(expr.func, "dict"):
        found = [ConfigWrite(kw.arg, kw.value, kw.value) for kw in expr.keywords if kw.arg]
        for arg in expr.args:
            found.extend(mapping_entries(arg))
        return found
    return []


def _named(expr: ast.expr, name: str) -> bool:
    return (isinstance(expr, ast.Name) and expr.id == name) or (
        isinstance(expr, ast.Attribute) and expr.attr == name
    )


def is_true(expr: ast.expr | None) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is True


def is_false(expr: ast.expr | None) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is False


def truthy_literal(expr: ast.expr | None) -> bool:
    """``True``, ``1`` or a string such as ``"1"``/``"true"``: a flag switched on in code."""
    if not isinstance(expr, ast.Constant):
        return False
    value = expr.value
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value == 1
    return isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on")
