"""The route inventory: every HTTP route of the project with the guards that apply."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from archguard.core.findings import Location


class GuardKind(str, Enum):
    AUTHENTICATION = "authentication"
    #: A role, permission, scope or ownership check (implies authentication).
    AUTHORIZATION = "authorization"
    RATE_LIMIT = "rate-limit"
    #: Declared public on purpose (``AllowAny``, ``login_not_required``).
    PUBLIC = "public"
    #: Looks like a guard (by its name) but its definition is out of sight, so the
    #: rules stay silent rather than guess.
    UNRESOLVED = "unresolved"


@dataclass(frozen=True, order=True)
class Guard:
    kind: GuardKind
    #: What guards: ``Depends(get_current_user)``, ``login_required``, ``IsAuthenticated``.
    name: str
    #: Where it applies from: route | handler | body | view | router | include | app |
    #: hook | settings
    origin: str
    location: Location


@dataclass(frozen=True, order=True)
class Route:
    #: fastapi | flask | django | drf | aiohttp
    framework: str
    #: Upper-case HTTP methods; ``ANY`` when the view accepts every method.
    methods: tuple[str, ...]
    path: str
    #: Qualified name of the handler (function, ``Class.method`` or view class).
    handler: str
    #: Where the handler is defined.
    location: Location
    #: Where the route is declared (decorator, URL pattern, ``add_url_rule``).
    declared: Location
    guards: tuple[Guard, ...] = ()
    #: Routers, apps and settings the route hangs from: where a missing guard belongs.
    scopes: tuple[Location, ...] = ()
    #: Qualified names of the functions that run for it (handler, class methods).
    functions: tuple[str, ...] = ()
    #: The route acts on one object named by the URL (a DRF detail route).
    detail: bool = False
    #: For class-based views: the view class.
    view_class: str = ""

    def has(self, *kinds: GuardKind) -> bool:
        return any(g.kind in kinds for g in self.guards)

    @property
    def label(self) -> str:
        return f"{'|'.join(self.methods)} {self.path}"

    @property
    def writes(self) -> bool:
        return any(m in ("POST", "PUT", "PATCH", "DELETE", "ANY") for m in self.methods)
