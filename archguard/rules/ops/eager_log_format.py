"""AG703 eager-log-format."""

from __future__ import annotations

import ast

from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.ops._loggers import LoggerAwareRule
from archguard.scan.syntax import arguments_in_order, dotted


class EagerLogFormat(LoggerAwareRule):
    """
    ## What it does
    Finds standard-library logging calls whose message is formatted before the call:
    an f-string, `"..." % args`, `"...".format(...)` or string concatenation. Loggers
    are the `logging` module, names bound to `logging.getLogger(...)` or Celery's
    `get_task_logger(...)`, and the usual `logger` / `log` / `app.logger` names.
    structlog and loguru loggers, which format differently, are left alone.

    ## Why is this bad?
    The logging module formats `logger.debug("user %s", user)` only when the record
    is emitted. An f-string is formatted on every call, even when DEBUG is off, which
    costs time on hot paths and calls `__str__` / `__repr__` of ORM objects (sometimes a
    query). Worse, every message becomes unique: Sentry and log tools group records by
    their template, so `f"payment {id} failed"` turns one recurring error into
    thousands of unrelated ones and alert rules on the message stop matching.

    ## Example
    ```python
    logger.info(f"order {order.id} paid by {user.email}")
    ```

    ## Use instead
    ```python
    logger.info("order %s paid by %s", order.id, user.email)
    ```

    ## References
    - https://docs.python.org/3/howto/logging.html#optimization
    - https://docs.astral.sh/ruff/rules/logging-f-string/
    - https://docs.sentry.io/platforms/python/integrations/logging/
    """

    meta = RuleMeta(
        id="AG703",
        name="eager-log-format",
        category=Category.OBSERVABILITY,
        severity=Severity.NOTE,
        confidence=Confidence.HIGH,
        summary="A log message is formatted eagerly (f-string, %, format, +) instead of with lazy arguments.",
        tags=frozenset({"observability", "logging", "performance"}),
        # Style, not a production failure: on only when selected (ruff keeps its
        # print and logging-format rules out of the default set too).
        default=False,
    )
    #: A logging call whose first argument is formatted in place.
    TRIGGERS = (
        (
            rb"\.(?:debug|info|warning|warn|error|exception|critical|fatal|log)\(\s*"
            rb"(?:[rRbB]?[fF]|[\"'][^\"'\n]*[\"']\s*(?:%|\+|\.format))"
        ),
    )

    VALID = (
        Valid(
            """
            import logging
            logger = logging.getLogger(__name__)

            def pay(order):
                logger.info("order %s paid", order.id)
                logger.warning("slow payment", extra={"order_id": order.id})
            """,
        ),
        Valid(
            """
            from loguru import logger

            def pay(order):
                logger.info(f"order {order.id} paid")
            """,
            label="loguru formats its own way",
        ),
        Valid(
            """
            import structlog
            log = structlog.get_logger()

            def pay(order):
                log.info("order_paid", order_id=order.id)
            """,
        ),
        Valid('message = f"order {order.id} paid"\nnotify(message)\n', label="not a logging call"),
    )
    INVALID = (
        Invalid(
            """
            import logging
            logger = logging.getLogger(__name__)

            def pay(order, user):
                logger.info(f"order {order.id} paid by {user.email}")
            """,
            line=5,
            message="f-string",
        ),
        Invalid(
            """
            from celery.utils.log import get_task_logger
            log = get_task_logger(__name__)

            def sync(sku, count):
                log.warning("synced %s: %d items" % (sku, count))
                log.error("failed " + sku)
                log.debug("sku {}".format(sku))
            """,
            line=(5, 6, 7),
        ),
        Invalid(
            """
            from flask import current_app

            def audit(post):
                current_app.logger.info(f"post {post.id} published")
            """,
            line=4,
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        method = self.log_method(node)
        if method is None:
            return
        arguments = arguments_in_order(node)
        if not arguments or arguments[0][0] is not None:
            return
        assert isinstance(node.func, ast.Attribute)
        receiver = self.ctx.names.resolve(node.func.value) or ""
        if receiver.startswith(("structlog", "loguru")):
            return
        message = arguments[1][1] if method == "log" and len(arguments) > 1 else arguments[0][1]
        how = _eager(message)
        if how is None:
            return
        name = dotted(node.func) or "logger"
        self.report(
            node,
            f"{name}() gets a message already formatted with {how}: it is formatted even when "
            "the level is off, and every record becomes unique, so log tools cannot group "
            "them. Pass a %-template and the values as arguments.",
            symbol=name,
            fix='logger.info("order %s paid", order.id)',
        )


def _eager(message: ast.expr) -> str | None:
    if isinstance(message, ast.JoinedStr):
        return (
            "an f-string"
            if any(isinstance(p, ast.FormattedValue) for p in message.values)
            else None
        )
    if isinstance(message, ast.BinOp):
        if isinstance(message.op, ast.Mod) and _is_literal(message.left):
            return "%"
        if isinstance(message.op, ast.Add) and (_is_text(message.left) or _is_text(message.right)):
            return "+"
    if (
        isinstance(message, ast.Call)
        and isinstance(message.func, ast.Attribute)
        and message.func.attr == "format"
        and _is_text(message.func.value)
    ):
        return "str.format()"
    return None


def _is_literal(expr: ast.expr) -> bool:
    """A string or bytes literal without an f-string part."""
    return isinstance(expr, ast.Constant) and isinstance(expr.value, (str, bytes))


def _is_text(expr: ast.expr) -> bool:
    return _is_literal(expr) or isinstance(expr, ast.JoinedStr)
