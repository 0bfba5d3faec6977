"""AG710 external-call-in-transaction."""

from __future__ import annotations

import ast

from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.scan.context import FileContext
from archguard.scan.scoped_rule import Scope, ScopedRule
from archguard.scan.syntax import dotted

_ATOMIC = frozenset({"django.db.transaction.atomic"})
_HTTP_MODULES = ("requests.", "httpx.", "urllib.request.urlopen", "aiohttp.")
_MAIL = frozenset(
    {
        "django.core.mail.send_mail",
        "django.core.mail.send_mass_mail",
        "django.core.mail.mail_admins",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
    }
)
_ENQUEUE = frozenset({"delay", "apply_async", "send_task", "enqueue"})
_CLIENT_VERBS = frozenset({"get", "post", "put", "patch", "delete", "request", "send"})


class ExternalCallInTransaction(ScopedRule):
    """
    ## What it does
    Finds calls to the outside world made while a database transaction is open:
    inside `with transaction.atomic():` or a function decorated with
    `@transaction.atomic` (Django), and inside `with session.begin():`,
    `async with session.begin():` or `with engine.begin() as conn:` (SQLAlchemy). It
    reports HTTP calls (requests, httpx, urllib, aiohttp and client objects named
    `client`/`http`/`session`), e-mail (`send_mail`, SMTP), payment SDK calls
    (`stripe.*`), and task enqueues (`.delay()`, `.apply_async()`). Work passed to
    `transaction.on_commit(...)` runs after the commit and is fine.

    ## Why is this bad?
    The transaction holds row locks and a pooled connection for as long as the
    outside call takes; a slow partner API turns into lock waits and an exhausted
    pool for everyone else. Worse, the two do not commit together: if the
    transaction rolls back after the call, the e-mail was sent and the card charged
    for an order that does not exist; a task enqueued inside the transaction may run
    before the commit and find no row.

    ## Example
    ```python
    with transaction.atomic():
        order = Order.objects.create(customer=customer, total=total)
        stripe.PaymentIntent.create(amount=total, currency="eur")
        send_order_confirmation.delay(order.id)
    ```

    ## Use instead
    ```python
    intent = stripe.PaymentIntent.create(amount=total, currency="eur", idempotency_key=key)
    with transaction.atomic():
        order = Order.objects.create(customer=customer, total=total, payment_intent=intent.id)
        transaction.on_commit(lambda: send_order_confirmation.delay(order.id))
    ```

    ## References
    - https://docs.djangoproject.com/en/stable/topics/db/transactions/#performing-actions-after-commit
    - https://docs.sqlalchemy.org/en/20/orm/session_transaction.html
    - https://microservices.io/patterns/data/transactional-outbox.html
    - https://cwe.mitre.org/data/definitions/662.html
    """

    meta = RuleMeta(
        id="AG710",
        name="external-call-in-transaction",
        category=Category.RESILIENCE,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="An HTTP call, e-mail, payment or task enqueue runs inside an open database transaction.",
        tags=frozenset({"reliability", "resilience", "database"}),
    )
    TRIGGERS = (rb"atomic|\.begin\(",)

    VALID = (
        Valid(
            """
            from django.db import transaction

            def place_order(customer, total):
                with transaction.atomic():
                    order = Order.objects.create(customer=customer, total=total)
                    transaction.on_commit(lambda: send_order_confirmation.delay(order.id))
                requests.post(WEBHOOK_URL, json={"order": order.id}, timeout=5)
            """,
        ),
        Valid(
            """
            async def rename(session, user_id, name):
                async with session.begin():
                    user = await session.get(User, user_id)
                    user.name = name
            """,
        ),
    )
    INVALID = (
        Invalid(
            """
            import stripe
            from django.db import transaction

            def place_order(customer, total):
                with transaction.atomic():
                    order = Order.objects.create(customer=customer, total=total)
                    stripe.PaymentIntent.create(amount=total, currency="eur")
                    send_order_confirmation.delay(order.id)
            """,
            line=(7, 8),
        ),
        Invalid(
            """
            from django.core.mail import send_mail
            from django.db import transaction

            @transaction.atomic
            def register(form):
                user = form.save()
                send_mail("Welcome", "...", None, [user.email])
            """,
            line=7,
            message="e-mail",
        ),
        Invalid(
            """
            import httpx

            def sync_customer(session, customer):
                with session.begin():
                    session.add(customer)
                    httpx.post(CRM_URL, json=customer.as_dict(), timeout=5)
            """,
            line=6,
            message="HTTP",
        ),
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self._open: list[ast.AST] = []
        self._deferred = 0

    def _opens(self, expr: ast.expr) -> bool:
        if not isinstance(expr, ast.Call):
            return self.ctx.names.resolve(expr) in _ATOMIC
        if self.ctx.names.resolve(expr.func) in _ATOMIC:
            return True
        return (
            isinstance(expr.func, ast.Attribute)
            and expr.func.attr == "begin"
            and not expr.args
            and not expr.keywords
        )

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        if any(self._opens(item.context_expr) for item in node.items):
            self._open.append(node)

    def leave_With(self, node: ast.With | ast.AsyncWith) -> None:
        if self._open and self._open[-1] is node:
            self._open.pop()

    visit_AsyncWith = visit_With
    leave_AsyncWith = leave_With

    def entered(self, node: Scope) -> None:
        if not isinstance(node, ast.ClassDef) and any(self._opens(d) for d in node.decorator_list):
            self._open.append(node)

    def leaving(self, node: Scope) -> None:
        if self._open and self._open[-1] is node:
            self._open.pop()

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._deferred += 1

    def leave_Lambda(self, node: ast.Lambda) -> None:
        self._deferred -= 1

    def visit_Call(self, node: ast.Call) -> None:
        if not self._open or self._deferred:
            return
        what = self._external(node)
        if what is None:
            return
        self.report(
            node,
            f"{what} inside an open database transaction: it holds locks and a connection "
            "while it waits, and it does not roll back with the transaction. Do it before the "
            "transaction, or after the commit (transaction.on_commit, an outbox).",
            symbol=what,
            fix="transaction.on_commit(lambda: send_order_confirmation.delay(order.id))",
        )

    def _external(self, node: ast.Call) -> str | None:
        name = self.ctx.names.resolve(node.func) or ""
        if name.startswith(_HTTP_MODULES):
            return f"An HTTP call ({name})"
        if name in _MAIL:
            return "Sending e-mail"
        if name.startswith("stripe."):
            return f"A payment call ({name})"
        if isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            receiver = (dotted(node.func.value) or "").split(".")[-1]
            if attr in _ENQUEUE:
                return f"Enqueuing a task (.{attr}())"
            if attr in _CLIENT_VERBS and receiver in ("client", "http", "http_client", "api"):
                return f"An HTTP call ({receiver}.{attr})"
        return None
