"""Shared by the access-control rules: the route inventory, which routes are public by
design, and how to word a fix for each framework."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from fnmatch import fnmatchcase

from archguard.core.findings import Finding, Location
from archguard.core.levels import Confidence, Severity
from archguard.core.routes import GuardKind, Route
from archguard.graph.project import Project
from archguard.rules.project_rule import ProjectRule
from archguard.web.routes import RouteInventory, route_inventory

_SEGMENT = r"(?:^|[/_\-.{<\s])(?:{words})(?=$|[/_\-.}>\s])"


def words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(_SEGMENT.replace("{words}", "|".join(alternatives)), re.IGNORECASE)


#: Routes that anyone may call on purpose.
PUBLIC_BY_DESIGN = words(
    "login",
    "logout",
    "log-?in",
    "sign-?in",
    "sign-?up",
    "signup",
    "register",
    "registration",
    "token",
    "refresh",
    "password-?reset",
    "reset-?password",
    "forgot(?:-?password)?",
    "recover(?:y)?",
    "recover-?password",
    "verify",
    "verify-?email",
    "verification",
    "confirm(?:ation)?",
    "confirm-?email",
    "activate",
    "activation",
    # A first-run installer answers anyone until the application is set up.
    "setup",
    "install",
    "unsubscribe",
    "csrf(?:-?token)?",
    "metrics",
    "health",
    "healthz",
    "healthcheck",
    "ready",
    "readyz",
    "readiness",
    "live",
    "livez",
    "liveness",
    "ping",
    "version",
    "docs",
    "openapi(?:\\.json)?",
    "redoc",
    "swagger",
    "static",
    "favicon(?:\\.ico)?",
    "robots(?:\\.txt)?",
    "share",
    "shared",
    "public",
    "callback",
    "oauth2?",
    "sso",
    "saml",
    "oidc",
    "\\.well-known",
    "contact",
    "feedback",
    "subscribe",
    "newsletter",
)
WEBHOOK = words("webhook", "hook", "stripe-?events?", "github-?events?")
#: Paths and handler names that point at data only its owner or staff should see.
PRIVATE_DATA = words(
    "users?",
    "accounts?",
    "me",
    "profile",
    "orders?",
    "invoices?",
    "payments?",
    "billing",
    "admin",
    "internal",
    "dashboard",
    "reports?",
    "exports?",
    "customers?",
    "messages?",
    "inbox",
    "notifications?",
    "settings",
    "subscriptions?",
    "transactions?",
    "wallets?",
    "cards?",
    "secrets?",
    "keys?",
    "audit",
    "logs?",
    "employees?",
    "salar(?:y|ies)",
    "patients?",
    "private",
    "downloads?",
    "files?",
    "documents?",
    "members?",
    "teams?",
)


class RouteRule(ProjectRule):
    """A rule that looks at each route of the inventory."""

    def check(self, project: Project) -> Iterable[Finding]:
        inventory = route_inventory(project)
        for route in inventory.routes:
            yield from self.route(route, inventory, project)

    def route(self, route: Route, inventory: RouteInventory, project: Project) -> Iterator[Finding]:
        raise NotImplementedError

    # -- helpers --------------------------------------------------------------------

    def finding(
        self,
        route: Route,
        message: str,
        *,
        severity: Severity | None = None,
        confidence: Confidence | None = None,
        fix: str = "",
        location: Location | None = None,
        related: tuple[Location, ...] = (),
        key: str = "",
    ) -> Finding:
        return self.report(
            location or route.location,
            message,
            key=key or f"{route.label} {route.handler}",
            severity=severity,
            confidence=confidence,
            related=related or route.scopes,
            fix=fix,
        )


def handler_name(route: Route) -> str:
    parts = route.handler.split(".")
    if route.view_class:
        cls = route.view_class.rsplit(".", 1)[-1]
        return ".".join(parts[parts.index(cls) :]) if cls in parts else cls
    return parts[-1]


def describe(route: Route) -> str:
    return f"{route.label} ({handler_name(route)})"


#: Module names that say where handlers live, not what they serve.
_PLUMBING = frozenset(
    {"views", "view", "routes", "routers", "router", "api", "endpoints", "handlers", "urls",
     "resources", "controllers", "blueprints", "app", "main", "__init__"}
)  # fmt: skip


def names_of(route: Route) -> str:
    """The path and handler names, where intent shows (``/admin/users``, ``delete_user``),
    with the module the handler sits in (``admin/audiences``) but not the packages above
    it: a Django app called ``documents`` or ``users`` holds every kind of view."""
    module = route.handler.removesuffix("." + handler_name(route)).rsplit(".", 1)[-1]
    own = "" if module in _PLUMBING else module
    return f"{route.path} {own} {handler_name(route).replace('.', '/')}"


def public_by_design(route: Route, project: Project) -> bool:
    globs = project.settings.public_routes
    if any(fnmatchcase(route.path, g) for g in globs):
        return True
    if route.path.rstrip("/") == "" and route.methods == ("GET",):
        return True
    return bool(PUBLIC_BY_DESIGN.search(route.path) or PUBLIC_BY_DESIGN.search(handler_name(route)))


def usual_guard(inventory: RouteInventory, framework: str) -> str | None:
    """The authentication guard the project uses most on this framework's routes."""
    counts: Counter[str] = Counter()
    for route in inventory.routes:
        if route.framework == framework:
            for guard in route.guards:
                if (
                    guard.kind in (GuardKind.AUTHENTICATION, GuardKind.AUTHORIZATION)
                    and guard.origin != "body"
                ):
                    counts[guard.name] += 1
    return counts.most_common(1)[0][0] if counts else None


def signals(route: Route, inventory: RouteInventory) -> frozenset[str]:
    out: set[str] = set()
    for name in route.functions:
        info = inventory.function(name)
        if info is not None:
            out |= info.signals
    return frozenset(out)


_AUTH_FIX = {
    "fastapi": "add a dependency that authenticates, e.g. `current_user: User = Depends(get_current_user)`, "
    "or `dependencies=[Depends(get_current_user)]` on the APIRouter or include_router",
    "flask": "decorate the view with `@login_required` (Flask-Login) or `@jwt_required()`, or check "
    "the user in a `before_request` hook on the blueprint",
    "django": "decorate the view with `@login_required` (or add LoginRequiredMixin to the class), or "
    "enable `LoginRequiredMiddleware`",
    "drf": "set `permission_classes = [IsAuthenticated]` on the view, or "
    "`DEFAULT_PERMISSION_CLASSES` in REST_FRAMEWORK settings",
    "aiohttp": "check the user in a middleware or in the handler before touching data",
}


def auth_fix(route: Route, inventory: RouteInventory) -> str:
    usual = usual_guard(inventory, route.framework)
    base = _AUTH_FIX.get(route.framework, "require an authenticated user")
    if usual:
        return f"Use the guard the other routes use ({usual}); otherwise {base}."
    return base[0].upper() + base[1:] + "."
