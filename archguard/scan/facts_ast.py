"""A module's imports and top-level definitions, from its ``ast`` tree.

Every file's imports feed the module graph, and the name table every rule and
extractor resolves names through is built from them.
"""

from __future__ import annotations

import ast

from archguard.core.facts import Definition, ImportFact, ImportKind
from archguard.scan.syntax import dotted, resolve_relative

#: Calls that import a module named by a string literal.
DYNAMIC_IMPORTERS = frozenset({"importlib.import_module", "builtins.__import__"})


class _Extractor(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, lines: list[str]) -> None:
        self.module = module
        self.is_package = is_package
        self.lines = lines
        self.names: dict[str, str] = {}
        self.imports: list[ImportFact] = []
        self._function_depth = 0
        self._type_checking_depth = 0

    def _column(self, node: ast.expr | ast.stmt) -> int:
        # ast counts UTF-8 bytes; findings count characters.
        line = self.lines[node.lineno - 1] if node.lineno <= len(self.lines) else ""
        return len(line.encode("utf-8")[: node.col_offset].decode("utf-8", "replace")) + 1

    def _kind(self) -> ImportKind:
        if self._function_depth:
            return ImportKind.FUNCTION
        if self._type_checking_depth:
            return ImportKind.TYPE_CHECKING
        return ImportKind.MODULE

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._function_depth += 1
        self.generic_visit(node)
        self._function_depth -= 1

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        checking = dotted(node.test)
        inside = checking is not None and checking.split(".")[-1] == "TYPE_CHECKING"
        self._type_checking_depth += inside
        for stmt in node.body:
            self.visit(stmt)
        self._type_checking_depth -= inside
        for stmt in node.orelse:
            self.visit(stmt)

    def visit_Import(self, node: ast.Import) -> None:
        kind = self._kind()
        for alias in node.names:
            local = alias.asname or alias.name.split(".")[0]
            self.names[local] = alias.name if alias.asname else local
            self.imports.append(
                ImportFact(alias.name, "", node.lineno, self._column(node), kind, local)
            )

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        kind = self._kind()
        base = resolve_relative(self.module, self.is_package, node.level, node.module or "")
        for alias in node.names:
            if alias.name == "*":
                self.imports.append(ImportFact(base, "*", node.lineno, self._column(node), kind))
                continue
            local = alias.asname or alias.name
            self.names[local] = f"{base}.{alias.name}" if base else alias.name
            self.imports.append(
                ImportFact(base, alias.name, node.lineno, self._column(node), kind, local)
            )

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        func = dotted(node.func)
        if func is None or not node.args:
            return
        head, _, rest = func.partition(".")
        qualified = self.names.get(head)
        if qualified is None:
            qualified = "builtins." + head if head == "__import__" else None
        if qualified is None:
            return
        if rest:
            qualified = f"{qualified}.{rest}"
        first = node.args[0]
        if (
            qualified in DYNAMIC_IMPORTERS
            and isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and first.value
            and not first.value.startswith(".")
        ):
            self.imports.append(
                ImportFact(first.value, "", node.lineno, self._column(node), ImportKind.DYNAMIC)
            )


def _definitions(tree: ast.Module) -> tuple[Definition, ...]:
    found = []
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            decorators = []
            for dec in stmt.decorator_list:
                name = dotted(dec.func if isinstance(dec, ast.Call) else dec)
                if name:
                    decorators.append(name)
            kind = "class" if isinstance(stmt, ast.ClassDef) else "function"
            found.append(Definition(stmt.name, kind, stmt.lineno, tuple(decorators)))
        elif isinstance(stmt, ast.Assign):
            found.extend(
                Definition(t.id, "variable", t.lineno)
                for t in stmt.targets
                if isinstance(t, ast.Name)
            )
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            found.append(Definition(stmt.target.id, "variable", stmt.target.lineno))
    return tuple(sorted(found))


def extract(
    tree: ast.Module, module: str, is_package: bool, lines: list[str]
) -> tuple[tuple[ImportFact, ...], tuple[Definition, ...]]:
    extractor = _Extractor(module, is_package, lines)
    extractor.visit(tree)
    return tuple(sorted(extractor.imports)), _definitions(tree)
