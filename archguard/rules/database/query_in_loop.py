"""AG302 query-in-loop."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.orm import DbCall, FunctionFlow, Origin
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.project import Project
from archguard.orm.analysis import OrmAnalysis, orm_analysis
from archguard.orm.consumption import memoised
from archguard.orm.models import Model, Relation
from archguard.orm.resolve import Scope, class_of
from archguard.rules.database._common import (
    PER_ROW,
    at,
    origin_location,
    placed,
    problem_related,
)
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


class QueryInLoop(ProjectRule):
    """
    ## What it does
    Finds ORM queries evaluated inside a loop body: `get`, `filter(...).first()`,
    `count()`, `exists()`, `aggregate()`, iterating a fresh queryset, SQLAlchemy
    `session.get`, `session.execute`, `scalars`, `Model.query...first()` and their
    async forms, calls of project functions and methods that run such a query (module
    functions, `self._helper()`, class methods, and repository objects held in a local
    variable, an annotated parameter or an attribute set in `__init__`), and
    related-manager calls such as `.filter()` or `.first()` that ignore a
    `prefetch_related` cache. Rows fetched before the loop (`.all()` of a select,
    `list(qs)`, a queryset already iterated) are not fetched again, and `.get()` on an
    `in_bulk()` dict is a lookup. A `while` loop that walks from row to row (`node =
    node.parent`) or drains a work queue varies with every pass.
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
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/services.py": """
                from shop.models import Customer, Order

                def owners(orders):
                    customers = Customer.objects.in_bulk({o.customer_id for o in orders})
                    return [customers.get(o.customer_id) for o in orders]
            """,
            },
            label="dict.get on an in_bulk() result: one query before the loop",
        ),
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/services.py": """
                from shop.models import Order

                def flag_open(customers):
                    open_orders = Order.objects.filter(status="open")
                    if not open_orders:
                        return []
                    return [(c, len(open_orders), open_orders.count()) for c in customers
                            if any(o.customer_id == c.pk for o in open_orders)]
            """,
            },
            label="a queryset evaluated before the loop caches its rows: iterating and count() reuse them",
        ),
        Valid(
            files={
                "app/models.py": """
                from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

                class Base(DeclarativeBase):
                    pass

                class Label(Base):
                    __tablename__ = "labels"
                    id: Mapped[int] = mapped_column(primary_key=True)
                    name: Mapped[str]
            """,
                "app/services.py": """
                from sqlalchemy.orm import Session
                from app.models import Label

                def names_by_list(session: Session, lists):
                    labels = session.query(Label).all()
                    return {item.id: [label.name for label in labels] for item in lists}
            """,
            },
            label="rows already fetched with .all(): iterating the list runs no query",
        ),
        Valid(
            files={
                "shop/models.py": """
                from django.db import models

                class Field(models.Model):
                    extra_data = models.JSONField(default=dict)
            """,
                "shop/services.py": """
                from shop.models import Field

                def options(kind):
                    return [f.extra_data.get("select_options", []) for f in Field.objects.filter(kind=kind)]
            """,
            },
            label="dict.get on a JSON field of each row, not a related manager",
        ),
        Valid(
            files={
                "shop/models.py": """
                from django.db import models

                class Coupon(models.Model):
                    code = models.CharField(max_length=12, unique=True)
            """,
                "shop/services.py": """
                import secrets
                from shop.models import Coupon

                def new_code():
                    taken = True
                    while taken:
                        code = secrets.token_hex(6)
                        taken = Coupon.objects.filter(code=code).exists()
                    return code
            """,
            },
            label="a retry until a free value: the loop goes round again only on a collision",
        ),
        Valid(
            files={
                "blog/models.py": """
                from django.db import models

                class Post(models.Model):
                    slug = models.SlugField(unique=True)
            """,
                "blog/slugs.py": """
                from django.utils.text import slugify
                from blog.models import Post

                def unique_slug(title):
                    base = slugify(title)
                    slug, counter = base, 1
                    while True:
                        if not Post.objects.filter(slug=slug).exists():
                            return slug
                        slug = f"{base}-{counter}"
                        counter += 1
            """,
            },
            label="a retry until a free slug: the loop ends as soon as the query finds nothing",
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
        Invalid(
            files={
                "shop/models.py": """
                from django.db import models

                class Category(models.Model):
                    parent = models.ForeignKey("self", null=True, on_delete=models.CASCADE)
            """,
                "shop/services.py": """
                from shop.models import Category

                def breadcrumbs(category_id):
                    trail = []
                    while category_id is not None:
                        node = Category.objects.get(pk=category_id)
                        trail.append(node)
                        category_id = node.parent_id
                    return trail
            """,
            },
            path="shop/services.py",
            line=6,
            message="while loop at line 5, which follows each row to the next",
        ),
        Invalid(
            files={
                "shop/models.py": _MODELS,
                "shop/repositories.py": """
                from shop.models import Customer

                class CustomerRepository:
                    def by_email(self, email):
                        return Customer.objects.filter(email=email).first()
            """,
                "shop/services.py": """
                from shop.repositories import CustomerRepository

                class ReceiptService:
                    def __init__(self):
                        self.customers = CustomerRepository()

                    def owners(self, emails):
                        return [self.customers.by_email(e) for e in emails]
            """,
            },
            path="shop/services.py",
            line=8,
            message="in CustomerRepository.by_email()",
        ),
        Invalid(
            files={
                "shop/models.py": """
                from django.db import models

                class Customer(models.Model):
                    email = models.EmailField(unique=True)

                    @classmethod
                    def for_email(cls, email):
                        return cls.objects.filter(email__iexact=email).first()
            """,
                "shop/services.py": """
                from shop.models import Customer

                def owners(emails):
                    return {e: Customer.for_email(e) for e in emails}
            """,
            },
            path="shop/services.py",
            line=4,
            message="Customer.for_email()",
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        return placed(project, self._check(project), PER_ROW)

    def _check(self, project: Project) -> Iterator[Finding]:
        analysis = orm_analysis(project)
        if not analysis.registry.models:
            return
        reported: set[tuple[str, int]] = set()
        helpers: set[tuple[str, int, str]] = set()
        for _, (module, flow) in sorted(analysis.registry.functions.items()):
            for finding in (
                *self._direct(project, analysis, module, flow),
                *self._through_calls(project, analysis, module, flow),
            ):
                reported.add((finding.location.path, finding.location.line))
                yield finding
        # Queries a row's helper, method or serializer method runs: one finding per place
        # the row is handed over, naming the first query (a helper called in a loop is
        # already reported above, with the query it runs).
        for problem in analysis.of_kind("query"):
            call = problem.call
            if call is None or not problem.site.loop_line:
                continue
            site = problem.site
            location = at(project, site.module, site.line, site.column)
            if (location.path, location.line) in reported or (
                location.path,
                location.line,
                site.via,
            ) in helpers:
                continue
            helpers.add((location.path, location.line, site.via))
            why = (
                "bypasses the prefetch and queries again" if problem.prefetched else "runs a query"
            )
            who = site.via or "a helper"
            if site.template:
                who = f"A method read in the template {site.template} (line {site.template_line})"
            severity, confidence = None, Confidence.LOW if site.custom else Confidence.MEDIUM
            once = ""
            if site.memoised:
                severity, confidence = Severity.NOTE, Confidence.LOW
                once = " (it is cached per argument: once per distinct row on a cold cache)"
            yield self.report(
                location,
                f"{who} {why} (`{call.text}`) for every row of "
                f"`{problem.query.origin.text or problem.query.model.name}`{once}. Load what it "
                "needs with the query (prefetch_related / Prefetch(to_attr=...) / annotate) and "
                "read it from the row.",
                key=f"{site.function}:{site.via}:{call.text}",
                severity=severity,
                confidence=confidence,
                related=problem_related(project, problem),
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
                relation = _relation(analysis, parent.model, call.bypass)
                if relation is None or not relation.many:
                    continue  # ``row.data.get(key)`` on a JSON field, ``self.context.get()``
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
        elif call.walk and call.variant:
            message = (
                f"`{call.text}` runs once per pass of the while loop at line {call.loop_line}, "
                "which follows each row to the next (a walk up a tree, or a work queue): one "
                f"query per {model} reached. Fetch a whole level at once (filter(parent__in=...)), "
                "or the whole chain in one query (a recursive CTE, or the tree library's "
                "ancestors / descendants)."
            )
            severity = Severity.WARNING
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
            if call.memoised or memoised(callee):
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


def _relation(analysis: OrmAnalysis, model: Model, path: str) -> Relation | None:
    """The last relation of ``path`` from ``model``, if every hop is one."""
    relation = None
    for hop in path.split("__"):
        relation = model.relations.get(hop)
        target = analysis.registry.models.get(relation.target) if relation is not None else None
        if relation is None or target is None:
            return None
        model = target
    return relation
