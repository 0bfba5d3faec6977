"""The one name table and the small syntax helpers every extractor and rule shares.

Rules and extractors ask "is this call ``os.getenv``?" through ``Names`` instead of
comparing raw text, so ``from os import getenv as env; env(...)`` and ``import os as o;
o.getenv(...)`` read alike. The table comes from the module's own import facts. This is
deliberately cheaper than a scope analysis (libcst's costs about ten times a Bandit run
on a large repository): a local variable that shadows an import is not tracked.
"""

from __future__ import annotations

import ast
import builtins

from archguard.core.facts import ImportFact
from archguard.core.web import Ref

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


def dotted(expr: ast.AST) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else None."""
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


def arguments_in_order(call: ast.Call) -> list[tuple[str | None, ast.expr]]:
    """Every argument of a call as written, positional and keyword, as (keyword or None,
    value). ``ast`` keeps the two kinds apart; what comes first in the source (a message,
    a path) may be either. For ``*args`` and ``**kwargs`` the value is what is unpacked."""
    found: list[tuple[ast.AST, str | None, ast.expr]] = [
        (arg, None, arg.value if isinstance(arg, ast.Starred) else arg) for arg in call.args
    ]
    found += [(kw, kw.arg, kw.value) for kw in call.keywords]
    found.sort(key=lambda item: (getattr(item[0], "lineno", 0), getattr(item[0], "col_offset", 0)))
    return [(name, value) for _, name, value in found]


def first_argument(call: ast.Call) -> ast.expr | None:
    """The value of a call's first argument as written, positional or keyword."""
    ordered = arguments_in_order(call)
    return ordered[0][1] if ordered else None


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
        """The qualified name of a name or attribute chain; "" for anything else.

        A name that was neither imported nor a builtin is qualified with the module
        itself, so that ``router`` in ``app.api.items`` becomes ``app.api.items.router``:
        the project pass looks definitions up by that name."""
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

    def resolve(self, expr: ast.AST) -> str | None:
        """The qualified name of an imported name or a builtin (or an attribute chain on
        one), else None: what a rule needs to tell ``jwt.encode`` from a local ``encode``."""
        head = expr
        while isinstance(head, ast.Attribute):
            head = head.value
        if not isinstance(head, ast.Name):
            return None
        if head.id not in self._table and head.id not in _BUILTINS:
            return None
        return self.qualify(expr) or None

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
