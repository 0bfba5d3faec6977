"""AG707 unsafe-retry."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.ops._calls import calls, int_value, keyword, walk
from archguard.scan.file_rule import FileRule
from archguard.scan.syntax import dotted, first_argument

_TENACITY = frozenset({"tenacity.retry", "tenacity.Retrying", "tenacity.AsyncRetrying"})
_BACKOFF = frozenset({"backoff.on_exception", "backoff.on_predicate"})
_URLLIB3_RETRY = frozenset(
    {
        "urllib3.Retry",
        "urllib3.util.Retry",
        "urllib3.util.retry.Retry",
        "requests.adapters.Retry",
        "requests.packages.urllib3.util.retry.Retry",
    }
)
_SLEEPS = frozenset({"time.sleep", "asyncio.sleep", "gevent.sleep", "trio.sleep", "anyio.sleep"})
_FIXED_WAITS = frozenset({"tenacity.wait_fixed", "tenacity.wait.wait_fixed"})
#: What a hand-written retry must be retrying for the loop to count: a network or
#: database call, judged by module, method or receiver.
_IO_MODULES = (
    "requests",
    "httpx",
    "urllib",
    "aiohttp",
    "socket",
    "psycopg",
    "psycopg2",
    "pymysql",
    "MySQLdb",
    "redis",
    "pika",
    "kafka",
    "confluent_kafka",
    "aiokafka",
    "boto3",
    "botocore",
    "smtplib",
    "sqlalchemy",
    "pymongo",
    "motor",
    "grpc",
    "asyncpg",
    "aio_pika",
    "stripe",
    "django.db",
    "celery",
    "elasticsearch",
    "openai",
    "anthropic",
)
_IO_METHODS = frozenset(
    {
        "connect",
        "execute",
        "executemany",
        "urlopen",
        "publish",
        "basic_publish",
        "produce",
        "post",
        "put",
        "patch",
        "request",
        "fetch",
        "fetchone",
        "fetchall",
        "poll",
        "ping",
        "send_message",
        "invoke",
        "commit",
        "getaddrinfo",
    }
)
_IO_RECEIVERS = frozenset(
    {
        "client",
        "session",
        "conn",
        "connection",
        "cursor",
        "db",
        "engine",
        "channel",
        "producer",
        "consumer",
        "http",
        "api",
        "redis",
        "broker",
        "pool",
        "sock",
        "socket",
        "s3",
        "sqs",
        "stub",
    }
)


class UnsafeRetry(FileRule):
    """
    ## What it does
    Finds retries that never give up or that retry at once:

    - tenacity's `@retry` without `wait=` (it retries immediately by default), with a
      fixed wait, or without `stop=` and without a growing wait (retrying forever
      with exponential backoff is how long-lived listeners reconnect, and is left
      alone);
    - `backoff.on_exception` / `on_predicate` without `max_tries` or `max_time`;
    - Celery tasks and `self.retry()` calls with `max_retries=None`, and tasks with
      `autoretry_for` but no `retry_backoff` (a fixed delay: medium confidence);
    - urllib3 / requests `Retry(...)` with retries but no `backoff_factor`;
    - hand-written retry loops around a network or database call (requests, httpx,
      database drivers, Redis, Kafka, RabbitMQ, boto3, or methods such as `connect`,
      `execute`, `post`, `publish`): `while True:` around a `try` that leaves the loop
      on success and loops again on failure, with no attempt counter, or with no
      `sleep` between attempts (a `for attempt in range(n)` loop without a sleep too).
      Loops that retry local work (parsing, picking a free file name) are not retries
      of a dependency and are left alone.

    A fixed wait (`wait_fixed`, `time.sleep(1)`) is reported with medium confidence:
    it bounds the rate but has no backoff or jitter.

    ## Why is this bad?
    Retries are load. When a database or a partner API slows down, every client
    retrying at once, forever and in lock-step, multiplies the traffic exactly when
    the dependency can least take it, and turns a brief incident into an outage (a
    retry storm). An unbounded retry also never surfaces the failure: the task or the
    request just hangs. Exponential backoff with jitter spreads the retries out, and a
    bound turns a lasting failure into an error someone sees.

    ## Example
    ```python
    @retry(retry=retry_if_exception_type(httpx.TransportError))
    def fetch_rates():
        return httpx.get(RATES_URL, timeout=5).json()
    ```

    ## Use instead
    ```python
    @retry(
        retry=retry_if_exception_type(httpx.TransportError),
        stop=stop_after_attempt(5),
        wait=wait_random_exponential(multiplier=0.5, max=30),
    )
    def fetch_rates():
        return httpx.get(RATES_URL, timeout=5).json()
    ```

    ## References
    - https://tenacity.readthedocs.io/en/latest/#stopping
    - https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/
    - https://sre.google/sre-book/addressing-cascading-failures/
    - https://cwe.mitre.org/data/definitions/834.html
    """

    meta = RuleMeta(
        id="AG707",
        name="unsafe-retry",
        category=Category.RESILIENCE,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="A retry with no bound on attempts, or with no backoff or jitter between them.",
        tags=frozenset({"reliability", "resilience"}),
    )
    TRIGGERS = (rb"retry|Retry|backoff|while True|attempt|for _ in range",)

    VALID = (
        Valid(
            """
            from tenacity import retry, wait_exponential

            class Events:
                def listen(self, channel="ctf"):
                    @retry(wait=wait_exponential(min=1, max=30))
                    def _listen():
                        for message in self.client.pubsub().listen():
                            yield message
                    return _listen()
            """,
            label="a listener that reconnects forever, with exponential backoff",
        ),
        Valid(
            """
            from tenacity import retry, stop_after_attempt, wait_random_exponential

            @retry(stop=stop_after_attempt(5), wait=wait_random_exponential(max=30))
            def fetch_rates():
                return httpx.get(RATES_URL, timeout=5).json()
            """,
        ),
        Valid(
            """
            import backoff

            @backoff.on_exception(backoff.expo, requests.RequestException, max_time=60)
            def charge(payload):
                return requests.post(URL, json=payload, timeout=10)
            """,
        ),
        Valid(
            """
            import random
            import time

            def call_partner(payload):
                attempt = 0
                while True:
                    try:
                        return client.post("/orders", json=payload)
                    except httpx.TransportError:
                        attempt += 1
                        if attempt >= 5:
                            raise
                        time.sleep(min(30, 2 ** attempt) + random.random())
            """,
        ),
        Valid(
            """
            def consume(consumer):
                while True:
                    try:
                        message = consumer.poll(1.0)
                        handle(message)
                    except Exception:
                        logger.exception("message failed")
            """,
            label="a processing loop, not a retry",
        ),
        Valid(
            """
            def save(self, name, content):
                while True:
                    try:
                        fd = os.open(self.path(name), os.O_WRONLY | os.O_CREAT | os.O_EXCL)
                        break
                    except FileExistsError:
                        name = self.get_alternative_name(name)
            """,
            label="retrying local work with a new input",
        ),
        Valid(
            """
            from celery import shared_task

            @shared_task(autoretry_for=(ConnectionError,), max_retries=5, retry_backoff=True, retry_jitter=True)
            def push_to_erp(order_id):
                erp.push(order_id)
            """,
        ),
        Valid(
            """
            from urllib3.util.retry import Retry

            retries = Retry(total=5, backoff_factor=0.5, status_forcelist=[502, 503, 504])
            """,
        ),
    )
    INVALID = (
        Invalid(
            """
            from tenacity import retry, retry_if_exception_type

            @retry(retry=retry_if_exception_type(httpx.TransportError))
            def fetch_rates():
                return httpx.get(RATES_URL, timeout=5).json()
            """,
            line=3,
            message="forever",
        ),
        Invalid(
            """
            import tenacity

            @tenacity.retry
            def sync():
                warehouse.sync()
            """,
            line=3,
        ),
        Invalid(
            """
            import backoff

            @backoff.on_exception(backoff.expo, requests.RequestException)
            def charge(payload):
                return requests.post(URL, json=payload, timeout=10)
            """,
            line=3,
            message="max_tries",
        ),
        Invalid(
            """
            def call_partner(payload):
                while True:
                    try:
                        return client.post("/orders", json=payload)
                    except httpx.TransportError:
                        continue
            """,
            line=2,
            message="no attempt limit",
        ),
        Invalid(
            """
            import requests

            def fetch(url):
                for attempt in range(5):
                    try:
                        return requests.get(url, timeout=5)
                    except requests.ConnectionError:
                        pass
            """,
            line=4,
            message="no pause",
        ),
        Invalid(
            """
            from celery import shared_task

            @shared_task(bind=True, autoretry_for=(ConnectionError,), max_retries=None)
            def push_to_erp(self, order_id):
                erp.push(order_id)
            """,
            line=3,
        ),
        Invalid(
            """
            from celery import shared_task

            @shared_task(autoretry_for=(ConnectionError,), max_retries=5)
            def push_to_erp(order_id):
                erp.push(order_id)
            """,
            line=3,
            message="retry_backoff",
        ),
        Invalid(
            """
            from requests.adapters import HTTPAdapter, Retry

            adapter = HTTPAdapter(max_retries=Retry(total=5, status_forcelist=[502, 503]))
            """,
            line=3,
            message="backoff_factor",
        ),
    )

    def visit_FunctionDef(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    ) -> None:
        for decorator in node.decorator_list:
            self._decorator(decorator)

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_ClassDef = visit_FunctionDef

    def _decorator(self, expr: ast.expr) -> None:
        call = expr if isinstance(expr, ast.Call) else None
        name = self.ctx.names.resolve(call.func if call else expr) or ""
        if name in _TENACITY:
            self._tenacity(expr, call)
        elif name in _BACKOFF and call is not None:
            if keyword(call, "max_tries") is None and keyword(call, "max_time") is None:
                self.report(
                    expr,
                    f"{name}() has neither max_tries nor max_time: it retries "
                    "forever while the dependency is down, and the failure never surfaces.",
                    symbol=name,
                    fix="max_tries=5 (or max_time=60)",
                )
        elif call is not None and (
            name.endswith((".task", ".shared_task")) or name == "celery.shared_task"
        ):
            self._celery(expr, call)

    def _celery(self, node: ast.expr, call: ast.Call) -> None:
        fix = "autoretry_for=(...), max_retries=5, retry_backoff=True, retry_jitter=True"
        if _is_none(keyword(call, "max_retries")):
            self.report(
                node,
                "This Celery task retries with max_retries=None: it retries "
                "forever and the failure never reaches anyone.",
                symbol="max_retries",
                fix=fix,
            )
        elif keyword(call, "autoretry_for") is not None and not _true(
            keyword(call, "retry_backoff")
        ):
            self.report(
                node,
                "This Celery task retries automatically without retry_backoff: "
                "every attempt waits the same fixed delay, with no backoff or jitter, so "
                "failed tasks retry in lock-step against a struggling dependency.",
                symbol="retry_backoff",
                confidence=Confidence.MEDIUM,
                fix=fix,
            )

    def _tenacity(self, node: ast.expr, call: ast.Call | None) -> None:
        stop = keyword(call, "stop") if call else None
        wait = keyword(call, "wait") if call else None
        problems = []
        fixed = isinstance(wait, ast.Call) and self.ctx.names.resolve(wait.func) in _FIXED_WAITS
        backoff = wait is not None and not fixed
        # Retrying forever with a growing wait is how long-lived listeners reconnect:
        # the backoff keeps the load down. Forever without one is the failure.
        if stop is None and not backoff:
            problems.append("no stop= (tenacity retries forever by default)")
        if wait is None:
            problems.append("no wait= (it retries at once, without backoff)")
        elif fixed:
            problems.append("a fixed wait (no backoff or jitter)")
        if problems:
            harm = (
                "retries pile onto a struggling dependency and never give up"
                if stop is None
                else "every client retries on the same beat against a recovering dependency"
            )
            self.report(
                node,
                "@retry has " + " and ".join(problems) + f": {harm}.",
                symbol="tenacity.retry",
                confidence=Confidence.MEDIUM if stop is not None else None,
                fix="@retry(stop=stop_after_attempt(5), wait=wait_random_exponential(max=30))",
            )

    def visit_Call(self, node: ast.Call) -> None:
        name = self.ctx.names.resolve(node.func) or ""
        if name in _URLLIB3_RETRY:
            factor = keyword(node, "backoff_factor")
            retries = [keyword(node, k) for k in ("total", "connect", "read", "status")]
            positive = any(int_value(a) for a in retries if a is not None) or (
                node.args and int_value(node.args[0])
            )
            if positive and (factor is None or int_value(factor) == 0):
                self.report(
                    node,
                    "Retry(...) retries with no backoff_factor: the attempts "
                    "follow each other at once and add load to a failing server.",
                    symbol="Retry",
                    fix="Retry(total=5, backoff_factor=0.5)",
                )
        elif (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == "retry"
            and (dotted(node.func.value) or "") == "self"
            and _is_none(keyword(node, "max_retries"))
        ):
            self.report(
                node,
                "self.retry(max_retries=None) retries forever: the failure never reaches anyone.",
                symbol="self.retry",
                fix="self.retry(exc=exc, max_retries=5)",
            )

    def visit_While(self, node: ast.While) -> None:
        if not (isinstance(node.test, ast.Constant) and node.test.value is True):
            return
        attempt = _retry_try(node)
        if attempt is None or not self._does_io(attempt):
            return
        bounded = _has_counter(node)
        pause = self._pause(node)
        if bounded and pause == "backoff":
            return
        problems = []
        if not bounded:
            problems.append("no attempt limit")
        if pause == "none":
            problems.append("no pause between attempts")
        elif pause == "fixed":
            problems.append("a fixed pause (no backoff or jitter)")
        harm = (
            "while the dependency is down it hammers it and never gives up"
            if not bounded
            else "every client retries on the same beat, so a recovering dependency is hit "
            "by all of them at once"
        )
        self.report(
            node,
            "This retry loop has " + " and ".join(problems) + f": {harm}.",
            symbol="while-retry",
            confidence=Confidence.MEDIUM if bounded else None,
            fix="use tenacity: @retry(stop=stop_after_attempt(5), wait=wait_random_exponential(max=30))",
        )

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        if not (
            isinstance(node.iter, ast.Call)
            and self.ctx.names.resolve(node.iter.func) == "builtins.range"
        ):
            return
        attempt = _retry_try(node)
        if attempt is None or not self._does_io(attempt) or self._pause(node) != "none":
            return
        self.report(
            node,
            "This retry loop has no pause between attempts: the attempts follow "
            "each other at once and add load to a failing dependency.",
            symbol="for-retry",
            confidence=Confidence.MEDIUM,
            fix="time.sleep(min(30, 2 ** attempt) + random.random())",
        )

    visit_AsyncFor = visit_For

    def _does_io(self, statement: ast.Try) -> bool:
        for call in _within(statement.body):
            if not isinstance(call, ast.Call):
                continue
            name = self.ctx.names.resolve(call.func) or ""
            if name.split(".")[0] in _IO_MODULES or name.startswith("django.db"):
                return True
            if isinstance(call.func, ast.Attribute):
                receiver = (dotted(call.func.value) or "").split(".")[-1].lower()
                if (
                    call.func.attr in _IO_METHODS
                    or receiver in _IO_RECEIVERS
                    or receiver.endswith(("_client", "_session", "_conn", "_api"))
                ):
                    return True
        return False

    def _pause(self, loop: ast.AST) -> str:
        """'none', 'fixed' or 'backoff': how the loop waits between attempts."""
        waits = [c for c in calls(loop) if self.ctx.names.resolve(c.func) in _SLEEPS]
        if not waits:
            return "none"
        if all(_is_number(first_argument(c)) for c in waits):
            return "fixed"
        return "backoff"


def _true(value: ast.expr | None) -> bool:
    return (
        value is not None
        and not (isinstance(value, ast.Constant) and (value.value is False or value.value is None))
        and not (isinstance(value, ast.Constant) and type(value.value) is int and value.value == 0)
    )


def _is_none(value: ast.expr | None) -> bool:
    return isinstance(value, ast.Constant) and value.value is None


def _is_number(value: ast.expr | None) -> bool:
    """An int or float literal (not a bool or a complex number)."""
    return isinstance(value, ast.Constant) and type(value.value) in (int, float)


def _within(statements: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of a block, entering no nested function or class."""
    for statement in statements:
        yield statement
        if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield from walk(statement)


def _retry_try(loop: ast.While | ast.For | ast.AsyncFor) -> ast.Try | None:
    """The loop's ``try`` when it leaves the loop on success (return or break in the
    try body or its else) and loops again on failure (no handler leaves)."""
    for statement in loop.body:
        if not isinstance(statement, ast.Try):
            continue
        success = [*_within(statement.body), *_within(statement.orelse)]
        if not any(isinstance(n, (ast.Return, ast.Break)) for n in success):
            continue
        leaves = any(
            isinstance(n, (ast.Raise, ast.Return, ast.Break))
            for h in statement.handlers
            for n in _within(h.body)
        )
        if not leaves:
            return statement
        # A handler that leaves only under a condition (after n attempts) still retries.
        if all(not _leaves_unconditionally(h) for h in statement.handlers):
            return statement
    return None


def _leaves_unconditionally(handler: ast.ExceptHandler) -> bool:
    return any(isinstance(s, (ast.Raise, ast.Return)) for s in handler.body)


def _has_counter(loop: ast.While) -> bool:
    counters = {
        dotted(n.target)
        for n in walk(loop)
        if isinstance(n, ast.AugAssign) and isinstance(n.op, ast.Add)
    }
    compared = {
        dotted(e)
        for n in walk(loop)
        if isinstance(n, ast.Compare)
        for e in (n.left, *n.comparators)
    }
    return bool(counters & compared - {None})
