"""Module facts from a libcst tree, gathered during the shared traversal."""

from __future__ import annotations

import libcst as cst

from archguard.core.facts import Definition, ImportFact, ImportKind
from archguard.scan.locate import Span
from archguard.scan.resolver import ImportTable, dotted_name, resolve_relative

DYNAMIC_IMPORTERS = frozenset({"importlib.import_module", "builtins.__import__"})


def _is_type_checking(test: cst.BaseExpression) -> bool:
    name = dotted_name(test)
    return name is not None and name.split(".")[-1] == "TYPE_CHECKING"


class FactCollector:
    """Visitor that records imports (binding them in the import table as it goes).

    It runs first in the shared traversal, so rules visiting later nodes already see
    the names imported above them.
    """

    def __init__(self, module: str, is_package: bool, names: ImportTable) -> None:
        self.module = module
        self.is_package = is_package
        self.names = names
        self._function_depth = 0
        self._type_checking_bodies: set[cst.CSTNode] = set()
        self._type_checking_depth = 0
        #: (node, module, name, kind, alias); positions come later.
        self.pending: list[tuple[cst.CSTNode, str, str, ImportKind, str | None]] = []

    def _kind(self) -> ImportKind:
        if self._function_depth:
            return ImportKind.FUNCTION
        if self._type_checking_depth:
            return ImportKind.TYPE_CHECKING
        return ImportKind.MODULE

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._function_depth += 1

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._function_depth -= 1

    def visit_If(self, node: cst.If) -> None:
        if _is_type_checking(node.test):
            self._type_checking_bodies.add(node.body)

    def _enter_block(self, node: cst.BaseSuite) -> None:
        if node in self._type_checking_bodies:
            self._type_checking_depth += 1

    def _leave_block(self, node: cst.BaseSuite) -> None:
        if node in self._type_checking_bodies:
            self._type_checking_depth -= 1

    visit_IndentedBlock = _enter_block
    leave_IndentedBlock = _leave_block
    visit_SimpleStatementSuite = _enter_block
    leave_SimpleStatementSuite = _leave_block

    def visit_Import(self, node: cst.Import) -> None:
        kind = self._kind()
        for alias in node.names:
            target = dotted_name(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
                self.names.bind(local, target)
            else:
                local = target.split(".")[0]
                self.names.bind(local, local)
            self.pending.append((node, target, "", kind, local))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        kind = self._kind()
        target = dotted_name(node.module) if node.module is not None else ""
        base = resolve_relative(self.module, self.is_package, len(node.relative), target or "")
        if isinstance(node.names, cst.ImportStar):
            self.pending.append((node, base, "*", kind, None))
            return
        for alias in node.names:
            name = alias.name.value if isinstance(alias.name, cst.Name) else ""
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.names.bind(local, f"{base}.{name}" if base else name)
            self.pending.append((node, base, name, kind, local))

    def visit_Call(self, node: cst.Call) -> None:
        if not node.args or self.names.qualify(node.func) not in DYNAMIC_IMPORTERS:
            return
        first = node.args[0].value
        if isinstance(first, cst.SimpleString):
            value = first.evaluated_value
            if isinstance(value, str) and value and not value.startswith("."):
                self.pending.append((node, value, "", ImportKind.DYNAMIC, None))

    def nodes_to_locate(self) -> list[cst.CSTNode]:
        return [item[0] for item in self.pending]

    def imports(self, spans: dict[cst.CSTNode, Span]) -> tuple[ImportFact, ...]:
        facts = []
        for node, module, name, kind, alias in self.pending:
            span = spans[node]
            facts.append(ImportFact(module, name, span.line, span.column, kind, alias))
        return tuple(sorted(facts))


def definition_nodes(module: cst.Module) -> list[tuple[cst.Name, str, tuple[str, ...]]]:
    """Top-level definitions: (name node, kind, decorator names)."""
    found: list[tuple[cst.Name, str, tuple[str, ...]]] = []
    for stmt in module.body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            decorators = tuple(
                d for d in (_decorator_name(dec.decorator) for dec in stmt.decorators) if d
            )
            kind = "function" if isinstance(stmt, cst.FunctionDef) else "class"
            found.append((stmt.name, kind, decorators))
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                targets: list[cst.BaseExpression] = []
                if isinstance(small, cst.Assign):
                    targets = [t.target for t in small.targets]
                elif isinstance(small, cst.AnnAssign):
                    targets = [small.target]
                found.extend((t, "variable", ()) for t in targets if isinstance(t, cst.Name))
    return found


def _decorator_name(expr: cst.BaseExpression) -> str | None:
    return dotted_name(expr.func if isinstance(expr, cst.Call) else expr)


def definitions(
    nodes: list[tuple[cst.Name, str, tuple[str, ...]]], spans: dict[cst.CSTNode, Span]
) -> tuple[Definition, ...]:
    return tuple(sorted(Definition(n.value, kind, spans[n].line, decs) for n, kind, decs in nodes))
