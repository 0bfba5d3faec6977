"""Small questions about calls and statements that several operational rules ask."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from archguard.scan.resolver import ImportTable, dotted_name

LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical",
                         "fatal", "log"})
_LOGGER_NAMES = frozenset({"logger", "log", "logging", "LOGGER", "LOG", "_logger", "_log",
                           "structlog", "loguru"})


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node under ``node``, not descending into nested functions or classes."""
    stack = list(reversed(node.children))
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        stack.extend(reversed(current.children))


def calls(node: cst.CSTNode) -> Iterator[cst.Call]:
    return (n for n in walk(node) if isinstance(n, cst.Call))


def is_logger(receiver: cst.BaseExpression, names: ImportTable, loggers: set[str]) -> bool:
    """Whether ``receiver`` is a logger: the logging module, a name the module bound to
    ``logging.getLogger(...)`` / structlog / loguru, or a conventional logger name
    (``logger``, ``self.logger``, ``app.logger``)."""
    qualified = names.qualify(receiver)
    if qualified in ("logging", "structlog", "loguru.logger") or (qualified or "").startswith("structlog."):
        return True
    text = dotted_name(receiver)
    if text is None:
        return False
    return text in loggers or text.split(".")[-1] in _LOGGER_NAMES


def log_call(node: cst.Call, names: ImportTable, loggers: set[str]) -> str | None:
    """The log method (``info``, ``exception``...) if ``node`` is a logging call."""
    func = node.func
    if isinstance(func, cst.Attribute) and func.attr.value in LOG_METHODS \
            and is_logger(func.value, names, loggers):
        return func.attr.value
    return None


def logger_binding(node: cst.Assign, names: ImportTable) -> str | None:
    """``logger = logging.getLogger(__name__)`` (or structlog's) binds a logger name."""
    if len(node.targets) != 1 or not isinstance(node.value, cst.Call):
        return None
    qualified = names.qualify(node.value.func) or ""
    if qualified in ("logging.getLogger", "structlog.get_logger", "structlog.getLogger",
                     "celery.utils.log.get_task_logger"):
        return dotted_name(node.targets[0].target)
    return None


def keyword(node: cst.Call, name: str) -> cst.Arg | None:
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def int_value(expr: cst.BaseExpression | None) -> int | None:
    if isinstance(expr, cst.Integer):
        try:
            return int(expr.value.replace("_", ""), 0)
        except ValueError:
            return None
    return None


def names_in(node: cst.CSTNode) -> set[str]:
    return {n.value for n in walk(node) if isinstance(n, cst.Name)}
