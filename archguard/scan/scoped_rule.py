"""A file rule that knows which classes and functions enclose the node it visits.

Several rules need this (settings in config classes, the role of the enclosing
function, the function a print() sits in); keeping the one scope stack here means each
of them only reads it. Subclasses that need to act on entering or leaving a scope
override ``entered`` / ``leaving`` rather than the visitor methods.
"""

from __future__ import annotations

import ast

from archguard.scan.context import FileContext
from archguard.scan.file_rule import FileRule

Function = ast.FunctionDef | ast.AsyncFunctionDef
Scope = ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef


class ScopedRule(FileRule):
    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        #: Enclosing classes and functions, outermost first.
        self.scopes: list[Scope] = []

    @property
    def classes(self) -> list[ast.ClassDef]:
        return [s for s in self.scopes if isinstance(s, ast.ClassDef)]

    @property
    def functions(self) -> list[Function]:
        return [s for s in self.scopes if not isinstance(s, ast.ClassDef)]

    @property
    def function(self) -> Function | None:
        """The innermost enclosing function."""
        for scope in reversed(self.scopes):
            if not isinstance(scope, ast.ClassDef):
                return scope
        return None

    def _enter(self, node: Scope) -> None:
        self.entered(node)
        self.scopes.append(node)

    def _leave(self, node: Scope) -> None:
        self.scopes.pop()
        self.leaving(node)

    visit_ClassDef = _enter
    leave_ClassDef = _leave
    visit_FunctionDef = _enter
    leave_FunctionDef = _leave
    visit_AsyncFunctionDef = _enter
    leave_AsyncFunctionDef = _leave

    def entered(self, node: Scope) -> None:
        """Called on entering a class or function; ``self.scopes`` holds its parents."""

    def leaving(self, node: Scope) -> None:
        """Called after leaving a class or function; ``self.scopes`` holds its parents."""
