"""Small questions about calls and statements that several operational rules ask."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from archguard.scan.syntax import Names, dotted
from archguard.scan.syntax import keyword as keyword

LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"}
)
_LOGGER_NAMES = frozenset(
    {"logger", "log", "logging", "LOGGER", "LOG", "_logger", "_log", "structlog", "loguru"}
)
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under ``node``, not descending into nested functions or classes."""
    stack = list(reversed(list(ast.iter_child_nodes(node))))
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, _NESTED):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(current))))


def calls(node: ast.AST) -> Iterator[ast.Call]:
    return (n for n in walk(node) if isinstance(n, ast.Call))


def is_logger(receiver: ast.expr, names: Names, loggers: set[str]) -> bool:
    """Whether ``receiver`` is a logger: the logging module, a name the module bound to
    ``logging.getLogger(...)`` / structlog / loguru, or a conventional logger name
    (``logger``, ``self.logger``, ``app.logger``)."""
    qualified = names.resolve(receiver) or ""
    if qualified in ("logging", "structlog", "loguru.logger") or qualified.startswith("structlog."):
        return True
    text = dotted(receiver)
    if text is None:
        return False
    return text in loggers or text.split(".")[-1] in _LOGGER_NAMES


def log_call(node: ast.Call, names: Names, loggers: set[str]) -> str | None:
    """The log method (``info``, ``exception``...) if ``node`` is a logging call."""
    func = node.func
    if (
        isinstance(func, ast.Attribute)
        and func.attr in LOG_METHODS
        and is_logger(func.value, names, loggers)
    ):
        return func.attr
    return None


def logger_binding(node: ast.Assign, names: Names) -> str | None:
    """``logger = logging.getLogger(__name__)`` (or structlog's) binds a logger name."""
    if len(node.targets) != 1 or not isinstance(node.value, ast.Call):
        return None
    qualified = names.resolve(node.value.func) or ""
    if qualified in (
        "logging.getLogger",
        "structlog.get_logger",
        "structlog.getLogger",
        "celery.utils.log.get_task_logger",
    ):
        return dotted(node.targets[0])
    return None


def int_value(expr: ast.expr | None) -> int | None:
    if isinstance(expr, ast.Constant) and type(expr.value) is int:
        return expr.value
    return None


def names_in(node: ast.AST) -> set[str]:
    """The names under ``node``, attribute and keyword names included: ``log(err=e)``
    and ``log(e.args)`` both mention ``e``."""
    found: set[str] = set()
    for item in walk(node):
        if isinstance(item, ast.Name):
            found.add(item.id)
        elif isinstance(item, ast.Attribute):
            found.add(item.attr)
        elif isinstance(item, ast.keyword) and item.arg is not None:
            found.add(item.arg)
    return found
