"""A base for rules that look at logging calls: it remembers which module-level
names the file bound to a logger."""

from __future__ import annotations

import ast

from archguard.rules.ops._calls import log_call, logger_binding
from archguard.scan.context import FileContext
from archguard.scan.file_rule import FileRule


class LoggerAwareRule(FileRule):
    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.loggers: set[str] = set()

    def visit_Assign(self, node: ast.Assign) -> None:
        name = logger_binding(node, self.ctx.names)
        if name:
            self.loggers.add(name)

    def log_method(self, node: ast.Call) -> str | None:
        """``info``, ``exception``... when the call is a logging call."""
        return log_call(node, self.ctx.names, self.loggers)
