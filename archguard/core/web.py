"""Per-module facts about web code: route declarations, routers, guards, views.

They are extracted file by file (and cached with the other module facts); the repo
pass joins them into a route inventory. Names are qualified (``app.api.deps.get_user``)
so that a guard defined in one module is recognised where another module uses it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Ref:
    """A reference to something that may guard a route: a decorator, a ``Depends()``
    target, a permission or throttle class, a mixin, an annotation alias."""

    #: Qualified name of what is referenced ("" when it cannot be named statically).
    target: str
    line: int
    #: decorator | dependency | annotation | permission | authentication | throttle |
    #: base | wrapper | middleware
    how: str
    #: String literals passed to it (permission names, roles, scopes, rates).
    args: tuple[str, ...] = ()
    #: The reference was called (``@require_role("admin")``, ``Depends(Checker())``).
    called: bool = False


@dataclass(frozen=True, order=True)
class Lookup:
    """An object fetched by an identifier that comes from the request."""

    line: int
    #: The identifier's variable name (a path or query parameter, or a request field).
    identifier: str
    #: The lookup itself is constrained by the current user or tenant.
    scoped: bool


@dataclass(frozen=True)
class FunctionInfo:
    """A function or method, with what its body does that matters for access control.

    ``signals`` is a set of words:
    ``authn`` rejects callers without valid credentials (401, token checks);
    ``role`` checks a role, staff flag, permission or scope and refuses (403);
    ``owner`` compares an object's owner with the current user;
    ``perm`` calls an object-permission check;
    ``user`` reads the current user;
    ``db-read`` / ``db-write`` touch the database;
    ``privileged`` deletes users or changes roles and permissions;
    ``signature`` verifies a request signature (webhooks);
    ``credentials`` checks a password (a login, not a guard);
    ``token`` decodes or verifies a token;
    ``deny``, ``auth-attr``, ``role-attr`` are the raw evidence (the body refuses
    somewhere, reads ``is_authenticated``, reads a role attribute) that permission
    classes need, since they refuse by returning False;
    ``session`` reads the login session (Flask's ``session``, Django's
    ``request.session``); ``login-redirect`` sends the caller to a login page;
    ``throttle`` answers 429 (a limiter written in the project); ``lockout`` names an
    account lockout after failed attempts; ``token-input`` takes a mailed token or key
    back from the request (the second step of a reset link).
    """

    #: ``func`` or ``Class.method`` within its module.
    name: str
    line: int
    params: tuple[str, ...] = ()
    decorators: tuple[Ref, ...] = ()
    dependencies: tuple[Ref, ...] = ()
    signals: frozenset[str] = frozenset()
    lookups: tuple[Lookup, ...] = ()
    #: Functions called as statements of their own (``verify_jwt_in_request()``,
    #: ``require_admin(user)``, how ``call``), and predicates called in a condition
    #: (``if not is_admin(): abort(403)``, how ``test``): where guards hide in a body.
    calls: tuple[Ref, ...] = ()
    #: Functions the function returns by name (a dependency factory such as
    #: ``get_current_user_authorizer()`` returning ``_get_current_user``).
    returns: tuple[Ref, ...] = ()


@dataclass(frozen=True, order=True)
class Action:
    """A DRF ``@action`` on a view set."""

    method_name: str
    http_methods: tuple[str, ...]
    detail: bool
    url_path: str
    line: int


@dataclass(frozen=True)
class ClassInfo:
    name: str
    line: int
    bases: tuple[str, ...] = ()
    decorators: tuple[Ref, ...] = ()
    #: permission_classes, authentication_classes, throttle_classes, decorators,
    #: method_decorators and mixin-style settings, flattened into refs.
    guards: tuple[Ref, ...] = ()
    #: Names of the attributes that were set on the class (``permission_classes``
    #: set to ``[]`` still overrides the default).
    assigned: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True, order=True)
class RouterDecl:
    """An app, router or blueprint object: ``router = APIRouter(prefix="/items")``."""

    #: Qualified name of the variable holding it.
    name: str
    #: fastapi-app | fastapi-router | flask-app | flask-blueprint | flask-api |
    #: aiohttp-app | aiohttp-routes | drf-router
    kind: str
    line: int
    prefix: str = ""
    refs: tuple[Ref, ...] = ()


@dataclass(frozen=True, order=True)
class Mount:
    """``parent.include_router(child, prefix=...)`` and its kin."""

    parent: str
    child: str
    prefix: str
    line: int
    refs: tuple[Ref, ...] = ()


@dataclass(frozen=True, order=True)
class RouteDecl:
    """A route declared on a router object (decorator or ``add_url_rule`` call)."""

    #: Qualified name of the router, app or blueprint variable.
    owner: str
    path: str
    #: Empty means "the handler's methods" (class views) or the framework default.
    methods: tuple[str, ...]
    #: Qualified name of the handler function or view class.
    handler: str
    line: int
    refs: tuple[Ref, ...] = ()


@dataclass(frozen=True, order=True)
class Hook:
    """Code that runs before every request of an app or blueprint."""

    owner: str
    #: Qualified function, or ``<class>.dispatch`` for middleware classes.
    function: str
    line: int
    #: ``before_app_request``: applies to the whole app, not only the blueprint.
    app_wide: bool = False


@dataclass(frozen=True, order=True)
class UrlPattern:
    """One Django ``path()`` / ``re_path()`` entry."""

    path: str
    line: int
    #: Qualified view function or class ("" for includes).
    view: str = ""
    #: ``include("app.urls")`` module, or ``router:<qualified router>``.
    include: str = ""
    #: Wrappers such as ``login_required(view)``.
    refs: tuple[Ref, ...] = ()


@dataclass(frozen=True, order=True)
class Registration:
    """A DRF ``router.register(prefix, ViewSet)``."""

    router: str
    prefix: str
    viewset: str
    line: int


@dataclass(frozen=True, order=True)
class Variable:
    """A module-level object made by a call (``limiter = Limiter(...)``) or an
    ``Annotated[...]`` dependency alias; ``refs`` are the dependencies it carries."""

    name: str
    line: int
    constructor: str = ""
    args: tuple[str, ...] = ()
    refs: tuple[Ref, ...] = ()
    #: Keyword names passed to the constructor (``default_limits`` matters).
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True, order=True)
class SettingValue:
    """A settings value that changes how the service runs: access control
    (``MIDDLEWARE``, ``REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]``, ``ROOT_URLCONF``)
    or logging (``LOGGING``: a Django setting, or a call such as ``logging.basicConfig``
    or ``dictConfig``, whose qualified name is the value)."""

    name: str
    values: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class WebFacts:
    functions: tuple[FunctionInfo, ...] = ()
    classes: tuple[ClassInfo, ...] = ()
    routers: tuple[RouterDecl, ...] = ()
    mounts: tuple[Mount, ...] = ()
    routes: tuple[RouteDecl, ...] = ()
    hooks: tuple[Hook, ...] = ()
    urlpatterns: tuple[UrlPattern, ...] = ()
    registrations: tuple[Registration, ...] = ()
    variables: tuple[Variable, ...] = ()
    settings: tuple[SettingValue, ...] = ()
    #: Frameworks the module imports (fastapi, flask, django, rest_framework, aiohttp).
    frameworks: tuple[str, ...] = ()
