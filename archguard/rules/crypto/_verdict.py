"""What the crypto checks hand back to their rule, and what they are given."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from archguard.core.levels import Confidence, Severity
from archguard.rules.crypto._flow import FileIndex
from archguard.scan.syntax import Names


@dataclass(frozen=True)
class Verdict:
    """One problem found: the shape it has (its fingerprint keeps it apart from the
    rule's other shapes on the same line), where, and what to say."""

    shape: str
    node: ast.AST
    message: str
    fix: str
    severity: Severity | None = None
    confidence: Confidence | None = None
    related: tuple[tuple[ast.AST, str], ...] = ()


@dataclass(frozen=True)
class File:
    """The one file being checked, as every check sees it."""

    path: str
    names: Names
    index: FileIndex
    parents: dict[int, ast.AST]

    def under(self, node: ast.AST, callees: tuple[str, ...]) -> bool:
        """Whether ``node`` is an argument (at any depth, within its statement) of a
        call to one of ``callees``: qualified-name prefixes, or ``.method`` suffixes."""
        current = self.parents.get(id(node))
        while current is not None and not isinstance(current, ast.stmt):
            if isinstance(current, ast.Call):
                qualified = self.names.resolve(current.func) or _text(current.func)
                for callee in callees:
                    if qualified.endswith(callee) or (
                        not callee.startswith(".") and qualified.startswith(callee)
                    ):
                        return True
            current = self.parents.get(id(current))
        return False


def _text(expr: ast.AST) -> str:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return f"{_text(expr.value)}.{expr.attr}"
    return ""
