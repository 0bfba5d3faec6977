"""AG701 swallowed-exception."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.ops._calls import names_in, walk
from archguard.rules.ops._loggers import LoggerAwareRule
from archguard.rules.ops._roles import Role, RoleRule
from archguard.scan.syntax import dotted

_BROAD = frozenset({"builtins.Exception", "builtins.BaseException"})
#: Calls that hand the failure on: Celery's retry raises, a broker nack redelivers.
_HANDS_ON = frozenset(
    {
        "retry",
        "abort",
        "nack",
        "reject",
        "basic_nack",
        "basic_reject",
        "capture_exception",
        "captureException",
        "print_exc",
    }
)
_ERROR_STATUS = re.compile(
    r"HTTP_[45]\d\d|INTERNAL_SERVER_ERROR|BAD_REQUEST|NOT_FOUND|SERVICE_UNAVAILABLE|BAD_GATEWAY|"
    r"CONFLICT|FORBIDDEN|UNAUTHORIZED|UNPROCESSABLE|GATEWAY_TIMEOUT|FAILED_DEPENDENCY"
)
_ERROR_RESPONSES = re.compile(
    r"HttpResponse(BadRequest|ServerError|NotFound|Forbidden|Gone|NotAllowed)$"
)


class SwallowedException(RoleRule, LoggerAwareRule):
    """
    ## What it does
    Looks at `except:`, `except Exception:` and `except BaseException:` blocks inside
    request handlers (route functions, Django and DRF views), background tasks (Celery,
    Dramatiq, RQ, Huey) and message consumers (Faust agents, FastStream subscribers,
    `on_message` / `consume_*` callbacks). It reports a block that:

    - neither re-raises, nor logs the exception (`logger.exception(...)`,
      `exc_info=True`, the exception object in the log call, Sentry's
      `capture_exception`), nor answers with an error status, nor hands the failure on
      (Celery's `self.retry`, a broker `nack`, an error handler that receives the
      exception object); or
    - in a request handler, answers with a success response: the error becomes a 200.

    Narrow handlers (`except KeyError:`, `except Order.DoesNotExist:`) are left alone:
    catching what you expect is how validation is written. A block that logs without
    the exception is reported with medium confidence.

    ## Why is this bad?
    A swallowed exception turns a failure into silence. The payment task "succeeds"
    without charging, the consumer acknowledges a message it never processed, and the
    handler answers 200 with `{"ok": false}`, so neither the client's retry logic nor
    your 5xx alerts ever notice. When someone does notice, there is no traceback to
    start from.

    ## Example
    ```python
    @router.post("/orders/{order_id}/pay")
    def pay(order_id: int, db: Session = Depends(get_db)):
        try:
            payments.charge(db, order_id)
        except Exception:
            return {"status": "ok"}
    ```

    ## Use instead
    ```python
    @router.post("/orders/{order_id}/pay")
    def pay(order_id: int, db: Session = Depends(get_db)):
        try:
            payments.charge(db, order_id)
        except PaymentDeclined as exc:
            raise HTTPException(status_code=402, detail=str(exc)) from exc
    ```
    Let unexpected errors propagate to the framework (which logs them and answers
    500), or log them with `logger.exception(...)` and answer with an error status.

    ## References
    - https://docs.python.org/3/howto/logging.html#logging-exceptions
    - https://docs.celeryq.dev/en/stable/userguide/tasks.html#retrying
    - https://cwe.mitre.org/data/definitions/390.html
    - https://docs.astral.sh/ruff/rules/try-except-pass/
    """

    meta = RuleMeta(
        id="AG701",
        name="swallowed-exception",
        category=Category.ERROR_HANDLING,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="A handler, task or consumer catches every exception and hides it (or answers 200).",
        tags=frozenset({"reliability", "error-handling"}),
    )
    TRIGGERS = (rb"except\s*(:|\(?\s*(Base)?Exception)",)

    VALID = (
        Valid(
            """
            from fastapi import Request

            async def try_get_current_user(request: Request, token: str = ""):
                try:
                    return await get_current_user(request, token)
                except Exception:
                    return None
            """,
            label="an optional-user dependency (its first parameter is a request, but it is "
            "not a view)",
        ),
        Valid(
            """
            import logging
            logger = logging.getLogger(__name__)

            @bp.route("/reset", methods=["POST"])
            def reset_password():
                try:
                    accounts.reset(request.form)
                except Exception:
                    logger.exception("Error when resetting password")
                    flash("Error when resetting password")
                    return redirect(url_for("auth.forgot_password"))
            """,
            label="logged with its traceback, then the user is told",
        ),
        Valid(
            """
            @bp.get("/celery-status")
            def celery_status():
                try:
                    running = bool(celery.control.inspect().ping())
                except Exception:
                    running = False
                return jsonify(celery_running=running)
            """,
            label="a fallback value: the failure is the answer",
        ),
        Valid(
            """
            @router.post("/orders/{order_id}/pay")
            def pay(order_id: int):
                try:
                    payments.charge(order_id)
                except Exception:
                    logger.exception("charging order %s failed", order_id)
                    raise HTTPException(status_code=502, detail="payment provider failed")
            """,
            label="logged and turned into an error status",
        ),
        Valid(
            """
            @app.route("/profile")
            def profile():
                try:
                    return render_template("profile.html", user=load_user())
                except Exception:
                    logger.exception("profile failed")
                    return render_template("error.html"), 500
            """,
        ),
        Valid(
            """
            from celery import shared_task

            @shared_task(bind=True, max_retries=5)
            def sync_inventory(self, sku):
                try:
                    warehouse.sync(sku)
                except Exception as exc:
                    raise self.retry(exc=exc, countdown=2 ** self.request.retries)
            """,
        ),
        Valid(
            """
            def on_message(channel, method, properties, body):
                try:
                    process(json.loads(body))
                except Exception as exc:
                    log.error("could not process %s: %s", method.delivery_tag, exc)
                    channel.basic_nack(method.delivery_tag, requeue=False)
            """,
        ),
        Valid(
            """
            @router.get("/orders/{order_id}")
            def get_order(order_id: int):
                try:
                    return repo.get(order_id)
                except KeyError:
                    raise HTTPException(status_code=404)
            """,
            label="a narrow handler",
        ),
        Valid(
            """
            def cleanup(path):
                try:
                    os.remove(path)
                except Exception:
                    pass
            """,
            label="not a handler, task or consumer",
        ),
        Valid(
            """
            class OrderView(APIView):
                def post(self, request):
                    try:
                        order = create_order(request.data)
                    except Exception:
                        logger.warning("order creation failed", exc_info=True)
                        return Response({"detail": "try again"}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
                    return Response(OrderSerializer(order).data, status=201)
            """,
        ),
    )
    INVALID = (
        Invalid(
            """
            from django.http import JsonResponse

            def export(request):
                try:
                    reports.export(request.user)
                except Exception:
                    pass
                return JsonResponse({"ok": True})
            """,
            path="reports/views.py",
            line=6,
            message="carries on",
            label="a Django view that silences everything",
        ),
        Invalid(
            """
            @router.post("/orders/{order_id}/pay")
            def pay(order_id: int):
                try:
                    payments.charge(order_id)
                except Exception:
                    return {"status": "ok"}
            """,
            line=5,
            message="200",
        ),
        Invalid(
            """
            from celery import shared_task

            @shared_task
            def send_receipt(order_id):
                try:
                    mailer.send_receipt(order_id)
                except Exception:
                    pass
            """,
            line=7,
            message="background task",
        ),
        Invalid(
            """
            @app.agent(orders_topic)
            async def process_orders(stream):
                async for event in stream:
                    try:
                        await fulfil(event)
                    except:
                        continue
            """,
            line=6,
            message="message consumer",
        ),
        Invalid(
            """
            from django.http import JsonResponse

            def checkout(request):
                try:
                    cart.checkout(request.user)
                except Exception as exc:
                    return JsonResponse({"ok": False, "error": str(exc)})
                return JsonResponse({"ok": True})
            """,
            path="shop/views.py",
            line=6,
            message="200",
        ),
        Invalid(
            """
            import logging
            log = logging.getLogger(__name__)

            @bp.route("/import", methods=["POST"])
            def import_posts():
                try:
                    importer.run(request.files["feed"])
                except Exception:
                    log.error("import failed")
                return redirect(url_for("posts.index"))
            """,
            line=8,
            message="without the exception",
        ),
    )

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        role = self.role
        if role is None or self.ctx.is_test or not self._broad(node.type):
            return
        bound = node.name
        body = list(_within(node.body))
        if any(isinstance(n, ast.Raise) for n in body):
            return
        logged, logged_without = False, False
        for call in (n for n in body if isinstance(n, ast.Call)):
            method = self.log_method(call)
            func_name = dotted(call.func) or ""
            if func_name.split(".")[-1] in _HANDS_ON:
                return
            if method is None and self._hands_exception_on(call, bound):
                return  # response_for_exception(request, exc), handle(sys.exc_info())
            if method is None:
                continue
            if (
                method == "exception"
                or any(k.arg == "exc_info" for k in call.keywords)
                or (bound is not None and bound in names_in(call))
            ):
                logged = True
            else:
                logged_without = True
        returns = [n for n in body if isinstance(n, ast.Return)]
        error_return = any(self._error_response(r.value) for r in returns)
        if error_return:
            return
        what = (
            "every exception"
            if node.type is None or self._qualified(node.type) != "builtins.Exception"
            else "Exception"
        )
        if role is Role.HANDLER and returns and not logged:
            self.report(
                node,
                f"This {role.value} catches {what} and answers with a success response: the "
                "error becomes a 200, so clients, retries and 5xx alerts never see it. Let it "
                "propagate, or log it with logger.exception() and answer with an error status.",
                symbol=self._symbol(),
                fix="raise HTTPException(status_code=502) from exc  # or let it propagate",
            )
            return
        if logged:
            return
        if logged_without:
            self.report(
                node,
                f"This {role.value} catches {what} and logs a message without the exception: "
                "the traceback is lost. Use logger.exception(...) or pass exc_info=True.",
                symbol=self._symbol(),
                confidence=Confidence.MEDIUM,
                fix='logger.exception("...")',
            )
            return
        if not _silent(node.body):
            # A fallback value, a message to the user, a rollback: the failure is
            # handled, if broadly. Only a handler that does nothing at all hides it.
            return
        self.report(
            node,
            f"This {role.value} catches {what} and carries on as if nothing failed: nothing "
            "is logged, re-raised or answered with an error. Catch only what you expect, and "
            "let the rest propagate (or log it with logger.exception()).",
            symbol=self._symbol(),
            fix='except Exception:\n    logger.exception("...")\n    raise',
        )

    def _hands_exception_on(self, call: ast.Call, bound: str | None) -> bool:
        """Whether the call gives the exception to a project or library function (an
        error handler), not to a builtin such as ``str(exc)``."""
        if self._qualified(call.func).startswith("builtins."):
            return False
        for value in _argument_values(call):
            if bound is not None and isinstance(value, ast.Name) and value.id == bound:
                return True
            if isinstance(value, ast.Call) and self._qualified(value.func) == "sys.exc_info":
                return True
        return False

    def _qualified(self, expr: ast.expr) -> str:
        return self.ctx.names.resolve(expr) or ""

    def _broad(self, expr: ast.expr | None) -> bool:
        if expr is None:
            return True
        if isinstance(expr, ast.Tuple):
            return any(self._qualified(_unstarred(e)) in _BROAD for e in expr.elts)
        return self._qualified(expr) in _BROAD

    def _symbol(self) -> str:
        function = self.function
        return function.name if function is not None else "<module>"

    def _error_response(self, value: ast.expr | None) -> bool:
        if value is None:
            return False
        if isinstance(value, ast.Tuple) and value.elts:
            status = _unstarred(value.elts[-1])
            if (_int(status) or 0) >= 400:
                return True
            if _ERROR_STATUS.search(dotted(status) or ""):
                return True
        if isinstance(value, ast.Call):
            name = dotted(value.func) or ""
            if _ERROR_RESPONSES.search(name):
                return True
            for kw in value.keywords:
                if kw.arg in ("status", "status_code"):
                    if (_int(kw.value) or 0) >= 400:
                        return True
                    if _ERROR_STATUS.search(dotted(kw.value) or ""):
                        return True
        return False


def _silent(body: list[ast.stmt]) -> bool:
    """``pass``, ``...``, ``continue`` or a bare ``return``: the handler does nothing."""
    for statement in body:
        if isinstance(statement, (ast.Pass, ast.Continue)):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # ``...`` or a string used as a comment
        if isinstance(statement, ast.Return) and (
            statement.value is None
            or (isinstance(statement.value, ast.Constant) and statement.value.value is None)
        ):
            continue
        return False
    return True


def _within(statements: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of a block, entering no nested function or class."""
    for statement in statements:
        yield statement
        if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield from walk(statement)


def _unstarred(expr: ast.expr) -> ast.expr:
    return expr.value if isinstance(expr, ast.Starred) else expr


def _argument_values(call: ast.Call) -> Iterator[ast.expr]:
    """The values of every argument, positional, keyword, ``*`` and ``**`` alike."""
    yield from (_unstarred(a) for a in call.args)
    yield from (k.value for k in call.keywords)


def _int(expr: ast.expr) -> int | None:
    if isinstance(expr, ast.Constant) and type(expr.value) is int:
        return expr.value
    return None
