"""AG708 non-idempotent-consumer."""

from __future__ import annotations

import re

import libcst as cst

from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.ops._calls import calls, keyword, walk
from archguard.rules.ops._roles import Role, RoleRule
from archguard.scan.resolver import dotted_name

_WEBHOOK_PATH = re.compile(r"(?i)webhook|/hooks?/|callback|/events?\b|/notify|/ipn")
#: Writes that repeat when the work is repeated.
_CREATES = frozenset({"create", "bulk_create", "add", "add_all", "insert", "insert_one", "insert_many"})
_MONEY = re.compile(r"^stripe\.(Charge|PaymentIntent|Transfer|Payout|Refund|Invoice)\.create$|"
                    r"\.(charge|capture|refund|transfer|payout)$")
#: Calls that look the work up before doing it again, or make a repeat harmless.
_DEDUP_CALLS = frozenset({"get_or_create", "update_or_create", "exists", "setnx", "on_conflict_do_nothing",
                          "on_conflict_do_update", "merge", "select_for_update", "upsert", "ignore_conflicts"})
_DEDUP_WORDS = re.compile(r"(?i)idempot|dedup|processed|already|seen|handled|event_id|message_id|"
                          r"delivery_id|ON CONFLICT|IntegrityError")


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
        cwe=(837,),
        tags=frozenset({"reliability", "idempotency"}),
    )
    #: A task, consumer or webhook marker.
    TRIGGERS = ((
        rb"shared_task|\.task\b|@\w+\.(?:agent|subscriber|actor)|dramatiq|on_message|consum|_consumer|"
        rb"webhook|callback|/events|/ipn|/notify"
    ),)

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
            path="shop/views.py", label="an ordinary view",
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
            line=5, message="acks_late",
        ),
        Invalid(
            """
            @router.post("/webhooks/stripe")
            async def stripe_webhook(request: Request, db: Session = Depends(get_db)):
                event = stripe.Webhook.construct_event(await request.body(), request.headers["stripe-signature"], SECRET)
                db.add(Payment(order_id=event.data.object.metadata["order_id"]))
                db.commit()
            """,
            line=4, message="webhook",
        ),
        Invalid(
            """
            def on_message(channel, method, properties, body):
                order = json.loads(body)
                stripe.Charge.create(amount=order["total"], currency="eur", customer=order["customer"])
                channel.basic_ack(method.delivery_tag)
            """,
            line=3, message="moves money",
        ),
    )

    def exit_function(self, node: cst.FunctionDef, role: Role | None) -> None:
        kind = self._kind(node, role)
        if kind is None:
            return
        write: tuple[cst.Call, str] | None = None
        for call in calls(node.body):
            found = self._write(call)
            if found is not None:
                write = (call, found)
                break
        if write is None or self._deduplicates(node):
            return
        call, what = write
        acks_late = role is Role.TASK and any(
            isinstance(d.decorator, cst.Call) and _true(keyword(d.decorator, "acks_late")) for d in node.decorators
        )
        extra = " It runs with acks_late=True, so it is redelivered whenever a worker dies." if acks_late else ""
        self.report(
            call,
            f"This {kind} {what} with no deduplication: a second delivery of the same "
            f"message does it again.{extra} Record the delivery id under a unique constraint "
            "(get_or_create, an upsert) or check it before writing.",
            symbol=node.name.value,
            severity=Severity.ERROR if acks_late else None,
            confidence=Confidence.HIGH if acks_late else None,
            fix='Payment.objects.get_or_create(event_id=event["id"], defaults={...})',
        )

    def _kind(self, node: cst.FunctionDef, role: Role | None) -> str | None:
        if role is Role.TASK or role is Role.CONSUMER:
            return str(role.value)
        if role is Role.HANDLER:
            if _WEBHOOK_PATH.search(node.name.value):
                return "webhook handler"  # a Django view: its path is in urls.py
            for decorator in node.decorators:
                expr = decorator.decorator
                if isinstance(expr, cst.Call) and expr.args and isinstance(expr.args[0].value, cst.SimpleString):
                    path = expr.args[0].value.evaluated_value
                    if isinstance(path, str) and _WEBHOOK_PATH.search(path):
                        return "webhook handler"
        return None

    def _write(self, call: cst.Call) -> str | None:
        name = self.ctx.names.qualify(call.func) or dotted_name(call.func) or ""
        if _MONEY.search(name):
            return f"moves money ({name})"
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in _CREATES:
            receiver = dotted_name(call.func.value) or ""
            if call.func.attr.value in ("add", "add_all") and not receiver.split(".")[-1].endswith(
                    ("session", "db")):
                return None  # set.add, a many-to-many add
            return f"creates records ({receiver or '...'}.{call.func.attr.value})"
        return None

    def _deduplicates(self, node: cst.FunctionDef) -> bool:
        for item in walk(node):
            if isinstance(item, cst.Call):
                if isinstance(item.func, cst.Attribute) and item.func.attr.value in _DEDUP_CALLS:
                    return True
                if keyword(item, "idempotency_key") is not None or keyword(item, "ignore_conflicts") is not None:
                    return True
            elif isinstance(item, (cst.Name, cst.SimpleString)) and _DEDUP_WORDS.search(item.value):
                return True
        return False


def _true(arg: cst.Arg | None) -> bool:
    return arg is not None and isinstance(arg.value, cst.Name) and arg.value.value == "True"
