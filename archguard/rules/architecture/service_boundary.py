"""AG407 service-boundary."""

from __future__ import annotations

from collections.abc import Iterable

from archguard.core.facts import ImportKind
from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.project import Project
from archguard.graph.services import PUBLIC_NAMES, find_services
from archguard.graph.structure import architecture_modules, module_graph
from archguard.rules.architecture._common import import_location
from archguard.rules.project_rule import GRAPH, ProjectRule

_COUNTED = (ImportKind.MODULE, ImportKind.FUNCTION, ImportKind.DYNAMIC)


class ServiceBoundary(ProjectRule):
    """
    ## What it does
    Where a repository holds several services, reports one service importing another
    service's internals (its models, repositories, services, utils) instead of its
    public surface: the package itself or modules named `api`, `client`, `schemas`,
    `contracts`, `events`, `interfaces`, `dto`. Services are the directories matched
    by `services` in `[tool.archguard.layers]` (globs such as `"services/*"`), by
    default `services/*`, `apps/*` and `packages/*`, plus every directory with its own
    `pyproject.toml`: a new service needs no configuration. At least two services
    must exist. `TYPE_CHECKING` imports and framework strings are not counted.

    ## Why is this bad?
    Services are split so that each can change its tables, internals and release
    schedule alone. An import of another service's models or repository makes its
    internals a contract nobody agreed to: renaming a column in `orders` breaks
    `billing`, and deploying one without the other fails at import time. In a
    monorepo the import even works, so nothing stops the coupling but review.

    ## Example
    ```python
    # services/billing/billing/invoices.py
    from orders.models import Order          # another service's ORM model
    ```

    ## Use instead
    ```python
    from orders.client import OrdersClient   # or orders.api / orders.schemas / events
    ```
    Expose what other services need in the public module (a client, schemas, events)
    and import only that, or talk over HTTP or a queue.

    ## References
    - https://microservices.io/patterns/data/database-per-service.html
    - https://docs.gauge.sh/usage/interfaces
    - https://www.kamilgrzybek.com/blog/posts/modular-monolith-primer
    """

    meta = RuleMeta(
        id="AG407",
        name="service-boundary",
        category=Category.SERVICE_BOUNDARY,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="One service imports another service's internals instead of its public API.",
        tags=frozenset({"architecture", "coupling"}),
    )

    VALID = (
        Valid(
            files={
                "services/orders/pyproject.toml": "[project]\nname = 'orders'\n",
                "services/orders/orders/__init__.py": "",
                "services/orders/orders/models.py": "class Order:\n    pass\n",
                "services/orders/orders/client.py": "from orders.models import Order\n",
                "services/billing/pyproject.toml": "[project]\nname = 'billing'\n",
                "services/billing/billing/__init__.py": "",
                "services/billing/billing/invoices.py": "from orders.client import OrdersClient\n",
            },
            label="through the public client",
        ),
        Valid(
            files={
                "app/orders/models.py": "class Order:\n    pass\n",
                "app/billing/invoices.py": "from app.orders.models import Order\n",
            },
            label="no service roots: one application",
        ),
    )
    INVALID = (
        Invalid(
            files={
                "services/orders/pyproject.toml": "[project]\nname = 'orders'\n",
                "services/orders/orders/__init__.py": "",
                "services/orders/orders/models.py": "class Order:\n    pass\n",
                "services/billing/pyproject.toml": "[project]\nname = 'billing'\n",
                "services/billing/billing/__init__.py": "",
                "services/billing/billing/invoices.py": "import json\nfrom orders.models import Order\n",
            },
            path="services/billing/billing/invoices.py",
            line=2,
            message="orders.models",
        ),
        Invalid(
            files={
                "apps/catalog/repository.py": "def load(sku):\n    return sku\n",
                "apps/cart/views.py": "from apps.catalog.repository import load\n",
            },
            path="apps/cart/views.py",
            line=1,
            message="apps/catalog",
            label="apps/* by default",
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        modules = architecture_modules(project)
        services = find_services(project, modules)
        if not services:
            return
        graph = module_graph(project, modules, _COUNTED)
        for a, b in sorted(graph.edges):
            mine, theirs = services.get(a), services.get(b)
            if mine is None or theirs is None or mine == theirs or theirs.is_public(b):
                continue
            fact = graph.edges[a, b]["imports"][0]
            yield self.report(
                import_location(project, a, fact),
                f"{a} (service {mine.directory}) imports {b}, an internal module of service "
                f"{theirs.directory}. Import its public surface instead (the package, or "
                f"one of: {', '.join(sorted(PUBLIC_NAMES)[:6])}...), or call it over "
                "HTTP or a queue.",
                key=f"{a}\0{b}",
                fix=f"# in {theirs.directory}: expose what is needed in "
                f"{theirs.package + '.' if theirs.package else ''}api (or client/schemas)\n"
                f"# in {a}: import it from there",
                scope=GRAPH,
            )
