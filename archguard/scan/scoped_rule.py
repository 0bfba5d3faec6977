"""A file rule that knows which classes and functions enclose the node it visits.

Several rules need this (settings in config classes, the role of the enclosing
function, the function a print() sits in); keeping the one scope stack here means each
of them only reads it. Subclasses that need to act on entering or leaving a scope
override ``entered`` / ``leaving`` rather than the visitor methods.
"""

from __future__ import annotations

import libcst as cst

from archguard.scan.context import FileContext
from archguard.scan.file_rule import FileRule

Scope = cst.ClassDef | cst.FunctionDef


class ScopedRule(FileRule):
    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        #: Enclosing classes and functions, outermost first.
        self.scopes: list[Scope] = []

    @property
    def classes(self) -> list[cst.ClassDef]:
        return [s for s in self.scopes if isinstance(s, cst.ClassDef)]

    @property
    def functions(self) -> list[cst.FunctionDef]:
        return [s for s in self.scopes if isinstance(s, cst.FunctionDef)]

    @property
    def function(self) -> cst.FunctionDef | None:
        """The innermost enclosing function."""
        for scope in reversed(self.scopes):
            if isinstance(scope, cst.FunctionDef):
                return scope
        return None

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.entered(node)
        self.scopes.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.scopes.pop()
        self.leaving(original_node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.entered(node)
        self.scopes.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.scopes.pop()
        self.leaving(original_node)

    def entered(self, node: Scope) -> None:
        """Called on entering a class or function; ``self.scopes`` holds its parents."""

    def leaving(self, node: Scope) -> None:
        """Called after leaving a class or function; ``self.scopes`` holds its parents."""
