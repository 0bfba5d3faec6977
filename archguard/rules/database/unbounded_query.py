"""AG305 unbounded-query."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.orm import Origin, Query, ValueKind
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.project import Project
from archguard.orm.analysis import OrmAnalysis, orm_analysis
from archguard.orm.models import DRF_LIST_VIEWS
from archguard.orm.resolve import Resolved, Scope, class_of
from archguard.rules.database._common import REQUESTS, at, origin_location, placed
from archguard.rules.project_rule import ProjectRule
from archguard.web.routes import route_inventory

#: Reference tables that stay small by nature.
_SMALL_TABLES = frozenset(
    {
        "Country",
        "Currency",
        "Language",
        "Locale",
        "Timezone",
        "TimeZone",
        "Setting",
        "Settings",
        "SiteSetting",
        "Config",
        "Configuration",
        "Region",
        "State",
        "Province",
        "Unit",
        "Plan",
        "Role",
        "Permission",
    }
)
_DJANGO_LIST_VIEWS = frozenset({"ListView", "BaseListView"})
_SA_MODELS = """
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    class Base(DeclarativeBase):
        pass

    class Event(Base):
        __tablename__ = "events"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]
"""


class UnboundedQuery(ProjectRule):
    """
    ## What it does
    Finds list endpoints that send a whole table to the client: a GET route (FastAPI,
    Flask, Django) that returns `Model.objects.all()`, `.values()`, `select(Model)`
    results or `Model.query.all()` with no slice, `.limit()`, pagination or
    primary-key filter; DRF list views and viewsets with no `pagination_class` while
    the settings set no `DEFAULT_PAGINATION_CLASS`; Django `ListView`s without
    `paginate_by`. Reference tables that stay small (countries, currencies,
    settings) are left alone. A query narrowed by a filter still has no upper bound,
    so it is reported with medium confidence.

    ## Why is this bad?
    The endpoint's cost grows with the table: fine at 50 rows, a multi-megabyte
    response, a memory spike and a timeout at 500,000. It is also an easy
    denial-of-service and data-harvesting lever, since one request reads everything.

    ## Example
    ```python
    @router.get("/events")
    def list_events(db: Session = Depends(get_db)):
        return db.scalars(select(Event)).all()
    ```

    ## Use instead
    ```python
    @router.get("/events")
    def list_events(limit: int = Query(50, le=200), offset: int = 0, db: Session = Depends(get_db)):
        return db.scalars(select(Event).order_by(Event.id).limit(limit).offset(offset)).all()
    ```
    In DRF set `DEFAULT_PAGINATION_CLASS` and `PAGE_SIZE` (or `pagination_class`); in
    Django, `paginate_by` or a `Paginator`.

    ## References
    - https://www.django-rest-framework.org/api-guide/pagination/
    - https://docs.djangoproject.com/en/stable/topics/pagination/
    - https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/
    """

    meta = RuleMeta(
        id="AG305",
        name="unbounded-query",
        category=Category.UNBOUNDED_QUERY,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="A list endpoint returns every row of a table, with no limit or pagination.",
        tags=frozenset({"performance", "database"}),
    )

    VALID = (
        Valid(
            files={
                "app/models.py": _SA_MODELS,
                "app/api.py": """
                from fastapi import APIRouter, Depends
                from sqlalchemy import select
                from sqlalchemy.orm import Session
                from app.db import get_db
                from app.models import Event

                router = APIRouter()

                @router.get("/events")
                def list_events(limit: int = 50, offset: int = 0, db: Session = Depends(get_db)):
                    return db.scalars(select(Event).order_by(Event.id).limit(limit).offset(offset)).all()
            """,
            },
            label="the fixed twin",
        ),
        Valid(
            files={
                "shop/models.py": """
                from django.db import models

                class Product(models.Model):
                    name = models.CharField(max_length=100)
            """,
                "shop/api.py": """
                from rest_framework import generics, serializers
                from shop.models import Product

                class ProductSerializer(serializers.ModelSerializer):
                    class Meta:
                        model = Product
                        fields = ["id", "name"]

                class ProductList(generics.ListAPIView):
                    queryset = Product.objects.all()
                    serializer_class = ProductSerializer
            """,
                "config/settings/__init__.py": "from .base import *  # noqa: F403\n",
                "config/settings/base.py": """
                REST_FRAMEWORK = {"PAGE_SIZE": 50}
                REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"] = "rest_framework.pagination.PageNumberPagination"
            """,
            },
            label="pagination set in settings/base.py, by item assignment",
        ),
    )
    INVALID = (
        Invalid(
            files={
                "app/models.py": _SA_MODELS,
                "app/api.py": """
                from fastapi import APIRouter, Depends
                from sqlalchemy import select
                from sqlalchemy.orm import Session
                from app.db import get_db
                from app.models import Event

                router = APIRouter()

                @router.get("/events")
                def list_events(db: Session = Depends(get_db)):
                    return db.scalars(select(Event)).all()
            """,
            },
            path="app/api.py",
            line=11,
            message="every Event row",
        ),
        Invalid(
            files={
                "shop/models.py": """
                from django.db import models

                class Product(models.Model):
                    name = models.CharField(max_length=100)
            """,
                "shop/api.py": """
                from rest_framework import generics, serializers
                from shop.models import Product

                class ProductSerializer(serializers.ModelSerializer):
                    class Meta:
                        model = Product
                        fields = ["id", "name"]

                class ProductList(generics.ListAPIView):
                    queryset = Product.objects.all()
                    serializer_class = ProductSerializer
            """,
            },
            path="shop/api.py",
            line=9,
            message="pagination",
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        return placed(project, self._check(project), REQUESTS)

    def _check(self, project: Project) -> Iterator[Finding]:
        analysis = orm_analysis(project)
        if not analysis.registry.models:
            return
        yield from self._routes(project, analysis)
        yield from self._list_views(project, analysis)

    def _routes(self, project: Project, analysis: OrmAnalysis) -> Iterator[Finding]:
        registry = analysis.registry
        reported: set[str] = set()
        for route in route_inventory(project).routes:
            if route.methods and not {"GET", "ANY", "*"} & set(route.methods):
                continue
            for name in route.functions:
                found = registry.functions.get(name)
                if found is None or name in reported:
                    continue
                module, flow = found
                if flow.paginated:
                    continue
                scope = Scope(module, class_of(module, flow.name))
                for query in flow.returned_rows:
                    resolved = analysis.resolver.resolve(query, scope)
                    if not self._unbounded(query, resolved):
                        continue
                    assert resolved is not None
                    reported.add(name)
                    yield self._finding(project, module, query, resolved, route.path)
                    break

    @staticmethod
    def _unbounded(query: Query, resolved: Resolved | None) -> bool:
        return (
            resolved is not None
            and not resolved.bounded
            and query.origin is not Origin.PARAMETER
            and resolved.model.name not in _SMALL_TABLES
        )

    def _finding(
        self, project: Project, module: str, query: Query, resolved: Resolved, path: str
    ) -> Finding:
        narrowed = resolved.filtered
        message = (
            f"GET {path} returns every {resolved.model.name} row"
            f"{' matching a filter' if narrowed else ''} (`{query.text}`) with no limit or "
            "pagination: the response grows with the table. Take limit/offset (or a cursor) "
            "and apply .limit() / a slice / a paginator."
        )
        return self.report(
            at(project, module, query.line, query.column),
            message,
            key=f"{path}:{resolved.model.qualname}",
            confidence=Confidence.MEDIUM if narrowed or resolved.indirect else Confidence.HIGH,
            related=(origin_location(project, resolved),)
            if resolved.origin_module != module or resolved.origin.line != query.line
            else (),
        )

    def _list_views(self, project: Project, analysis: OrmAnalysis) -> Iterator[Finding]:
        registry = analysis.registry
        globally_paginated = "DEFAULT_PAGINATION_CLASS" in registry.settings
        for cls in sorted(registry.classes):
            bases = {b.rsplit(".", 1)[-1] for b in registry.external_bases(cls)}
            if not bases & (DRF_LIST_VIEWS | _DJANGO_LIST_VIEWS):
                continue
            module, facts = registry.classes[cls]
            django_list = bool(bases & _DJANGO_LIST_VIEWS)
            knob = "paginate_by" if django_list else "pagination_class"
            setting = registry.attribute(cls, knob)
            if setting is not None and not (
                setting[1].kind is ValueKind.CONSTANT and setting[1].text == "None"
            ):
                continue
            if setting is None and globally_paginated and not django_list:
                continue
            query = Query(Origin.CLASS, "get_queryset", facts.line, 1, "")
            resolved = analysis.resolver.resolve(query, Scope(module, cls))
            if resolved is None or resolved.bounded or resolved.model.name in _SMALL_TABLES:
                continue
            fix = (
                "set paginate_by"
                if django_list
                else "set pagination_class, or DEFAULT_PAGINATION_CLASS and PAGE_SIZE in REST_FRAMEWORK"
            )
            yield self.report(
                at(project, module, facts.line, 1),
                f"{facts.name} lists every {resolved.model.name} row with no pagination: the response "
                f"grows with the table. {fix[0].upper()}{fix[1:]}.",
                key=f"{cls}:{resolved.model.qualname}",
                related=(origin_location(project, resolved),),
            )
