"""The per-file pass's entry: a taint summary of every function and method of a module,
and the classes the repository pass needs to resolve methods."""

from __future__ import annotations

import ast
import re

from archguard.core.facts import ImportFact
from archguard.core.taint import ClassSummary, FunctionSummary, TaintFacts
from archguard.scan.context import PathKind, path_kind
from archguard.scan.syntax import Names
from archguard.taint.function import FunctionWalk, _project_or_library_class, _unwrap
from archguard.taint.models import Models, builtin_models

#: Modules without a function definition have nothing to summarise.
TRIGGERS = re.compile(rb"\bdef\s")

Function = ast.FunctionDef | ast.AsyncFunctionDef


def module_facts(
    tree: ast.Module, module: str, imports: tuple[ImportFact, ...], data: bytes
) -> TaintFacts | None:
    if not TRIGGERS.search(data) or _never_serves(module):
        return None
    return extract(tree, module, imports, builtin_models())


def _never_serves(module: str) -> bool:
    """Tests and migrations: no request reaches them and no application code calls
    them, so their flows can only lead to findings that are left out anyway. In a test
    suite they are a third of all calls."""
    if not module:
        return False
    kind = path_kind(module.replace(".", "/") + ".py")
    return kind in (PathKind.TEST, PathKind.MIGRATION)


def extract(
    tree: ast.Module, module: str, imports: tuple[ImportFact, ...], models: Models
) -> TaintFacts | None:
    names = Names(module, imports)
    local = frozenset(
        s.name for s in tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
    )
    collector = _Collector(names, models, local)
    collector.block(tree.body, "", "", {})
    if not collector.functions:
        return None
    return TaintFacts(tuple(collector.functions), tuple(sorted(collector.classes)))


class _Collector:
    def __init__(self, names: Names, models: Models, local: frozenset[str]) -> None:
        self.names = names
        self.models = models
        self.local = local
        self.functions: list[FunctionSummary] = []
        self.classes: list[ClassSummary] = []

    def block(
        self, body: list[ast.stmt], scope: str, owner: str, attributes: dict[str, str]
    ) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qualname = f"{scope}{stmt.name}"
                walk = FunctionWalk(
                    stmt, qualname, self.names, self.models, owner, attributes, self.local
                )
                self.functions.append(walk.run())
                # Nested functions (a Flask app factory's routes, closures) are summarised
                # on their own; the enclosing function's variables are unknown to them.
                self.block(stmt.body, f"{qualname}.", "", {})
            elif isinstance(stmt, ast.ClassDef):
                qualname = f"{scope}{stmt.name}"
                found = self.attributes(stmt)
                self.classes.append(
                    ClassSummary(
                        qualname,
                        stmt.lineno,
                        tuple(q for q in (self.names.qualify(b) for b in stmt.bases) if q),
                        tuple(sorted(found.items())),
                    )
                )
                self.block(stmt.body, f"{qualname}.", qualname, found)
            elif isinstance(stmt, (ast.If, ast.Try, ast.With, ast.AsyncWith)):
                for part in _bodies(stmt):
                    self.block(part, scope, owner, attributes)

    def attributes(self, node: ast.ClassDef) -> dict[str, str]:
        """Attributes of instances whose class the code states: ``repo: Repo`` in the
        class body, ``self.repo = Repo(...)`` or ``self.repo = repo`` (an annotated
        parameter) in a method."""
        found: dict[str, str] = {}
        for stmt in node.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                kind = _unwrap(stmt.annotation, self.names)
                if _project_or_library_class(kind):
                    found[stmt.target.id] = kind
        for stmt in node.body:
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            args = stmt.args.posonlyargs + stmt.args.args
            if not args:
                continue
            this = args[0].arg
            annotated = {
                a.arg: _unwrap(a.annotation, self.names)
                for a in (*args, *stmt.args.kwonlyargs)
                if a.annotation is not None
            }
            for child in _statements(stmt.body):
                if not isinstance(child, (ast.Assign, ast.AnnAssign)):
                    continue
                targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                for target in targets:
                    if not (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == this
                    ):
                        continue
                    kind = self.value_class(child.value, annotated)
                    if isinstance(child, ast.AnnAssign):
                        kind = _unwrap(child.annotation, self.names) or kind
                    if _project_or_library_class(kind):
                        found.setdefault(target.attr, kind)
        return found

    def value_class(self, value: ast.expr | None, annotated: dict[str, str]) -> str:
        if isinstance(value, ast.Name):
            return annotated.get(value.id, "")
        if isinstance(value, ast.Call) and isinstance(value.func, (ast.Name, ast.Attribute)):
            qualified = self.names.qualify(value.func)
            if qualified.rsplit(".", 1)[-1][:1].isupper():
                return qualified
        return ""


def _statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """Every statement of a body, nested blocks included, but not nested functions:
    cheaper than walking every expression."""
    out: list[ast.stmt] = []
    pending = list(reversed(body))
    while pending:
        stmt = pending.pop()
        out.append(stmt)
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for name in ("body", "orelse", "finalbody"):
            pending.extend(reversed(getattr(stmt, name, None) or []))
        for handler in getattr(stmt, "handlers", None) or []:
            pending.extend(reversed(handler.body))
    return out


def _bodies(stmt: ast.If | ast.Try | ast.With | ast.AsyncWith) -> list[list[ast.stmt]]:
    if isinstance(stmt, ast.If):
        return [stmt.body, stmt.orelse]
    if isinstance(stmt, ast.Try):
        return [stmt.body, stmt.orelse, stmt.finalbody, *(h.body for h in stmt.handlers)]
    return [stmt.body]
