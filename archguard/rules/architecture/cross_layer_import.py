"""AG401 cross-layer-import."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import networkx as nx

from archguard.core.facts import ImportFact, ImportKind
from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.layering import Layering, layerings
from archguard.graph.layers import layer_of_name
from archguard.graph.project import Project
from archguard.graph.structure import architecture_modules, module_graph
from archguard.rules.architecture._common import import_location
from archguard.rules.project_rule import GRAPH, ProjectRule

#: How many modules outside the layering an indirect chain may pass through.
_MAX_HOPS = 4
#: HTTP request and response objects: they belong to the web layer only.
_WEB_OBJECTS = frozenset(
    {
        "fastapi.Request",
        "fastapi.Response",
        "fastapi.HTTPException",
        "fastapi.responses",
        "starlette.requests",
        "starlette.responses",
        "starlette.requests.Request",
        "flask.request",
        "flask.session",
        "flask.g",
        "flask.abort",
        "flask.jsonify",
        "flask.make_response",
        "django.http",
        "django.http.HttpRequest",
        "django.http.HttpResponse",
        "django.http.JsonResponse",
        "django.http.Http404",
        "rest_framework.request",
        "rest_framework.response",
        "rest_framework.request.Request",
        "rest_framework.response.Response",
    }
)
#: Layers (by module name) that must not know about HTTP.
_BELOW_THE_WEB = frozenset({"application", "domain", "data"})
#: Imports that do not run (TYPE_CHECKING) or are resolved by the framework (strings).
_COUNTED = frozenset({ImportKind.MODULE, ImportKind.FUNCTION, ImportKind.DYNAMIC})


class CrossLayerImport(ProjectRule):
    """
    ## What it does
    Reports imports that point upward through the layers: a repository or model
    importing views or routes, a service importing a route module, or a service,
    domain or data module importing the web framework's request, response or HTTP
    error objects. Layers are the ones declared in `[tool.archguard.layers]`, an
    import-linter layers contract or `tach.toml`; when none is declared they are
    inferred from module names (`api`, `routes`, `views` are presentation; `services`
    application; `domain`; `repositories`, `crud`, `models`, `db` data; `config`,
    `clients`, `adapters` infrastructure). Modules named only `utils`, `core` or
    `common` are in no layer.

    Each import is reported at its line, once per pair of modules; an import that only
    reaches a higher layer through other modules is not reported (the direct imports
    along the way are where it can be cut). Independent siblings (`"a | b"`) may not
    import each other; siblings written `"a : b"` may.

    Inferred layers are a guess, so they rest on strong evidence only: a module's own
    routes, URL patterns or ORM models, or a name that is reliable on its own (`api`,
    `routes`, `views`, `services`, `domain`, `repositories`, `crud`). Names such as
    `forms`, `urls`, `config`, `settings` or `db` place no module. Findings against
    inferred layers are notes of low confidence; declare the layers to make them count.

    ## Why is this bad?
    Layers exist so that the code at the bottom (data access, domain rules) can be
    tested, reused from a task or a CLI, and changed without touching the web edge.
    One upward import ties the bottom to the top: the model now imports FastAPI
    routes, the routes import the model, and any change to the API can break the
    database layer or start an import cycle. A service that takes a `Request` or
    raises `HTTPException` cannot be called from a Celery task.

    ## Example
    ```python
    # app/repositories/orders.py
    from app.api.orders import OrderIn      # data layer importing the API layer
    ```

    ## Use instead
    ```python
    # app/schemas/orders.py holds OrderIn; both the API and the repository import it
    from app.schemas.orders import OrderIn
    ```
    Move what both layers need down (schemas, domain types), or pass it in as an
    argument. Services raise domain errors that the route turns into HTTP errors.

    ## References
    - https://import-linter.readthedocs.io/en/stable/contract_types.html#layers
    - https://docs.gauge.sh/usage/layers
    - https://martinfowler.com/bliki/PresentationDomainDataLayering.html
    """

    meta = RuleMeta(
        id="AG401",
        name="cross-layer-import",
        category=Category.CROSS_LAYER_IMPORT,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="A lower layer imports a higher one, or a service imports HTTP request objects.",
        tags=frozenset({"architecture", "layering"}),
    )

    VALID = (
        Valid(
            files={
                "app/db/models.py": "from app.utils import slugify\n",
                "app/utils.py": "from app.api.errors import ApiError\n\ndef slugify(text):\n    return text\n",
                "app/api/errors.py": "class ApiError(Exception):\n    pass\n",
            },
            label="a chain through a module outside the layering: only direct imports count",
        ),
        Valid(
            files={
                "forum/management/models.py": "from forum.utils.forms import SettingValueType\n",
                "forum/utils/forms.py": "import enum\n\nclass SettingValueType(enum.Enum):\n    string = 0\n",
                "forum/utils/settings.py": "from forum.management.models import Setting\n",
                "forum/config.py": "from forum.models import Config\n",
                "forum/models.py": "class Config:\n    pass\n",
            },
            label="names that are no evidence of a layer (forms, settings, config, a models "
            "package of plain classes)",
        ),
        Valid(
            files={
                "app/api/orders.py": "from fastapi import APIRouter, Request\nfrom app.services.orders import place_order\n",
                "app/services/orders.py": "from app.repositories.orders import save_order\n\ndef place_order(data):\n    return save_order(data)\n",
                "app/repositories/orders.py": "from app.models import Order\n\ndef save_order(data):\n    return Order(**data)\n",
                "app/models.py": "class Order:\n    pass\n",
            },
            label="every import points down",
        ),
        Valid(
            files={
                "app/repositories/orders.py": """
                from typing import TYPE_CHECKING

                if TYPE_CHECKING:
                    from app.api.orders import OrderIn
            """,
                "app/api/orders.py": "class OrderIn:\n    pass\n",
            },
            label="a TYPE_CHECKING import never runs",
        ),
        Valid(
            files={
                "pyproject.toml": """
                [tool.archguard.layers]
                order = ["shop.web", "shop.billing : shop.catalog", "shop.store"]
            """,
                "shop/billing.py": "from shop.catalog import price_of\n",
                "shop/catalog.py": "from shop.store import load\n\ndef price_of(sku):\n    return load(sku)\n",
                "shop/store.py": "def load(sku):\n    return sku\n",
            },
            label="siblings joined by ':' may import each other",
        ),
    )
    INVALID = (
        Invalid(
            files={
                "app/api/orders.py": "from app.services.orders import place_order\n\nclass OrderIn:\n    pass\n",
                "app/services/orders.py": "from app.repositories.orders import save_order\n",
                "app/repositories/orders.py": "from app.api.orders import OrderIn\n",
            },
            path="app/repositories/orders.py",
            line=1,
            message="app.api.orders",
        ),
        Invalid(
            files={
                "app/services/billing.py": """
                from fastapi import HTTPException, Request

                def charge(request: Request, amount: int):
                    if amount <= 0:
                        raise HTTPException(status_code=400)
            """,
            },
            path="app/services/billing.py",
            line=1,
            message="fastapi.Request",
        ),
        Invalid(
            files={
                "pyproject.toml": """
                [tool.archguard.layers]
                order = ["shop.web", "shop.logic", "shop.store"]
            """,
                "shop/store/repo.py": "import json\nfrom shop.logic.pricing import price\n",
                "shop/logic/pricing.py": "def price(sku):\n    return 1\n",
                "shop/web/views.py": "from shop.logic.pricing import price\n",
            },
            path="shop/store/repo.py",
            line=2,
            message="declared",
        ),
        Invalid(
            files={
                ".importlinter": """
                [importlinter]
                root_package = shop

                [importlinter:contract:layers]
                name = Shop layers
                type = layers
                containers =
                    shop
                layers =
                    web
                    billing | catalog
                    store
            """,
                "shop/billing.py": "from shop.catalog import price_of\n",
                "shop/catalog.py": "def price_of(sku):\n    return 1\n",
            },
            path="shop/billing.py",
            line=1,
            message="independent",
            label="import-linter contract",
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        modules = architecture_modules(project)
        graph = module_graph(project, modules, _COUNTED)
        seen: set[tuple[str, str]] = set()
        for layering in layerings(project, modules):
            for item in self._direct(project, graph, layering):
                if (item.location.path, item.fingerprint) not in seen:
                    seen.add((item.location.path, item.fingerprint))
                    yield item
        yield from self._web_objects(project, modules)

    def _direct(self, project: Project, graph: nx.DiGraph, layering: Layering) -> Iterator[Finding]:
        for a, b in sorted(graph.edges):
            reason = layering.violation(a, b)
            if reason is None:
                continue
            fact = graph.edges[a, b]["imports"][0]
            how = "declared in " + layering.source if layering.declared else layering.source
            yield self.report(
                import_location(project, a, fact),
                f"{a} imports {b}: {reason} ({how}). Move what both need into a lower "
                "layer, or pass it in from above.",
                key=f"{a}\0{b}",
                # Inferred layers are a guess about the design: worth a look, not a failure.
                severity=None if layering.declared else Severity.NOTE,
                confidence=Confidence.HIGH if layering.declared else Confidence.LOW,
                related=tuple(
                    import_location(project, a, f, "also imported here")
                    for f in graph.edges[a, b]["imports"][1:]
                ),
                fix=_fix(layering, a, b),
                scope=GRAPH,
            )

    def _web_objects(self, project: Project, modules: set[str]) -> Iterator[Finding]:
        for name in sorted(modules):
            layer = layer_of_name(name, strict=True)
            if layer not in _BELOW_THE_WEB:
                continue
            by_line: dict[int, list[ImportFact]] = {}
            for fact in project.modules[name].imports:
                if _web_object(fact) is not None:
                    by_line.setdefault(fact.line, []).append(fact)
            for facts in by_line.values():
                targets = ", ".join(sorted(str(_web_object(f)) for f in facts))
                yield self.report(
                    import_location(project, name, facts[0]),
                    f"{name} is in the {layer} layer but imports {targets} (HTTP objects): "
                    "it can no longer run outside a request (tasks, scripts, tests). Take "
                    "plain values and raise domain errors; the route translates them.",
                    key=f"{name}\0{targets}",
                    confidence=Confidence.HIGH,
                    fix="class OrderNotFound(Exception): ...  # raised by the service\n"
                    "# in the route: except OrderNotFound: raise HTTPException(404)",
                    scope=GRAPH,
                )


def _web_object(fact: ImportFact) -> str | None:
    if fact.kind not in _COUNTED:
        return None
    full = f"{fact.module}.{fact.name}" if fact.name else fact.module
    if full in _WEB_OBJECTS:
        return full
    return None


def _runs_on_import(graph: nx.DiGraph, a: str, b: str) -> bool:
    """An app factory importing its views inside ``create_app`` does not make every
    module that imports the package depend on the views."""
    return any(f.kind is ImportKind.MODULE for f in graph.edges[a, b]["imports"])


def _fix(layering: Layering, a: str, b: str) -> str:
    low, high = layering.placement[a], layering.placement[b]
    return (
        f"# {a} ({low.label}) must not depend on {b} ({high.label}).\n"
        f"# Move the shared names into a module of the {low.label} layer or below,\n"
        f"# and import them from there in both places."
    )
