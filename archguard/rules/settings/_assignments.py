"""Shared by the settings rules: which assignments are settings, and for which
environment the module or config class is meant."""

from __future__ import annotations

import ast
import re
from enum import Enum

from archguard.core.levels import Confidence
from archguard.scan.scoped_rule import ScopedRule

#: Names of settings modules and config classes meant for a developer's machine or CI.
_LOCAL = re.compile(
    r"(?i)(^|[._])(dev|develop|development|local|test|testing|tests|ci|debug)($|[._])|Dev|Local|Test|Debug"
)
_PRODUCTION = re.compile(r"(?i)prod|production|live|release|deploy")


class Target(Enum):
    """Whom a setting is for, judged from the module and class names."""

    LOCAL = "local"
    PRODUCTION = "production"
    UNKNOWN = "unknown"


class SettingsRule(ScopedRule):
    """A rule about top-level settings (``DEBUG = True``) in settings modules and in
    config classes (Flask's ``class ProductionConfig: ...``). Subclasses implement
    :meth:`setting`, which is not called for development, local or test settings, and
    report through :meth:`report_setting`."""

    def visit_Assign(self, node: ast.Assign) -> None:
        if self._in_scope():
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.setting(target.id, node.value, node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if self._in_scope() and node.value is not None and isinstance(node.target, ast.Name):
            self.setting(node.target.id, node.value, node)

    def _in_scope(self) -> bool:
        """A module- or class-level assignment in settings not meant for development."""
        return not self.functions and self.ctx.is_settings and self.target is not Target.LOCAL

    def setting(self, name: str, value: ast.expr, node: ast.stmt) -> None:
        raise NotImplementedError

    @property
    def where(self) -> str:
        """The config class, or the settings module, the current assignment is in."""
        return ".".join(c.name for c in self.classes) or self.ctx.module

    def report_setting(self, node: ast.AST, name: str, message: str, fix: str) -> None:
        """Report one setting. Settings that say they are for production are high
        confidence; settings that do not say whom they are for, medium."""
        self.report(
            node,
            message,
            symbol=f"{self.where}:{name}",
            fix=fix,
            confidence=Confidence.HIGH if self.target is Target.PRODUCTION else Confidence.MEDIUM,
        )

    @property
    def target(self) -> Target:
        names = [self.ctx.module or self.ctx.path, *(c.name for c in self.classes)]
        if any(_LOCAL.search(n) for n in names):
            return Target.LOCAL
        if any(_PRODUCTION.search(n) for n in names):
            return Target.PRODUCTION
        return Target.UNKNOWN


def is_true(value: ast.expr) -> bool:
    return isinstance(value, ast.Constant) and value.value is True


def is_false(value: ast.expr) -> bool:
    return isinstance(value, ast.Constant) and value.value is False
