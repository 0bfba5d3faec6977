"""AG201 missing-authz."""

from __future__ import annotations

from collections.abc import Iterator

from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.routes import GuardKind, Route
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.project import Project
from archguard.rules.access._route_rule import (
    PRIVATE_DATA,
    WEBHOOK,
    RouteRule,
    auth_fix,
    describe,
    names_of,
    public_by_design,
    signals,
    usual_guard,
)
from archguard.web.routes import RouteInventory

_GUARDED = (
    GuardKind.AUTHENTICATION,
    GuardKind.AUTHORIZATION,
    GuardKind.PUBLIC,
    GuardKind.UNRESOLVED,
)


class MissingAuthz(RouteRule):
    """
    ## What it does
    Finds HTTP routes that read or change non-public data with no authentication at any
    level: not on the route or handler, not on its router, blueprint or view class, not on
    the app, and not in the settings (DRF's `DEFAULT_PERMISSION_CLASSES`, Django's
    `LoginRequiredMiddleware`). Guards written in the project are followed to their
    definitions in other modules: a dependency that depends on `get_current_user`, a
    decorator whose wrapper answers 401, a `before_request` hook that checks the user.

    Routes that are public by design are left alone: login, logout, registration, token
    and password-reset endpoints, health and readiness probes, docs and OpenAPI, static
    files, and webhooks that verify a signature. Add your own with `public-routes` (URL
    globs) in `[tool.archguard]`. Routes that are declared public on purpose (`AllowAny`,
    `login_not_required`) are respected. A route whose guard is referenced but cannot be
    resolved (a third-party decorator named like a guard) is not reported.

    A route counts when it changes data: PUT, PATCH and DELETE always, POST when the
    handler touches the database or its path names private data. A GET route counts
    when it reads the database or the current user and its path or handler names
    private data (users, accounts, orders, payments, reports, admin...).

    ## Why is this bad?
    Anyone on the internet can call the route. Generated backends often guard the routes
    the prompt mentioned and forget the rest: the report export, the bulk update, the
    webhook. Missing authentication is OWASP's top API risk, and scanners that look at one
    file cannot see it, because the guard (or its absence) lives on a router in another file.

    ## Example
    ```python
    router = APIRouter(prefix="/orders")

    @router.delete("/{order_id}")
    def cancel_order(order_id: int, db: Session = Depends(get_db)):
        db.query(Order).filter(Order.id == order_id).delete()
    ```

    ## Use instead
    ```python
    router = APIRouter(prefix="/orders", dependencies=[Depends(get_current_user)])
    ```

    ## References
    - [OWASP API Security Top 10 2023, API2: Broken Authentication](https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/)
    - [CWE-306: Missing Authentication for Critical Function](https://cwe.mitre.org/data/definitions/306.html)
    - [FastAPI: dependencies in path operation decorators](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-in-path-operation-decorators/)
    - [DRF: setting the permission policy](https://www.django-rest-framework.org/api-guide/permissions/#setting-the-permission-policy)
    """

    meta = RuleMeta(
        id="AG201",
        name="missing-authz",
        category=Category.MISSING_AUTHZ,
        severity=Severity.ERROR,
        confidence=Confidence.HIGH,
        summary="Route reads or changes non-public data without any authentication guard.",
        cwe=(306, 862),
        tags=frozenset({"security", "access-control"}),
        security_severity=8.2,
    )

    def route(self, route: Route, inventory: RouteInventory, project: Project) -> Iterator[Finding]:
        if route.has(*_GUARDED):
            return
        does = signals(route, inventory)
        if WEBHOOK.search(route.path) or WEBHOOK.search(route.handler):
            if "signature" not in does and route.writes:
                yield self.finding(
                    route,
                    f"{describe(route)} is a webhook that neither authenticates the caller nor "
                    "verifies a signature: anyone can post forged events to it",
                    fix="Verify the provider's signature header (for example "
                    "`stripe.Webhook.construct_event` or `hmac.compare_digest` on an HMAC of the "
                    "raw body) and reject the request when it does not match.",
                )
            return
        if public_by_design(route, project):
            return
        usual = usual_guard(inventory, route.framework)
        guarded_elsewhere = usual is not None
        hint = f"; other routes here use {usual}" if usual else ""
        # Django function views accept any method; they write when their body does.
        writes = route.writes and ("ANY" not in route.methods or "db-write" in does)
        if writes:
            # A POST that touches no data we can see (sets a cookie, sends a mail) is
            # left alone; PUT, PATCH and DELETE change a resource by definition.
            touches = does & {"db-write", "db-read", "privileged"}
            mutating = {"PUT", "PATCH", "DELETE"} & set(route.methods)
            if not touches and not mutating and not PRIVATE_DATA.search(names_of(route)):
                return
            yield self.finding(
                route,
                f"{describe(route)} changes data but no authentication applies to it at any "
                f"level (route, {self._levels(route)}){hint}",
                confidence=Confidence.HIGH if guarded_elsewhere else Confidence.MEDIUM,
                fix=auth_fix(route, inventory),
            )
        elif PRIVATE_DATA.search(names_of(route)) and does & {"db-read", "user"}:
            yield self.finding(
                route,
                f"{describe(route)} returns private data but no authentication applies to it at "
                f"any level (route, {self._levels(route)}){hint}",
                severity=Severity.WARNING,
                confidence=Confidence.MEDIUM,
                fix=auth_fix(route, inventory),
            )

    @staticmethod
    def _levels(route: Route) -> str:
        return {
            "fastapi": "router, include_router, app",
            "flask": "blueprint, before_request hooks, app",
            "django": "view, URLconf, middleware",
            "drf": "view permission_classes, DEFAULT_PERMISSION_CLASSES",
            "aiohttp": "app middleware",
        }.get(route.framework, "router, app")

    VALID = (
        Valid(
            label="Flask: a project decorator whose wrapper lets admins through and refuses "
            "everyone else, judged through the predicate it calls in another module",
            files={
                "ctf/utils/user.py": """
                    from flask import session

                    def authed():
                        return bool(session.get("id", False))

                    def is_admin():
                        if authed():
                            return get_current_user_attrs().type == "admin"
                        return False
                """,
                "ctf/utils/decorators.py": """
                    import functools
                    from flask import abort, redirect, request, url_for
                    from ctf.utils.user import is_admin

                    def admins_only(f):
                        @functools.wraps(f)
                        def admins_only_wrapper(*args, **kwargs):
                            if is_admin():
                                return f(*args, **kwargs)
                            if request.is_json:
                                abort(403)
                            return redirect(url_for("auth.login", next=request.full_path))
                        return admins_only_wrapper
                """,
                "ctf/admin/users.py": """
                    from flask import Blueprint
                    from ctf.models import Users, db
                    from ctf.utils.decorators import admins_only

                    admin = Blueprint("admin", __name__)

                    @admin.route("/admin/users/<int:user_id>", methods=["DELETE"])
                    @admins_only
                    def delete_user(user_id):
                        db.session.delete(Users.query.get(user_id))
                        db.session.commit()
                """,
            },
        ),
        Valid(
            label="FastAPI: a dependency factory that returns the function that checks the token",
            files={
                "app/deps.py": """
                    from fastapi import Depends, HTTPException, Security
                    from fastapi.security import APIKeyHeader

                    def get_current_user_authorizer(*, required: bool = True):
                        return _get_current_user if required else _get_current_user_optional

                    def _get_current_user(token: str = Security(APIKeyHeader(name="Authorization"))):
                        user = users.by_token(token)
                        if user is None:
                            raise HTTPException(status_code=403, detail="bad token")
                        return user

                    def _get_current_user_optional(token: str = ""):
                        return users.by_token(token) if token else None
                """,
                "app/routes/profile.py": """
                    from fastapi import APIRouter, Body, Depends
                    from app.deps import get_current_user_authorizer

                    router = APIRouter()

                    @router.put("/user")
                    def update_current_user(body: dict = Body(...), user=Depends(get_current_user_authorizer())):
                        return users_repo.update(user, body)
                """,
            },
        ),
        Valid(
            label="Flask: the view checks the login session itself and sends strangers to the login page",
            files={
                "app/views.py": """
                    from flask import Flask, redirect, session, url_for
                    from app.models import Order, db

                    app = Flask(__name__)

                    @app.post("/orders/<int:order_id>/cancel")
                    def cancel_order(order_id):
                        if "user_id" not in session:
                            return redirect(url_for("login"))
                        order = Order.query.filter_by(id=order_id, user_id=session["user_id"]).first_or_404()
                        order.status = "cancelled"
                        db.session.commit()
                """,
            },
        ),
        Valid(
            label="Public by design: account recovery, e-mail verification, share links, metrics",
            files={
                "app/routes.py": """
                    from fastapi import APIRouter, Depends
                    router = APIRouter()

                    @router.post("/auth/recovery")
                    def start_recovery(body: dict, db=Depends(get_db)):
                        user = db.query(User).filter(User.email == body["email"]).first()
                        send_recovery_mail(user)

                    @router.post("/users/verify/{token}")
                    def verify_user(token: str, db=Depends(get_db)):
                        db.query(User).filter(User.verify_token == token).update({"verified": True})

                    @router.get("/share/{slug}")
                    def shared_document(slug: str, db=Depends(get_db)):
                        return db.query(Document).filter(Document.share_slug == slug).first()

                    @router.get("/metrics")
                    def metrics(db=Depends(get_db)):
                        return {"users": db.query(User).count()}
                """,
            },
        ),
        Valid(
            label="FastAPI: the router requires a user through a dependency defined in another module",
            files={
                "app/deps.py": """
                    from fastapi import Depends, HTTPException
                    from fastapi.security import OAuth2PasswordBearer
                    from jose import JWTError, jwt

                    oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token")

                    def get_current_user(token: str = Depends(oauth2_scheme)):
                        try:
                            return jwt.decode(token, KEY, algorithms=["HS256"])
                        except JWTError:
                            raise HTTPException(status_code=401, detail="Not authenticated")
                """,
                "app/routes/orders.py": """
                    from fastapi import APIRouter, Depends
                    from app.deps import get_current_user

                    router = APIRouter(prefix="/orders", dependencies=[Depends(get_current_user)])

                    @router.delete("/{order_id}")
                    def cancel_order(order_id: int, db=Depends(get_db)):
                        db.query(Order).filter(Order.id == order_id).delete()
                """,
            },
        ),
        Valid(
            label="FastAPI: an Annotated alias from another module, and include_router dependencies",
            files={
                "app/deps.py": """
                    from typing import Annotated
                    from fastapi import Depends, HTTPException, status
                    from fastapi.security import HTTPBearer

                    bearer = HTTPBearer()

                    def current_user(creds=Depends(bearer)):
                        user = lookup(creds.credentials)
                        if user is None:
                            raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED)
                        return user

                    CurrentUser = Annotated[dict, Depends(current_user)]
                """,
                "app/routes/profile.py": """
                    from fastapi import APIRouter
                    from app.deps import CurrentUser

                    router = APIRouter()

                    @router.put("/profile")
                    def update_profile(user: CurrentUser, body: dict):
                        return save(user, body)
                """,
                "app/routes/billing.py": """
                    from fastapi import APIRouter
                    router = APIRouter()

                    @router.post("/invoices")
                    def create_invoice(body: dict):
                        return body
                """,
                "app/main.py": """
                    from fastapi import Depends, FastAPI
                    from app.deps import current_user
                    from app.routes import billing, profile

                    app = FastAPI()
                    app.include_router(profile.router)
                    app.include_router(billing.router, prefix="/billing", dependencies=[Depends(current_user)])

                    @app.get("/health")
                    def health():
                        return {"ok": True}
                """,
            },
        ),
        Valid(
            label="Flask: login_required, and a before_request hook on the blueprint",
            files={
                "blog/admin.py": """
                    from flask import Blueprint, abort
                    from flask_login import current_user, login_required

                    bp = Blueprint("admin", __name__, url_prefix="/manage")

                    @bp.before_request
                    def require_login():
                        if not current_user.is_authenticated:
                            abort(401)

                    @bp.post("/posts/<int:post_id>/delete")
                    def delete_post(post_id):
                        db.session.delete(Post.query.get_or_404(post_id))
                        db.session.commit()
                """,
                "blog/posts.py": """
                    from flask import Blueprint, request
                    from flask_login import login_required

                    bp = Blueprint("posts", __name__)

                    @bp.route("/posts", methods=["POST"])
                    @login_required
                    def create_post():
                        db.session.add(Post(title=request.form["title"]))
                        db.session.commit()

                    @bp.route("/posts")
                    def list_posts():
                        return render_template("posts.html", posts=Post.query.all())
                """,
            },
        ),
        Valid(
            label="DRF: IsAuthenticated by default in settings; AllowAny declared on purpose",
            files={
                "shop/settings.py": """
                    REST_FRAMEWORK = {
                        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
                    }
                    ROOT_URLCONF = "shop.urls"
                """,
                "shop/urls.py": """
                    from django.urls import include, path
                    from rest_framework.routers import DefaultRouter
                    from orders.views import OrderViewSet, SignupView

                    router = DefaultRouter()
                    router.register(r"orders", OrderViewSet)
                    urlpatterns = [
                        path("api/", include(router.urls)),
                        path("api/signup-form/", SignupView.as_view()),
                    ]
                """,
                "orders/views.py": """
                    from rest_framework import generics, permissions, viewsets

                    class OrderViewSet(viewsets.ModelViewSet):
                        serializer_class = OrderSerializer

                        def get_queryset(self):
                            return Order.objects.filter(owner=self.request.user)

                    class SignupView(generics.CreateAPIView):
                        permission_classes = [permissions.AllowAny]
                        serializer_class = SignupSerializer
                """,
            },
        ),
        Valid(
            label="A webhook that verifies the provider's signature",
            files={
                "app/hooks.py": """
                    import stripe
                    from flask import Flask, request

                    app = Flask(__name__)

                    @app.post("/webhooks/stripe")
                    def stripe_webhook():
                        event = stripe.Webhook.construct_event(
                            request.data, request.headers["Stripe-Signature"], SECRET)
                        handle(event)
                        return "", 204
                """,
            },
        ),
    )
    INVALID = (
        Invalid(
            label="Flask: a project decorator that calls the admin predicate but never refuses",
            files={
                "ctf/utils/user.py": """
                    from flask import session

                    def is_admin():
                        return session.get("type") == "admin"
                """,
                "ctf/utils/decorators.py": """
                    import functools
                    import logging
                    from ctf.utils.user import is_admin

                    def audited(f):
                        @functools.wraps(f)
                        def wrapper(*args, **kwargs):
                            if not is_admin():
                                logging.info("non-admin call to %s", f.__name__)
                            return f(*args, **kwargs)
                        return wrapper
                """,
                "ctf/admin/users.py": """
                    from flask import Blueprint
                    from ctf.models import Users, db
                    from ctf.utils.decorators import audited

                    admin = Blueprint("admin", __name__)

                    @admin.route("/admin/users/<int:user_id>", methods=["DELETE"])
                    @audited
                    def delete_user(user_id):
                        db.session.delete(Users.query.get(user_id))
                        db.session.commit()
                """,
            },
            path="ctf/admin/users.py",
            line=9,
        ),
        Invalid(
            label="Flask: the view reads the session for a cart but never refuses anyone",
            files={
                "app/views.py": """
                    from flask import Flask, session
                    from app.models import Order, db

                    app = Flask(__name__)

                    @app.post("/orders/<int:order_id>/cancel")
                    def cancel_order(order_id):
                        cart = session.get("cart", [])
                        order = Order.query.get(order_id)
                        order.status = "cancelled"
                        db.session.commit()
                        return {"cart": cart}
                """,
            },
            path="app/views.py",
            line=7,
        ),
        Invalid(
            label="FastAPI: a router with no guard, mounted on an app with none",
            files={
                "app/routes/orders.py": """
                    from fastapi import APIRouter, Depends

                    router = APIRouter(prefix="/orders")

                    @router.delete("/{order_id}")
                    def cancel_order(order_id: int, db=Depends(get_db)):
                        db.query(Order).filter(Order.id == order_id).delete()
                """,
                "app/main.py": """
                    from fastapi import FastAPI
                    from app.routes import orders

                    app = FastAPI()
                    app.include_router(orders.router, prefix="/api")
                """,
            },
            path="app/routes/orders.py",
            line=6,
            message="DELETE /api/orders/{order_id} (cancel_order)",
        ),
        Invalid(
            label="Flask: the export is guarded, the bulk update beside it is not",
            files={
                "app/views.py": """
                    from flask import Flask, request
                    from flask_login import login_required

                    app = Flask(__name__)

                    @app.get("/reports/export")
                    @login_required
                    def export_reports():
                        return Report.query.all()

                    @app.route("/reports/bulk", methods=["POST"])
                    def bulk_update_reports():
                        for row in request.json:
                            db.session.merge(Report(**row))
                        db.session.commit()
                """,
            },
            path="app/views.py",
            line=12,
            message="other routes here use @login_required",
        ),
        Invalid(
            label="DRF: no permission classes on the view and none by default",
            files={
                "shop/urls.py": """
                    from django.urls import path
                    from orders.views import OrderDetail

                    urlpatterns = [path("orders/<int:pk>/", OrderDetail.as_view())]
                """,
                "orders/views.py": """
                    from rest_framework import generics

                    class OrderDetail(generics.RetrieveUpdateDestroyAPIView):
                        queryset = Order.objects.all()
                        serializer_class = OrderSerializer
                """,
            },
            path="orders/views.py",
            line=3,
        ),
        Invalid(
            label="Django: a function view that reads customer data, no login_required",
            files={
                "crm/urls.py": """
                    from django.urls import path
                    from crm import views

                    urlpatterns = [path("customers/", views.customer_list)]
                """,
                "crm/views.py": """
                    from django.shortcuts import render

                    def customer_list(request):
                        return render(request, "customers.html", {"customers": Customer.objects.all()})
                """,
            },
            path="crm/views.py",
            line=3,
        ),
        Invalid(
            label="A webhook that trusts whatever is posted",
            files={
                "app/hooks.py": """
                    from fastapi import FastAPI, Request

                    app = FastAPI()

                    @app.post("/webhooks/payments")
                    async def payment_webhook(request: Request):
                        event = await request.json()
                        mark_paid(event["order_id"])
                """,
            },
            path="app/hooks.py",
            line=6,
            message="verifies a signature",
        ),
    )
