"""AG202 missing-role-check."""

from __future__ import annotations

from collections.abc import Iterator

from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.routes import GuardKind, Route
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.project import Project
from archguard.rules.access._route_rule import (
    RouteRule,
    describe,
    names_of,
    public_by_design,
    signals,
    words,
)
from archguard.web.routes import RouteInventory

_PRIVILEGED_NAMES = words(
    "admin",
    "admins",
    "administration",
    "internal",
    "staff",
    "debug",
    "manage",
    "management",
    "superuser",
    "backoffice",
    "back-office",
    "ops",
    "sudo",
    "impersonate",
    "moderation",
)
_FIX = {
    "fastapi": "Add a dependency that checks the role and raises HTTPException(403), e.g. "
    "`dependencies=[Depends(require_admin)]` on the route or the admin router.",
    "flask": 'Add a role check: Flask-Security\'s `@roles_required("admin")`, or a decorator that '
    "aborts with 403 unless `current_user.is_admin`.",
    "django": "Use `@staff_member_required`, `@permission_required(...)`, or "
    "PermissionRequiredMixin / UserPassesTestMixin on the view.",
    "drf": "Use `permission_classes = [IsAdminUser]` or a permission class that checks the role "
    "or the object's owner.",
}


class MissingRoleCheck(RouteRule):
    """
    ## What it does
    Finds routes that only an administrator, staff member or the owner should reach,
    yet are guarded by authentication alone: any signed-in user passes. A route counts
    as privileged when its path, name or handler says so (admin, internal, staff,
    debug, manage, ops, impersonate...) or when its handler does privileged things:
    deletes other users or sets roles, staff or superuser flags, or permissions.

    A role, permission, scope or ownership check anywhere on the route's way (a
    dependency such as `require_admin` that raises 403, `@roles_required`,
    `IsAdminUser`, `permission_required`, a check of `current_user.is_admin` in the
    handler) silences it. Routes without any authentication are left to AG201.

    ## Why is this bad?
    Authentication says who the caller is, not what they may do. When every
    signed-in user can reach the admin API, signing up is all it takes to delete
    accounts or grant oneself the admin role: broken function-level authorization
    is in OWASP's API top five.

    ## Example
    ```python
    @router.delete("/admin/users/{user_id}")
    def delete_user(user_id: int, user: User = Depends(get_current_user), db=Depends(get_db)):
        db.delete(db.get(User, user_id))
    ```

    ## Use instead
    ```python
    def require_admin(user: User = Depends(get_current_user)) -> User:
        if not user.is_admin:
            raise HTTPException(status_code=403)
        return user

    @router.delete("/admin/users/{user_id}", dependencies=[Depends(require_admin)])
    ```

    ## References
    - [OWASP API Security Top 10 2023, API5: Broken Function Level Authorization](https://owasp.org/API-Security/editions/2023/en/0xa5-broken-function-level-authorization/)
    - [CWE-285: Improper Authorization](https://cwe.mitre.org/data/definitions/285.html)
    """

    meta = RuleMeta(
        id="AG202",
        name="missing-role-check",
        category=Category.MISSING_AUTHZ,
        severity=Severity.ERROR,
        confidence=Confidence.MEDIUM,
        summary="Admin or privileged route checks that the user is signed in, not what they may do.",
        cwe=(285, 862),
        tags=frozenset({"security", "access-control"}),
        security_severity=8.1,
    )

    def route(self, route: Route, inventory: RouteInventory, project: Project) -> Iterator[Finding]:
        if not route.has(GuardKind.AUTHENTICATION) or route.has(
            GuardKind.AUTHORIZATION, GuardKind.UNRESOLVED, GuardKind.PUBLIC
        ):
            return
        if public_by_design(route, project):
            return
        privileged = "privileged" in signals(route, inventory)
        named = _PRIVILEGED_NAMES.search(names_of(route))
        if not privileged and not named:
            return
        guards = sorted({g.name for g in route.guards if g.kind is GuardKind.AUTHENTICATION})
        why = (
            "deletes users or changes roles or permissions"
            if privileged
            else f"is privileged by its name ('{named.group(0).strip('/_-.{}<>') if named else ''}')"
        )
        yield self.finding(
            route,
            f"{describe(route)} {why} but is guarded only by authentication "
            f"({', '.join(guards)}): any signed-in user can call it",
            severity=Severity.ERROR if privileged else Severity.WARNING,
            confidence=Confidence.HIGH if privileged else Confidence.MEDIUM,
            fix=_FIX.get(route.framework, "Check the caller's role or permission and answer 403."),
        )

    VALID = (
        Valid(
            label="FastAPI: the admin router depends on require_admin, defined in another module",
            files={
                "app/deps.py": """
                    from fastapi import Depends, HTTPException

                    def get_current_user(token: str = Depends(oauth2_scheme)):
                        payload = decode_access_token(token)
                        if payload is None:
                            raise HTTPException(status_code=401)
                        return load_user(payload["sub"])

                    def require_admin(user=Depends(get_current_user)):
                        if not user.is_admin:
                            raise HTTPException(status_code=403, detail="Admins only")
                        return user
                """,
                "app/admin.py": """
                    from fastapi import APIRouter, Depends
                    from app.deps import require_admin

                    router = APIRouter(prefix="/admin", dependencies=[Depends(require_admin)])

                    @router.delete("/users/{user_id}")
                    def delete_user(user_id: int, db=Depends(get_db)):
                        db.delete(db.get(User, user_id))
                        db.commit()
                """,
            },
        ),
        Valid(
            label="Flask: a project decorator factory that aborts with 403",
            files={
                "app/auth.py": """
                    from functools import wraps
                    from flask import abort
                    from flask_login import current_user

                    def role_required(role):
                        def decorator(view):
                            @wraps(view)
                            def wrapper(*args, **kwargs):
                                if current_user.role != role:
                                    abort(403)
                                return view(*args, **kwargs)
                            return wrapper
                        return decorator
                """,
                "app/admin.py": """
                    from flask import Blueprint
                    from flask_login import login_required
                    from app.auth import role_required

                    bp = Blueprint("admin", __name__, url_prefix="/admin")

                    @bp.post("/users/<int:user_id>/promote")
                    @login_required
                    @role_required("admin")
                    def promote(user_id):
                        user = User.query.get_or_404(user_id)
                        user.role = "admin"
                        db.session.commit()
                """,
            },
        ),
        Valid(
            label="Django: staff_member_required; DRF: IsAdminUser",
            files={
                "ops/urls.py": """
                    from django.urls import path
                    from ops import views

                    urlpatterns = [
                        path("internal/stats/", views.internal_stats),
                        path("admin-api/users/<int:pk>/", views.UserAdminDetail.as_view()),
                    ]
                """,
                "ops/views.py": """
                    from django.contrib.admin.views.decorators import staff_member_required
                    from rest_framework import generics
                    from rest_framework.permissions import IsAdminUser

                    @staff_member_required
                    def internal_stats(request):
                        return JsonResponse(collect_stats())

                    class UserAdminDetail(generics.RetrieveUpdateDestroyAPIView):
                        permission_classes = [IsAdminUser]
                        queryset = User.objects.all()
                """,
            },
        ),
        Valid(
            label="A user deleting their own account is not privileged",
            files={
                "app/account.py": """
                    from flask import Flask
                    from flask_login import current_user, login_required

                    app = Flask(__name__)

                    @app.post("/account/delete")
                    @login_required
                    def delete_account():
                        db.session.delete(current_user)
                        db.session.commit()
                """,
            },
        ),
    )
    INVALID = (
        Invalid(
            label="FastAPI: deleting any user needs only a valid token",
            files={
                "app/deps.py": """
                    from fastapi import Depends, HTTPException
                    from jose import jwt

                    def get_current_user(token: str = Depends(oauth2_scheme)):
                        try:
                            return jwt.decode(token, KEY, algorithms=["HS256"])
                        except Exception:
                            raise HTTPException(status_code=401)
                """,
                "app/users.py": """
                    from fastapi import APIRouter, Depends
                    from app.deps import get_current_user

                    router = APIRouter(prefix="/users")

                    @router.delete("/{user_id}")
                    def remove_user(user_id: int, me=Depends(get_current_user), db=Depends(get_db)):
                        target = db.get(User, user_id)
                        db.delete(target_user)
                        db.commit()
                """,
            },
            path="app/users.py",
            line=7,
            message="deletes users or changes roles",
        ),
        Invalid(
            label="Flask: an admin blueprint behind login_required only",
            files={
                "app/admin.py": """
                    from flask import Blueprint, jsonify
                    from flask_login import login_required

                    admin_bp = Blueprint("admin", __name__, url_prefix="/admin")

                    @admin_bp.get("/orders")
                    @login_required
                    def all_orders():
                        return jsonify([o.to_dict() for o in Order.query.all()])
                """,
            },
            path="app/admin.py",
            line=8,
        ),
        Invalid(
            label="DRF: IsAuthenticated on a view that sets the staff flag",
            files={
                "accounts/urls.py": """
                    from django.urls import path
                    from accounts.views import PromoteUser

                    urlpatterns = [path("users/<int:pk>/promote/", PromoteUser.as_view())]
                """,
                "accounts/views.py": """
                    from rest_framework.permissions import IsAuthenticated
                    from rest_framework.views import APIView

                    class PromoteUser(APIView):
                        permission_classes = [IsAuthenticated]

                        def post(self, request, pk):
                            user = User.objects.get(pk=pk)
                            user.is_staff = True
                            user.save()
                            return Response(status=204)
                """,
            },
            path="accounts/views.py",
            line=4,
        ),
    )
