"""AG203 idor."""

from __future__ import annotations

from collections.abc import Iterator

from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.routes import GuardKind, Route
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.project import Project
from archguard.rules.access._route_rule import RouteRule, describe, signals
from archguard.web.index import at
from archguard.web.routes import RouteInventory

_FIX = {
    "fastapi": "Constrain the query by the owner (`.filter(Order.id == order_id, Order.owner_id == "
    "current_user.id)`), or compare `obj.owner_id` with the current user after loading and "
    "answer 404.",
    "flask": "Constrain the query by the owner (`Post.query.filter_by(id=post_id, author=current_user)"
    ".first_or_404()`), or abort(404) when `post.author != current_user`.",
    "django": "Look up through the user: `get_object_or_404(Order, pk=pk, owner=request.user)` or "
    "`request.user.orders.get(pk=pk)`.",
    "drf": "Filter `get_queryset()` by `self.request.user`, or add an object permission class "
    "(`has_object_permission`) that compares the owner.",
}


class Idor(RouteRule):
    """
    ## What it does
    Finds authenticated routes that load an object by an identifier taken from the
    request (a path or query parameter, a form or JSON field) and return, change or
    delete it, without tying the object to the current user: the lookup is not
    filtered by owner or tenant, the owner is not compared after loading, no object
    permission is checked, and no role guard applies. For DRF view sets and generic
    views, it looks at the view's `queryset` / `get_queryset()` and its object
    permissions, since `get_object()` does the lookup.

    Lookups it understands: `session.get(Model, id)`, `db.get(...)`,
    `Model.query.get(id)` / `get_or_404`, `get_object_or_404(Model, pk=...)`,
    `Model.objects.get(pk=...)`, `filter(id=...)`, `filter_by(id=...)`,
    `select(Model).where(Model.id == ...)`.

    ## Why is this bad?
    This is an insecure direct object reference (broken object-level authorization,
    OWASP's first API risk). Identifiers are guessable or leak in URLs, so any
    signed-in user changes a number and reads, edits or deletes someone else's order,
    invoice or file. Authentication does not help: the attacker is a legitimate user.

    ## Example
    ```python
    @router.get("/orders/{order_id}")
    def get_order(order_id: int, user: User = Depends(get_current_user), db=Depends(get_db)):
        return db.get(Order, order_id)
    ```

    ## Use instead
    ```python
    @router.get("/orders/{order_id}")
    def get_order(order_id: int, user: User = Depends(get_current_user), db=Depends(get_db)):
        order = db.get(Order, order_id)
        if order is None or order.owner_id != user.id:
            raise HTTPException(status_code=404)
        return order
    ```

    ## References
    - [OWASP API Security Top 10 2023, API1: Broken Object Level Authorization](https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/)
    - [CWE-639: Authorization Bypass Through User-Controlled Key](https://cwe.mitre.org/data/definitions/639.html)
    """

    meta = RuleMeta(
        id="AG203",
        name="idor",
        category=Category.IDOR,
        severity=Severity.ERROR,
        confidence=Confidence.MEDIUM,
        summary="Object loaded by a request identifier without checking it belongs to the current user.",
        cwe=(639, 862),
        tags=frozenset({"security", "access-control"}),
        security_severity=8.1,
    )

    def route(self, route: Route, inventory: RouteInventory, project: Project) -> Iterator[Finding]:
        if not route.has(GuardKind.AUTHENTICATION) or route.has(
            GuardKind.AUTHORIZATION, GuardKind.UNRESOLVED
        ):
            return
        does = signals(route, inventory)
        changes = bool({"PUT", "PATCH", "DELETE"} & set(route.methods)) or "db-write" in does
        severity = Severity.ERROR if changes else Severity.WARNING
        confidence = Confidence.HIGH if changes else Confidence.MEDIUM
        verb = "changes or deletes" if changes else "returns"
        fix = _FIX.get(route.framework, "Constrain the lookup by the current user.")
        found = False
        for name in route.functions:
            info = inventory.function(name)
            if info is None or info.signals & {"owner", "perm"}:
                continue
            for lookup in info.lookups:
                if lookup.scoped:
                    continue
                found = True
                yield self.finding(
                    route,
                    f"{describe(route)} loads an object by `{lookup.identifier}` from the request and "
                    f"{verb} it without checking that it belongs to the current user",
                    severity=severity,
                    confidence=confidence,
                    fix=fix,
                    location=at(inventory.function_path(name), lookup.line),
                    key=f"{route.label} {name} {lookup.identifier}",
                )
        if not found and route.detail and route.view_class and route.framework == "drf":
            yield from self._drf(route, inventory, severity, verb, fix)

    def _drf(
        self, route: Route, inventory: RouteInventory, severity: Severity, verb: str, fix: str
    ) -> Iterator[Finding]:
        ours, _ = inventory.index.mro(route.view_class)
        queryset = False
        for klass in ours:
            info = inventory.klass(klass)
            if info is None:
                continue
            for method in ("get_queryset", "get_object"):
                function = inventory.function(f"{klass}.{method}")
                if function is not None:
                    if function.signals & {"user", "owner", "perm"}:
                        return
                    queryset = True
            queryset = queryset or "queryset" in info.assigned
        if not queryset:
            return
        view = route.view_class.rsplit(".", 1)[-1]
        yield self.finding(
            route,
            f"{describe(route)} {verb} any object of {view}'s queryset by its id: the queryset is "
            "not filtered by request.user and no object permission applies",
            severity=severity,
            confidence=Confidence.MEDIUM,
            fix=fix,
        )

    VALID = (
        Valid(
            label="FastAPI: the lookup is filtered by the owner",
            files={
                "app/orders.py": """
                    from fastapi import APIRouter, Depends, HTTPException
                    from app.deps import get_current_user

                    router = APIRouter(dependencies=[Depends(get_current_user)])

                    @router.get("/orders/{order_id}")
                    def get_order(order_id: int, user=Depends(get_current_user), db=Depends(get_db)):
                        order = db.query(Order).filter(Order.id == order_id, Order.owner_id == user.id).first()
                        if order is None:
                            raise HTTPException(status_code=404)
                        return order
                """,
                "app/deps.py": """
                    from fastapi import HTTPException

                    def get_current_user(token: str = Depends(scheme)):
                        user = verify_token(token)
                        if not user:
                            raise HTTPException(status_code=401)
                        return user
                """,
            },
        ),
        Valid(
            label="Flask: the owner is compared after loading",
            files={
                "app/posts.py": """
                    from flask import Blueprint, abort
                    from flask_login import current_user, login_required

                    bp = Blueprint("posts", __name__)

                    @bp.post("/posts/<int:post_id>/delete")
                    @login_required
                    def delete_post(post_id):
                        post = Post.query.get_or_404(post_id)
                        if post.author_id != current_user.id:
                            abort(403)
                        db.session.delete(post)
                        db.session.commit()
                """,
            },
        ),
        Valid(
            label="Django: looked up through request.user; DRF: user-scoped get_queryset",
            files={
                "shop/urls.py": """
                    from django.urls import include, path
                    from rest_framework.routers import DefaultRouter
                    from shop import views

                    router = DefaultRouter()
                    router.register("invoices", views.InvoiceViewSet, basename="invoice")
                    urlpatterns = [
                        path("orders/<int:pk>/", views.order_detail),
                        path("api/", include(router.urls)),
                    ]
                """,
                "shop/views.py": """
                    from django.contrib.auth.decorators import login_required
                    from django.shortcuts import get_object_or_404
                    from rest_framework import permissions, viewsets

                    @login_required
                    def order_detail(request, pk):
                        order = get_object_or_404(Order, pk=pk, owner=request.user)
                        return render(request, "order.html", {"order": order})

                    class InvoiceViewSet(viewsets.ModelViewSet):
                        permission_classes = [permissions.IsAuthenticated]

                        def get_queryset(self):
                            return Invoice.objects.filter(customer__user=self.request.user)
                """,
            },
        ),
        Valid(
            label="A public catalogue: no authentication, so no current user to check against",
            files={
                "app/catalog.py": """
                    from fastapi import FastAPI
                    app = FastAPI()

                    @app.get("/products/{product_id}")
                    def get_product(product_id: int, db=Depends(get_db)):
                        return db.get(Product, product_id)
                """,
            },
        ),
    )
    INVALID = (
        Invalid(
            label="FastAPI: any signed-in user reads any order",
            files={
                "app/orders.py": """
                    from typing import Annotated
                    from fastapi import APIRouter, Depends
                    from app.deps import CurrentUser

                    router = APIRouter(prefix="/orders")

                    @router.get("/{order_id}")
                    def get_order(order_id: int, user: CurrentUser, db=Depends(get_db)):
                        return db.get(Order, order_id)
                """,
                "app/deps.py": """
                    from typing import Annotated
                    from fastapi import Depends, HTTPException

                    def get_current_user(token: str = Depends(scheme)):
                        user = verify_token(token)
                        if not user:
                            raise HTTPException(status_code=401)
                        return user

                    CurrentUser = Annotated[User, Depends(get_current_user)]
                """,
            },
            path="app/orders.py",
            line=9,
            message="loads an object by `order_id`",
        ),
        Invalid(
            label="Flask: deletes any post by id",
            files={
                "app/posts.py": """
                    from flask import Blueprint
                    from flask_jwt_extended import jwt_required

                    bp = Blueprint("posts", __name__)

                    @bp.delete("/posts/<int:post_id>")
                    @jwt_required()
                    def delete_post(post_id):
                        post = db.get_or_404(Post, post_id)
                        db.session.delete(post)
                        db.session.commit()
                        return "", 204
                """,
            },
            path="app/posts.py",
            line=9,
            message="changes or deletes",
        ),
        Invalid(
            label="DRF: a ModelViewSet over every object",
            files={
                "shop/settings.py": """
                    REST_FRAMEWORK = {
                        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
                    }
                """,
                "shop/urls.py": """
                    from rest_framework.routers import DefaultRouter
                    from shop.views import InvoiceViewSet

                    router = DefaultRouter()
                    router.register("invoices", InvoiceViewSet)
                    urlpatterns = router.urls
                """,
                "shop/views.py": """
                    from rest_framework import viewsets

                    class InvoiceViewSet(viewsets.ModelViewSet):
                        queryset = Invoice.objects.all()
                        serializer_class = InvoiceSerializer
                """,
            },
            path="shop/views.py",
            line=3,
        ),
    )
