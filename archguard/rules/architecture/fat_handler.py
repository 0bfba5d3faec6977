"""AG405 fat-handler."""

from __future__ import annotations

from collections.abc import Iterable

from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.project import Project
from archguard.graph.structure import architecture_modules
from archguard.rules.architecture._common import module_location
from archguard.rules.architecture._handlers import (
    COMPLEXITY,
    LOWER_LAYERS,
    handler_shapes,
    is_fat,
)
from archguard.rules.project_rule import GRAPH, ProjectRule


class FatHandler(ProjectRule):
    """
    ## What it does
    Reports a route handler (FastAPI, Flask, Django, DRF, aiohttp: any function the
    route inventory says runs for a route) that both talks to the database directly
    (an ORM session, `.objects`, `.query`, `select()`, a cursor) and holds business
    logic: arithmetic on data, a branch on the data it loaded, or a cyclomatic
    complexity of 5 or more. Confidence is high when the project has a services,
    repositories or crud layer that the handler bypasses. Dependency providers
    (`deps.py`, `dependencies.py`) are not handlers. A handler that only loads and
    returns, or only validates and delegates, is glue and stays silent.

    ## Why is this bad?
    Logic in a handler can only run through HTTP: the same rule is rewritten (and
    drifts) in the Celery task, the admin action and the CLI, and testing it needs a
    test client and a database. Handlers that query and compute are also where N+1
    queries, missing transactions and authorization gaps hide, because nothing about
    them is reusable or reviewed in one place.

    ## Example
    ```python
    @router.post("/orders")
    def create_order(body: OrderIn, db: Session = Depends(get_db)):
        total = sum(i.price * i.quantity for i in body.items)
        if total > 1000:
            total = total * 0.9
        order = Order(total=total)
        db.add(order)
        db.commit()
        return order
    ```

    ## Use instead
    ```python
    @router.post("/orders")
    def create_order(body: OrderIn, orders: OrderService = Depends(get_order_service)):
        return orders.place(body)
    ```
    Move the computation into a service function that takes plain values, and the
    queries into a repository; the handler parses, calls, and shapes the response.

    ## References
    - https://fastapi.tiangolo.com/tutorial/bigger-applications/
    - https://www.cosmicpython.com/book/chapter_04_service_layer.html
    - https://docs.djangoproject.com/en/stable/misc/design-philosophies/
    """

    meta = RuleMeta(
        id="AG405",
        name="fat-handler",
        category=Category.FAT_HANDLER,
        severity=Severity.WARNING,
        confidence=Confidence.MEDIUM,
        summary="A route handler that queries the database and computes business logic itself.",
        tags=frozenset({"architecture", "maintainability"}),
    )

    VALID = (
        Valid(
            files={
                "app/api/orders.py": """
                from fastapi import APIRouter, Depends
                from sqlalchemy.orm import Session
                from app.db import get_db
                from app.models import Order

                router = APIRouter()

                @router.get("/orders/{order_id}")
                def read_order(order_id: int, db: Session = Depends(get_db)):
                    order = db.get(Order, order_id)
                    if order is None:
                        raise HTTPException(status_code=404)
                    return order
            """,
            },
            label="load, 404, return: glue",
        ),
        Valid(
            files={
                "app/api/orders.py": """
                from fastapi import APIRouter, Depends
                from app.services.orders import OrderService, get_service

                router = APIRouter()

                @router.post("/orders")
                def create_order(body: dict, orders: OrderService = Depends(get_service)):
                    if body.get("coupon") and len(body["coupon"]) > 20:
                        return {"error": "coupon"}
                    return orders.place(body)
            """,
            },
            label="delegates to a service",
        ),
        Valid(
            files={
                "shop/views.py": """
                from django.shortcuts import render
                from shop.models import Product

                def product_list(request):
                    if request.method == "POST":
                        return render(request, "error.html")
                    products = Product.objects.filter(active=True)
                    return render(request, "products.html", {"products": products})
            """,
            },
            label="a branch on the request is routing",
        ),
    )
    INVALID = (
        Invalid(
            files={
                "app/api/orders.py": """
                from fastapi import APIRouter, Depends
                from sqlalchemy.orm import Session
                from app.db import get_db
                from app.models import Order

                router = APIRouter()

                @router.post("/orders")
                def create_order(body: dict, db: Session = Depends(get_db)):
                    total = sum(i["price"] * i["quantity"] for i in body["items"])
                    if total > 1000:
                        total = total * 0.9
                    order = Order(total=total)
                    db.add(order)
                    db.commit()
                    return order
            """,
                "app/services/orders.py": "def place(body):\n    return body\n",
            },
            path="app/api/orders.py",
            line=9,
            message="bypasses app.services.orders",
        ),
        Invalid(
            files={
                "shop/views.py": """
                from django.http import JsonResponse
                from shop.models import Product

                def restock(request, pk):
                    product = Product.objects.get(pk=pk)
                    if product.stock < product.reorder_level:
                        product.stock = product.stock + product.reorder_quantity
                        product.save()
                    return JsonResponse({"stock": product.stock})
            """,
                "shop/urls.py": """
                from django.urls import path
                from shop import views

                urlpatterns = [path("products/<int:pk>/restock/", views.restock)]
            """,
                "shop/settings.py": 'ROOT_URLCONF = "shop.urls"\n',
            },
            path="shop/views.py",
            line=4,
            message="restock",
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        modules = architecture_modules(project)
        lower = sorted(m for m in modules if LOWER_LAYERS & set(m.split(".")))
        for module, shape in handler_shapes(project, modules):
            if not is_fat(shape):
                continue
            evidence = []
            if shape.logic:
                evidence.append("computes on the data (arithmetic or branches on loaded values)")
            if shape.complexity >= COMPLEXITY:
                evidence.append(f"has cyclomatic complexity {shape.complexity}")
            bypass = f" It bypasses {', '.join(lower[:3])}, which exist for this." if lower else ""
            home = lower[0] if lower else f"{module.rpartition('.')[0] or module}.services"
            call = f"{home.rpartition('.')[2]}.{shape.name}"
            yield self.report(
                module_location(project, module, shape.line),
                f"Handler {shape.name} queries the database directly and "
                f"{' and '.join(evidence)} ({shape.statements} statements).{bypass} Move the "
                "logic into a service function that takes plain values, and the queries into "
                "a repository; keep the handler to parsing, one call and the response.",
                key=f"{module}.{shape.name}",
                confidence=Confidence.HIGH if lower else Confidence.MEDIUM,
                fix=f"Keep {shape.name} in {module} to reading the request, one call and the "
                f"response (`return {call}(...)`); move its computation into `{shape.name}` in "
                f"{home}, taking plain values, and its queries into a repository it calls.",
                scope=GRAPH,
            )
