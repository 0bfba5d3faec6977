"""AG302 query-in-loop."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.orm import DbCall, FunctionFlow, Origin
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.project import Project
from archguard.orm.analysis import OrmAnalysis, orm_analysis
from archguard.orm.resolve import Scope, class_of
from archguard.rules.database._common import at, origin_location
from archguard.rules.project_rule import ProjectRule

_MODELS = """
    from django.db import models

    class Customer(models.Model):
        email = models.EmailField(unique=True)

    class Order(models.Model):
        customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
        total = models.DecimalField(max_digits=10, decimal_places=2)
        status = models.CharField(max_length=20)
"""

#: Decorators that memoise a function per argument.
_CACHES = frozenset(
    {
        "functools.lru_cache",
        "functools.cache",
        "cachetools.cached",
        "cachetools.func.lru_cache",
        "cachetools.func.ttl_cache",
    }
)


class QueryInLoop(ProjectRule):
    """
    ## What it does
    Finds ORM queries evaluated inside a loop body: `get`, `filter(...).first()`,
    `count()`, `exists()`, `aggregate()`, iterating a fresh queryset, SQLAlchemy
    `session.get`, `session.execute`, `scalars`, `Model.query...first()` and their
    async forms, calls of project functions that run such a query, and related-manager
    calls such as `.filter()` or `.first()` that ignore a `prefetch_related` cache.
    A query whose arguments depend on the loop variable (loop-variant) is a warning,
    with a bulk fetch as the fix; a loop-invariant query is a note: hoist it. Loops
    over small literals (`for kind in ("a", "b")`, `range(3)`) are not reported. A
    query cached per key (`if key not in cache: cache[key] = ...`, or a function under
    `lru_cache`) runs once per distinct key, not per row: a note with low confidence.

    ## Why is this bad?
    The loop multiplies round trips: a page that resolves 200 order lines with
    `Product.objects.get(pk=line.product_id)` makes 200 queries, each paying network
    latency and query planning. A prefetch followed by `.filter()` on the related
    manager is worse than useless: the prefetch query runs and then every row queries
    again.

    ## Example
    ```python
    for order_id in order_ids:
        order = Order.objects.get(pk=order_id)
        send_receipt(order)
    ```

    ## Use instead
    ```python
    for order in Order.objects.filter(pk__in=order_ids):
        send_receipt(order)
    ```
    Fetch all rows at once (`filter(pk__in=...)`, `in_bulk()`,
    `select(Model).where(Model.id.in_(ids))`), or move a loop-invariant query above the
    loop. To filter a prefetched relation, use `Prefetch(queryset=...)` with
    `to_attr` and filter in Python.

    ## References
    - https://docs.djangoproject.com/en/stable/topics/db/optimization/
    - https://docs.djangoproject.com/en/stable/ref/models/querysets/#in-bulk
    - https://docs.sqlalchemy.org/en/20/orm/queryguide/select.html
    """

    meta = RuleMeta(
        id="AG302",
        name="query-in-loop",
        category=Category.N_PLUS_ONE,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="A database query runs inside a loop, once per iteration.",
        tags=frozenset({"performance", "database"}),
    )

    VALID = (
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/services.py": """
                from shop.models import Customer, Order

                def totals(emails):
                    customers = Customer.objects.filter(email__in=emails).prefetch_related("orders")
                    return {c.email: sum(o.total for o in c.orders.all()) for c in customers}
            """,
            },
            label="the fixed twin: one query for customers, one for their orders",
        ),
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/services.py": """
                from shop.models import Order

                def counts():
                    return {s: Order.objects.filter(status=s).count() for s in ("new", "paid")}
            """,
            },
            label="a loop over a literal of two values",
        ),
    )
    INVALID = (
        Invalid(
            files={
                "shop/models.py": _MODELS,
                "shop/services.py": """
                from shop.models import Customer, Order

                def totals(emails):
                    result = {}
                    for email in emails:
                        customer = Customer.objects.get(email=email)
                        result[email] = sum(o.total for o in customer.orders.all())
                    return result
            """,
            },
            path="shop/services.py",
            line=6,
            message="Customer.objects.get",
        ),
        Invalid(
            files={
                "shop/models.py": _MODELS,
                "shop/services.py": """
                from shop.models import Customer

                def paid_totals():
                    customers = Customer.objects.prefetch_related("orders")
                    return [sum(o.total for o in c.orders.filter(status="paid")) for c in customers]
            """,
            },
            path="shop/services.py",
            line=5,
            message="bypasses",
        ),
        Invalid(
            files={
                "shop/models.py": _MODELS,
                "shop/services.py": """
                from shop.models import Customer

                def owners(orders):
                    customers = {}
                    for order in orders:
                        if order.customer_id not in customers:
                            customers[order.customer_id] = Customer.objects.get(pk=order.customer_id)
                    return customers
            """,
            },
            path="shop/services.py",
            line=7,
            message="once per distinct key",
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        analysis = orm_analysis(project)
        if not analysis.registry.models:
            return
        for _, (module, flow) in sorted(analysis.registry.functions.items()):
            yield from self._direct(project, analysis, module, flow)
            yield from self._through_calls(project, analysis, module, flow)
        for problem in analysis.of_kind("query"):
            call = problem.call
            if call is None or not problem.site.loop_line:
                continue
            site = problem.site
            why = (
                "bypasses the prefetch and queries again" if problem.prefetched else "runs a query"
            )
            yield self.report(
                at(project, site.module, site.line, site.column),
                f"{site.via or 'a helper'} {why} (`{call.text}`) for every row of "
                f"`{problem.query.origin.text or problem.query.model.name}`. Load what it needs with "
                "the query (prefetch_related / Prefetch(to_attr=...) / annotate) and read it from the row.",
                key=f"{site.function}:{site.via}:{call.text}",
                confidence=Confidence.LOW if site.custom else Confidence.MEDIUM,
                related=(origin_location(project, problem.query),),
            )

    def _direct(
        self, project: Project, analysis: OrmAnalysis, module: str, flow: FunctionFlow
    ) -> Iterator[Finding]:
        scope = Scope(module, class_of(module, flow.name))
        for call in flow.calls:
            if call.write or not call.loop_line or call.query is None:
                continue
            query = call.query
            if call.bypass and query.parent is not None:
                parent = analysis.resolver.resolve(query.parent, scope)
                if parent is None:
                    continue
                relation = parent.model.relations.get(call.bypass.split("__")[0])
                prefetched = call.bypass in parent.loads
                why = (
                    f"bypasses the prefetch of `{call.bypass}` and queries again"
                    if prefetched
                    else "runs a query"
                )
                fix = (
                    f'Prefetch("{call.bypass}", queryset=..., to_attr="...") with the filter, '
                    "then read the attribute"
                    if relation is not None
                    else ""
                )
                yield self.report(
                    at(project, module, call.line, call.column),
                    f"`{call.text}` {why} for every row of `{parent.origin.text}`. Filter the "
                    f"related rows in the prefetch instead: {fix}.",
                    key=f"{flow.name}:{call.text}",
                    related=(
                        origin_location(project, parent),
                        at(project, module, call.loop_line, 1, "the loop"),
                    ),
                )
                continue
            resolved = analysis.resolver.resolve(query, scope)
            if resolved is None or query.origin is Origin.PARAMETER:
                continue
            yield self._loop_query(project, module, flow, call, resolved.model.name)

    def _loop_query(
        self, project: Project, module: str, flow: FunctionFlow, call: DbCall, model: str
    ) -> Finding:
        confidence = None
        if call.memoised:
            message = (
                f"`{call.text}` runs inside the loop at line {call.loop_line}, once per distinct "
                f"key since the result is cached: still one query per key. Fetch the {model} "
                "rows for all keys at once (filter(field__in=...), in_bulk()) before the loop."
            )
            severity = Severity.NOTE
            confidence = Confidence.LOW
        elif call.variant:
            message = (
                f"`{call.text}` runs once per iteration of the loop at line {call.loop_line}, "
                f"with arguments from the loop: fetch all {model} rows at once "
                "(filter(field__in=...), in_bulk(), or a prefetch) before the loop."
            )
            severity = Severity.WARNING
        else:
            message = (
                f"`{call.text}` runs once per iteration of the loop at line {call.loop_line} "
                "but does not depend on it: run it once, above the loop."
            )
            severity = Severity.NOTE
        return self.report(
            at(project, module, call.line, call.column),
            message,
            key=f"{flow.name}:{call.text}",
            severity=severity,
            confidence=confidence,
            related=(at(project, module, call.loop_line, 1, "the loop"),),
        )

    def _through_calls(
        self, project: Project, analysis: OrmAnalysis, module: str, flow: FunctionFlow
    ) -> Iterator[Finding]:
        registry = analysis.registry
        for call in flow.loop_calls:
            found = registry.callee(call.op, class_of(module, flow.name))
            if found is None:
                continue
            callee_module, callee = found
            scope = Scope(callee_module, class_of(callee_module, callee.name))
            inner = next(
                (
                    c
                    for c in callee.calls
                    if not c.write
                    and c.query is not None
                    and c.query.origin is not Origin.PARAMETER
                    and analysis.resolver.resolve(c.query, scope) is not None
                ),
                None,
            )
            if inner is None:
                continue
            severity = Severity.WARNING if call.variant else Severity.NOTE
            confidence = Confidence.MEDIUM
            if call.memoised or any(d.text in _CACHES for d in callee.decorators):
                severity, confidence = Severity.NOTE, Confidence.LOW  # once per distinct key
            yield self.report(
                at(project, module, call.line, call.column),
                f"`{call.text}` runs a query (`{inner.text}` in {callee.name}()) once per iteration "
                f"of the loop at line {call.loop_line}. Give {callee.name}() all the keys at once, "
                "or fetch the rows before the loop.",
                key=f"{flow.name}:{call.text}",
                severity=severity,
                confidence=confidence,
                related=(at(project, callee_module, inner.line, inner.column, "the query"),),
            )
