"""AG708 non-idempotent-consumer."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.ops._calls import keyword, walk
from archguard.rules.ops._roles import Role, RoleRule
from archguard.scan.scoped_rule import Function
from archguard.scan.syntax import dotted, first_argument, string

_WEBHOOK_PATH = re.compile(r"(?i)webhook|/hooks?/|callback|/events?\b|/notify|/ipn")
#: Writes that repeat when the work is repeated.
_CREATES = frozenset(
    {"create", "bulk_create", "add", "add_all", "insert", "insert_one", "insert_many"}
)
_MONEY = re.compile(
    r"^stripe\.(Charge|PaymentIntent|Transfer|Payout|Refund|Invoice)\.create$|"
    r"\.(charge|capture|refund|transfer|payout)$"
)
#: Calls that look the work up before doing it again, or make a repeat harmless.
_DEDUP_CALLS = frozenset(
    {
        "get_or_create",
        "update_or_create",
        "exists",
        "setnx",
        "on_conflict_do_nothing",
        "on_conflict_do_update",
        "merge",
        "select_for_update",
        "upsert",
        "ignore_conflicts",
    }
)
_DEDUP_WORDS = re.compile(
    r"(?i)idempot|dedup|processed|already|seen|handled|event_id|message_id|"
    r"delivery_id|ON CONFLICT|IntegrityError"
)


class NonIdempotentConsumer(RoleRule):
    """
    ## What it does
    Looks at work that can be delivered more than once: Celery, Dramatiq, RQ and Huey
    tasks; message consumers (Faust agents, FastStream subscribers, Kafka, RabbitMQ,
    SQS and Redis-stream callbacks such as `on_message` / `consume_*`); and webhook
    handlers (routes whose path names a webhook, callback or events endpoint). It
    reports the first write that would repeat on a second delivery (`objects.create`,
    `bulk_create`, `session.add`, `insert_one`) or a money movement (`stripe.Charge.create`,
    `.charge()`, `.refund()`), when nothing in the function looks the delivery up
    first: no `get_or_create` / `update_or_create`, no `.exists()` check, no
    `select_for_update`, no upsert (`on_conflict_do_nothing`, `ignore_conflicts`),
    no `setnx`, no `idempotency_key`, no event or message id check, no
    `IntegrityError` handler for a unique constraint. Tasks with `acks_late=True`,
    which are redelivered by design, are reported as errors.

    ## Why is this bad?
    Brokers and webhook senders deliver at least once, not exactly once: Stripe retries
    a webhook until it gets a 2xx, SQS redelivers when a visibility timeout passes,
    Celery with `acks_late` reruns a task whose worker died, and Kafka replays after
    a rebalance. Each redelivery of a non-idempotent handler creates a second order,
    sends a second e-mail, or charges the customer twice.

    ## Example
    ```python
    @shared_task(acks_late=True)
    def record_payment(event):
        Payment.objects.create(order_id=event["order_id"], amount=event["amount"])
    ```

    ## Use instead
    ```python
    @shared_task(acks_late=True)
    def record_payment(event):
        Payment.objects.get_or_create(
            event_id=event["id"],  # unique=True on the model
            defaults={"order_id": event["order_id"], "amount": event["amount"]},
        )
    ```

    ## References
    - https://docs.celeryq.dev/en/stable/userguide/tasks.html#idempotence
    - https://docs.stripe.com/webhooks#handle-duplicate-events
    - https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/standard-queues.html
    - https://microservices.io/patterns/communication-style/idempotent-consumer.html
    """

    meta = RuleMeta(
        id="AG708",
        name="non-idempotent-consumer",
        category=Category.IDEMPOTENCY,
        severity=Severity.WARNING,
        confidence=Confidence.MEDIUM,
        summary="A task, consumer or webhook handler creates records or moves money with no deduplication.",
        tags=frozenset({"reliability", "idempotency"}),
    )
    #: A task, consumer or webhook marker.
    TRIGGERS = (
        (
            rb"shared_task|\.task\b|@\w+\.(?:agent|subscriber|actor)|dramatiq|on_message|consum|_consumer|"
            rb"webhook|callback|/events|/ipn|/notify"
        ),
    )

    VALID = (
        Valid(
            """
            from celery import shared_task

            @shared_task(acks_late=True)
            def record_payment(event):
                Payment.objects.get_or_create(
                    event_id=event["id"],
                    defaults={"order_id": event["order_id"], "amount": event["amount"]},
                )
            """,
        ),
        Valid(
            """
            @router.post("/webhooks/stripe")
            async def stripe_webhook(request: Request, db: Session = Depends(get_db)):
                event = stripe.Webhook.construct_event(await request.body(), request.headers["stripe-signature"], SECRET)
                if db.query(ProcessedEvent).filter_by(event_id=event.id).first():
                    return {"received": True}
                db.add(ProcessedEvent(event_id=event.id))
                db.add(Payment(order_id=event.data.object.metadata["order_id"]))
                db.commit()
            """,
        ),
        Valid(
            """
            from celery import shared_task

            @shared_task
            def refresh_stats():
                stats = compute_stats()
                cache.set("stats", stats)
            """,
            label="no record created",
        ),
        Valid(
            """
            def list_orders(request):
                return JsonResponse({"orders": [o.as_dict() for o in Order.objects.all()]})
            """,
            path="shop/views.py",
            label="an ordinary view",
        ),
    )
    INVALID = (
        Invalid(
            """
            from celery import shared_task

            @shared_task(acks_late=True)
            def record_payment(event):
                Payment.objects.create(order_id=event["order_id"], amount=event["amount"])
            """,
            line=5,
            message="acks_late",
        ),
        Invalid(
            """
            @router.post("/webhooks/stripe")
            async def stripe_webhook(request: Request, db: Session = Depends(get_db)):
                event = stripe.Webhook.construct_event(await request.body(), request.headers["stripe-signature"], SECRET)
                db.add(Payment(order_id=event.data.object.metadata["order_id"]))
                db.commit()
            """,
            line=4,
            message="webhook",
        ),
        Invalid(
            """
            def on_message(channel, method, properties, body):
                order = json.loads(body)
                stripe.Charge.create(amount=order["total"], currency="eur", customer=order["customer"])
                channel.basic_ack(method.delivery_tag)
            """,
            line=3,
            message="moves money",
        ),
    )

    def exit_function(self, node: Function, role: Role | None) -> None:
        kind = self._kind(node, role)
        if kind is None:
            return
        # The first write in source order (ast's order differs: ``*args`` before keywords,
        # dict keys before values).
        writes = [(c, w) for c in _calls_in(node.body) if (w := self._write(c)) is not None]
        if not writes or self._deduplicates(node):
            return
        call, what = min(writes, key=lambda cw: (cw[0].lineno, cw[0].col_offset))
        acks_late = role is Role.TASK and any(
            isinstance(d, ast.Call) and _true(keyword(d, "acks_late")) for d in node.decorator_list
        )
        extra = (
            " It runs with acks_late=True, so it is redelivered whenever a worker dies."
            if acks_late
            else ""
        )
        self.report(
            call,
            f"This {kind} {what} with no deduplication: a second delivery of the same "
            f"message does it again.{extra} Record the delivery id under a unique constraint "
            "(get_or_create, an upsert) or check it before writing.",
            symbol=node.name,
            severity=Severity.ERROR if acks_late else None,
            confidence=Confidence.HIGH if acks_late else None,
            fix='Payment.objects.get_or_create(event_id=event["id"], defaults={...})',
        )

    def _kind(self, node: Function, role: Role | None) -> str | None:
        if role is Role.TASK or role is Role.CONSUMER:
            return str(role.value)
        if role is Role.HANDLER:
            if _WEBHOOK_PATH.search(node.name):
                return "webhook handler"  # a Django view: its path is in urls.py
            for expr in node.decorator_list:
                if isinstance(expr, ast.Call):
                    path = string(first_argument(expr))
                    if path is not None and _WEBHOOK_PATH.search(path):
                        return "webhook handler"
        return None

    def _write(self, call: ast.Call) -> str | None:
        name = self.ctx.names.resolve(call.func) or dotted(call.func) or ""
        if _MONEY.search(name):
            return f"moves money ({name})"
        if isinstance(call.func, ast.Attribute) and call.func.attr in _CREATES:
            receiver = dotted(call.func.value) or ""
            if call.func.attr in ("add", "add_all") and not receiver.split(".")[-1].endswith(
                ("session", "db")
            ):
                return None  # set.add, a many-to-many add
            return f"creates records ({receiver or '...'}.{call.func.attr})"
        return None

    def _deduplicates(self, node: Function) -> bool:
        if _DEDUP_WORDS.search(node.name):
            return True
        # The text parts of f-strings do not count; whole string literals do.
        fstring_parts: set[int] = set()
        for item in walk(node):
            if isinstance(item, ast.JoinedStr):
                fstring_parts.update(id(v) for v in item.values)
            elif id(item) in fstring_parts:
                continue
            if isinstance(item, ast.Call):
                if isinstance(item.func, ast.Attribute) and item.func.attr in _DEDUP_CALLS:
                    return True
                if (
                    keyword(item, "idempotency_key") is not None
                    or keyword(item, "ignore_conflicts") is not None
                ):
                    return True
            elif any(_DEDUP_WORDS.search(word) for word in _words(item)):
                return True
        return False


def _true(value: ast.expr | None) -> bool:
    return isinstance(value, ast.Constant) and value.value is True


def _calls_in(statements: list[ast.stmt]) -> Iterator[ast.Call]:
    """The calls of a block, not entering nested functions or classes."""
    for statement in statements:
        if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield from (n for n in walk(statement) if isinstance(n, ast.Call))


def _words(node: ast.AST) -> list[str]:
    """The names and string literals of one node: names of variables, attributes,
    keywords, parameters, imports, handlers and patterns too."""
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        return [node.attr]
    if isinstance(node, (ast.keyword, ast.arg)):
        return [node.arg] if node.arg else []
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return [node.value]
        if isinstance(node.value, bytes):
            return [node.value.decode("latin-1")]
        return []
    if isinstance(node, ast.alias):
        return [node.name, *([node.asname] if node.asname else [])]
    if isinstance(node, ast.ImportFrom):
        return [node.module] if node.module else []
    if isinstance(node, ast.ExceptHandler):
        return [node.name] if node.name else []
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return list(node.names)
    if isinstance(node, (ast.MatchAs, ast.MatchStar)):
        return [node.name] if node.name else []
    if isinstance(node, ast.MatchMapping):
        return [node.rest] if node.rest else []
    if isinstance(node, ast.MatchClass):
        return list(node.kwd_attrs)
    return []
