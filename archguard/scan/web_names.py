"""Qualified names and literal values on ``ast`` trees, for the web facts.

The name table comes from the module's own import facts, like ``resolver.ImportTable``
for libcst; a name that was not imported is qualified with the module itself, so that
``router`` in ``app.api.items`` becomes ``app.api.items.router``.
"""

from __future__ import annotations

import ast
import builtins

from archguard.core.facts import ImportFact
from archguard.core.web import Ref

_BUILTINS = frozenset(dir(builtins))


def dotted(expr: ast.AST) -> str | None:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        base = dotted(expr.value)
        return None if base is None else f"{base}.{expr.attr}"
    return None


def string(expr: ast.AST | None) -> str | None:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    return None


def path_text(expr: ast.AST | None) -> str | None:
    """A URL path or prefix: a literal, or ``{settings.API_V1_STR}`` for a name whose
    value is not known statically."""
    if expr is None:
        return None
    literal = string(expr)
    if literal is not None:
        return literal
    if isinstance(expr, ast.JoinedStr):
        parts = []
        for value in expr.values:
            if isinstance(value, ast.FormattedValue):
                parts.append("{" + (dotted(value.value) or "...") + "}")
            else:
                parts.append(string(value) or "")
        return "".join(parts)
    name = dotted(expr)
    return "{" + name + "}" if name else None


def strings(expr: ast.AST | None) -> tuple[str, ...]:
    """String literals of a list, tuple or set (or one string)."""
    one = string(expr)
    if one is not None:
        return (one,)
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        return tuple(s for s in (string(e) for e in expr.elts) if s is not None)
    return ()


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def argument(call: ast.Call, position: int, name: str) -> ast.expr | None:
    if len(call.args) > position and not isinstance(call.args[position], ast.Starred):
        return call.args[position]
    return keyword(call, name)


class Names:
    def __init__(self, module: str, imports: tuple[ImportFact, ...]) -> None:
        self.module = module
        self._table: dict[str, str] = {}
        for fact in imports:
            if fact.alias is None or fact.name == "*":
                continue
            if fact.name:
                self._table[fact.alias] = f"{fact.module}.{fact.name}" if fact.module else fact.name
            elif fact.alias == fact.module.split(".")[0]:
                self._table[fact.alias] = fact.alias
            else:
                self._table[fact.alias] = fact.module

    def local(self, name: str) -> str:
        return f"{self.module}.{name}" if self.module else name

    def qualify(self, expr: ast.AST) -> str:
        """The qualified name of a name or attribute chain; "" for anything else."""
        if isinstance(expr, ast.Name):
            bound = self._table.get(expr.id)
            if bound is not None:
                return bound
            if expr.id in _BUILTINS:
                return f"builtins.{expr.id}"
            return self.local(expr.id)
        if isinstance(expr, ast.Attribute):
            base = self.qualify(expr.value)
            return f"{base}.{expr.attr}" if base else ""
        return ""

    def is_imported(self, name: str) -> bool:
        return name in self._table

    def imports_from(self, prefix: str) -> bool:
        return any(v == prefix or v.startswith(prefix + ".") for v in self._table.values())

    def ref(self, expr: ast.AST, how: str) -> Ref:
        """A reference to a decorator, dependency or class, called or not."""
        line = getattr(expr, "lineno", 0)
        if isinstance(expr, ast.Call):
            args = tuple(
                s for a in (*expr.args, *(k.value for k in expr.keywords)) for s in strings(a)
            )
            return Ref(self.qualify(expr.func), line, how, args, True)
        return Ref(self.qualify(expr), line, how)

    def refs(self, expr: ast.AST | None, how: str) -> tuple[Ref, ...]:
        """Refs for each element of a list or tuple of classes or decorators."""
        if expr is None:
            return ()
        if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
            return tuple(self.ref(e, how) for e in expr.elts if not isinstance(e, ast.Starred))
        if isinstance(expr, ast.Dict):
            return tuple(r for v in expr.values for r in self.refs(v, how))
        return (self.ref(expr, how),)
