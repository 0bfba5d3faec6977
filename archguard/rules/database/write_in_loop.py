"""AG303 write-in-loop."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.project import Project
from archguard.orm.analysis import orm_analysis
from archguard.orm.resolve import Scope, class_of
from archguard.rules.database._common import PER_ROW, at, placed, written_model
from archguard.rules.project_rule import ProjectRule

_MODELS = """
    from django.db import models

    class Product(models.Model):
        sku = models.CharField(max_length=20, unique=True)
        price = models.DecimalField(max_digits=10, decimal_places=2)
"""
_SA_MODELS = """
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    class Base(DeclarativeBase):
        pass

    class Product(Base):
        __tablename__ = "products"
        id: Mapped[int] = mapped_column(primary_key=True)
        sku: Mapped[str]
"""
_SUGGEST = {
    "save": "bulk_update() (existing rows) or bulk_create() (new ones)",
    "asave": "bulk_update() or bulk_create()",
    "create": "bulk_create()",
    "acreate": "abulk_create()",
    "update": "one update() over the whole queryset, or bulk_update()",
    "delete": "one delete() over a filtered queryset",
    "commit": "session.add_all() and a single commit() after the loop",
    "flush": "session.add_all() and a single flush() after the loop",
    "execute": "one insert()/update() with a list of parameter sets (executemany)",
}

#: Writes that are already the fix when looped over batches (``session.add()`` only
#: stages; ``bulk_update(batch, ...)`` per batch of 500 is how batching is written).
_BATCHED = frozenset(
    {
        "add",
        "add_all",
        "merge",
        "bulk_create",
        "bulk_update",
        "abulk_create",
        "abulk_update",
        "bulk_save_objects",
        "bulk_insert_mappings",
        "bulk_update_mappings",
    }
)
#: The same for a SQLAlchemy model's own ``save()`` / ``delete()`` helpers, which
#: usually commit.
_SA_SUGGEST = {
    "save": "session.add_all() and one commit() after the loop (a save() that commits makes "
    "each row its own transaction)",
    "delete": "one delete(Model).where(Model.id.in_(...)) statement, or session.delete() per row "
    "and one commit() after the loop",
}


class WriteInLoop(ProjectRule):
    """
    ## What it does
    Finds database writes made once per iteration of a loop: Django `save()`,
    `delete()`, `Model.objects.create()`, `update()`, `get_or_create()` and
    many-to-many `add()` / `remove()`; SQLAlchemy `session.commit()` or `flush()` (and
    `session.execute(insert(...))`) inside the loop. `session.add()` alone in a loop
    is fine: it only stages the object. When the model overrides `save()` the finding
    is a note, because bulk operations skip `save()` and signals.

    ## Why is this bad?
    Every iteration is a round trip, and with autocommit or a commit per row, a
    transaction and an fsync too: importing 10,000 rows one `save()` at a time takes
    minutes where `bulk_create` takes a second. A failure half-way leaves half the
    rows written.

    ## Example
    ```python
    for row in rows:
        Product.objects.create(sku=row["sku"], price=row["price"])
    ```

    ## Use instead
    ```python
    Product.objects.bulk_create(
        [Product(sku=row["sku"], price=row["price"]) for row in rows], batch_size=500
    )
    ```
    In SQLAlchemy: `session.add_all(objects)` and one `commit()`, or
    `session.execute(insert(Product), rows)`.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/models/querysets/#bulk-create
    - https://docs.djangoproject.com/en/stable/ref/models/querysets/#bulk-update
    - https://docs.sqlalchemy.org/en/20/orm/queryguide/dml.html
    """

    meta = RuleMeta(
        id="AG303",
        name="write-in-loop",
        category=Category.N_PLUS_ONE,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="A database write (save, create, commit) runs once per loop iteration instead of in bulk.",
        tags=frozenset({"performance", "database"}),
    )

    VALID = (
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/imports.py": """
                from shop.models import Product

                def import_prices(rows):
                    Product.objects.bulk_create(
                        [Product(sku=r["sku"], price=r["price"]) for r in rows], batch_size=500)
            """,
            },
            label="the fixed twin",
        ),
        Valid(
            files={
                "app/models.py": _SA_MODELS,
                "app/imports.py": """
                from sqlalchemy.orm import Session
                from app.models import Product

                def import_skus(session: Session, skus):
                    for sku in skus:
                        session.add(Product(sku=sku))
                    session.commit()
            """,
            },
            label="add() per row stages; one commit at the end",
        ),
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/imports.py": """
                from shop.models import Product

                def reprice(products, factor):
                    batch = []
                    for product in products:
                        product.price = product.price * factor
                        batch.append(product)
                        if len(batch) == 500:
                            Product.objects.bulk_update(batch, ["price"])
                            batch = []
                    Product.objects.bulk_update(batch, ["price"])
            """,
            },
            label="bulk_update() per batch of 500 is the batching, not a write per row",
        ),
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/tests/test_imports.py": """
                from shop.models import Product

                def test_prices_are_kept():
                    for sku in ("a", "b", "c", "d"):
                        Product.objects.create(sku=sku, price=1)
            """,
            },
            label="test set-up: writes in a test's loop cost a test run, not a request",
        ),
    )
    INVALID = (
        Invalid(
            files={
                "shop/models.py": _MODELS,
                "shop/imports.py": """
                from shop.models import Product

                def import_prices(rows):
                    for row in rows:
                        Product.objects.create(sku=row["sku"], price=row["price"])
            """,
            },
            path="shop/imports.py",
            line=5,
            message="bulk_create()",
        ),
        Invalid(
            files={
                "app/models.py": _SA_MODELS,
                "app/imports.py": """
                from sqlalchemy.orm import Session
                from app.models import Product

                def import_skus(session: Session, skus):
                    for sku in skus:
                        session.add(Product(sku=sku))
                        session.commit()
            """,
            },
            path="app/imports.py",
            line=7,
            message="add_all",
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        return placed(project, self._check(project), PER_ROW)

    def _check(self, project: Project) -> Iterator[Finding]:
        analysis = orm_analysis(project)
        registry = analysis.registry
        if not registry.models:
            return
        sqlalchemy = any(m.orm == "sqlalchemy" for m in registry.models.values())
        for _, (module, flow) in sorted(registry.functions.items()):
            scope = Scope(module, class_of(module, flow.name))
            for call in flow.calls:
                if not call.write or not call.loop_line or call.op in _BATCHED:
                    continue
                model = written_model(analysis, scope, call)
                if model is None and not (sqlalchemy and call.op in ("commit", "flush", "execute")):
                    continue
                if (
                    model is not None
                    and call.op in ("delete", "adelete")
                    and ("delete" in model.facts.methods)
                ):
                    continue  # its delete() cleans up (files, an index): per row on purpose
                django = model is not None and model.orm == "django"
                overrides = django and model is not None and "save" in model.facts.methods
                severity = Severity.NOTE if overrides else Severity.WARNING
                suggestion = _SUGGEST.get(call.op, "one bulk operation after the loop")
                if model is not None and model.orm == "sqlalchemy" and call.op in _SA_SUGGEST:
                    suggestion = _SA_SUGGEST[call.op]
                if call.bypass:
                    suggestion = f"bulk_create() on the through model of `{call.bypass}`"
                message = (
                    f"`{call.text}` writes once per iteration of the loop at line {call.loop_line}: "
                    f"one round trip per row. Use {suggestion}."
                )
                if overrides and model is not None:
                    message += (
                        f" {model.name} overrides save(): bulk operations skip it and its "
                        "signals, so move that logic first."
                    )
                yield self.report(
                    at(project, module, call.line, call.column),
                    message,
                    key=f"{flow.name}:{call.text}",
                    severity=severity,
                    related=(at(project, module, call.loop_line, 1, "the loop"),),
                )
