"""What a decorator, dependency, permission class or hook guards against.

Library guards are known by qualified name. Guards written in the project are judged
by their definitions, followed across modules: a dependency that itself depends on
``get_current_user`` authenticates, a decorator factory whose wrapper refuses with 403
authorizes, a DRF permission class whose ``has_permission`` reads ``is_staff``
authorizes.
"""

from __future__ import annotations

import re

from archguard.core.routes import GuardKind
from archguard.core.web import Ref
from archguard.web.index import WebIndex

AUTHN = frozenset({GuardKind.AUTHENTICATION})
AUTHZ = frozenset({GuardKind.AUTHENTICATION, GuardKind.AUTHORIZATION})
LIMIT = frozenset({GuardKind.RATE_LIMIT})
PUBLIC = frozenset({GuardKind.PUBLIC})
UNRESOLVED = frozenset({GuardKind.UNRESOLVED})
NONE: frozenset[GuardKind] = frozenset()

KNOWN: dict[str, frozenset[GuardKind]] = {
    # Flask and its extensions
    "flask_login.login_required": AUTHN,
    "flask_login.utils.login_required": AUTHN,
    "flask_login.fresh_login_required": AUTHN,
    "flask_jwt_extended.jwt_required": AUTHN,
    "flask_jwt_extended.verify_jwt_in_request": AUTHN,
    "flask_jwt_extended.view_decorators.jwt_required": AUTHN,
    "flask_security.login_required": AUTHN,
    "flask_security.auth_required": AUTHN,
    "flask_security.http_auth_required": AUTHN,
    "flask_security.auth_token_required": AUTHN,
    "flask_security.decorators.auth_required": AUTHN,
    "flask_security.roles_required": AUTHZ,
    "flask_security.roles_accepted": AUTHZ,
    "flask_security.permissions_required": AUTHZ,
    "flask_security.permissions_accepted": AUTHZ,
    "flask_security.decorators.roles_required": AUTHZ,
    "flask_httpauth.HTTPBasicAuth.login_required": AUTHN,
    "flask_httpauth.HTTPTokenAuth.login_required": AUTHN,
    "flask_httpauth.HTTPDigestAuth.login_required": AUTHN,
    "flask_httpauth.MultiAuth.login_required": AUTHN,
    "flask_limiter.Limiter.limit": LIMIT,
    "flask_limiter.Limiter.shared_limit": LIMIT,
    # Django and DRF
    "django.contrib.auth.decorators.login_required": AUTHN,
    "django.contrib.auth.decorators.permission_required": AUTHZ,
    "django.contrib.auth.decorators.user_passes_test": AUTHZ,
    "django.contrib.auth.decorators.login_not_required": PUBLIC,
    "django.contrib.admin.views.decorators.staff_member_required": AUTHZ,
    "django.contrib.auth.mixins.LoginRequiredMixin": AUTHN,
    "django.contrib.auth.mixins.PermissionRequiredMixin": AUTHZ,
    "django.contrib.auth.mixins.UserPassesTestMixin": AUTHZ,
    "rest_framework.permissions.IsAuthenticated": AUTHN,
    "rest_framework.permissions.IsAuthenticatedOrReadOnly": AUTHN,
    "rest_framework.permissions.IsAdminUser": AUTHZ,
    "rest_framework.permissions.DjangoModelPermissions": AUTHZ,
    "rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly": AUTHZ,
    "rest_framework.permissions.DjangoObjectPermissions": AUTHZ,
    "rest_framework.permissions.AllowAny": PUBLIC,
    # Bases to build guards on: neutral by themselves.
    "rest_framework.permissions.BasePermission": NONE,
    "rest_framework.permissions.BasePermissionMetaclass": NONE,
    "django.contrib.auth.mixins.AccessMixin": NONE,
    "django_ratelimit.decorators.ratelimit": LIMIT,
    "ratelimit.decorators.ratelimit": LIMIT,
    "axes.decorators.axes_dispatch": LIMIT,
    # FastAPI and Starlette
    "fastapi.security.OAuth2PasswordRequestForm": NONE,
    "fastapi.security.OAuth2PasswordRequestFormStrict": NONE,
    "fastapi.security.HTTPBasicCredentials": NONE,
    "fastapi.security.HTTPAuthorizationCredentials": NONE,
    "fastapi.security.SecurityScopes": NONE,
    "fastapi.security.OAuth2PasswordBearer": AUTHN,
    "fastapi.security.OAuth2AuthorizationCodeBearer": AUTHN,
    "fastapi.security.HTTPBearer": AUTHN,
    "fastapi.security.HTTPBasic": AUTHN,
    "fastapi.security.HTTPDigest": AUTHN,
    "fastapi.security.APIKeyHeader": AUTHN,
    "fastapi.security.APIKeyQuery": AUTHN,
    "fastapi.security.APIKeyCookie": AUTHN,
    "fastapi.security.OpenIdConnect": AUTHN,
    "fastapi.security.oauth2.OAuth2PasswordBearer": AUTHN,
    "fastapi.security.http.HTTPBearer": AUTHN,
    "fastapi.security.api_key.APIKeyHeader": AUTHN,
    "fastapi_users.FastAPIUsers.current_user": AUTHN,
    "fastapi_limiter.depends.RateLimiter": LIMIT,
    "slowapi.Limiter.limit": LIMIT,
    "slowapi.middleware.SlowAPIMiddleware": LIMIT,
    "slowapi.middleware.SlowAPIASGIMiddleware": LIMIT,
    "slowapi.Limiter.shared_limit": LIMIT,
    "starlette.authentication.requires": AUTHN,
}
_PREFIXES = (("rest_framework.throttling.", LIMIT),)
_PERMISSION_BASES = frozenset(
    {
        "rest_framework.permissions.BasePermission",
        "rest_framework.permissions.BasePermissionMetaclass",
    }
)
_GUARD_METHODS = (
    "has_permission",
    "has_object_permission",
    "__call__",
    "dispatch",
    "process_request",
    "process_view",
    "test_func",
    "authenticate",
    "__init__",
)
#: Predicates known by name when their definition is out of sight: what a condition that
#: calls them checks (``if not current_user.has_role("admin"): abort(403)``).
_AUTHZ_PREDICATE = re.compile(
    r"(?i)^(is_(admin|staff|superuser|moderator|owner|manager)|has_(role|roles|perm|perms|"
    r"permission|permissions|scope|access)|can_\w+|check_(permission|permissions|access|role)|"
    r"user_can|authorize\w*)$"
)
_AUTHN_PREDICATE = re.compile(
    r"(?i)^(authed|is_authenticated|is_logged_in|logged_in|is_authed|current_user|"
    r"get_current_user|get_jwt_identity|verify_(token|jwt|session|api_key)\w*|"
    r"check_(token|auth|login|api_key|session)\w*|validate_(token|session|api_key)\w*|"
    r"authenticate_request|require_login)$"
)
_GUARDISH = re.compile(
    r"(?i)auth|login|token|permission|role|admin|staff|jwt|require|protect|guard|secur|"
    r"current_user|scope|limit|throttle"
)


class GuardResolver:
    def __init__(self, index: WebIndex) -> None:
        self.index = index
        self._memo: dict[str, frozenset[GuardKind]] = {}
        self._active: set[str] = set()

    def kinds(self, ref: Ref) -> frozenset[GuardKind]:
        if not ref.target:
            return NONE
        if ref.target.startswith("attribute:"):
            return AUTHZ  # permission_required = "app.change_thing" on a view class
        found = self.of(ref.target, annotation=ref.how == "annotation")
        if ref.called:
            # ``Depends(get_current_user_authorizer())``: the factory's product guards.
            found |= self.products(ref.target)
        if any(a.startswith("scope:") for a in ref.args):
            found = found | AUTHZ
        if (
            ref.target.endswith(".current_user")
            and GuardKind.AUTHENTICATION in found
            and ("superuser" in ref.args)
        ):
            found = found | AUTHZ
        return found

    def of(self, name: str, annotation: bool = False) -> frozenset[GuardKind]:
        name = self.index.canonical(name)
        key = f"{annotation}:{name}"
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            return NONE
        self._active.add(key)
        try:
            result = self._resolve(name, annotation)
        finally:
            self._active.discard(key)
        self._memo[key] = result
        return result

    def _resolve(self, name: str, annotation: bool) -> frozenset[GuardKind]:
        index = self.index
        variable = index.variables.get(name)
        # A parameter annotation guards only through an ``Annotated`` alias.
        if annotation and (variable is None or not variable[1].refs):
            return NONE
        if name in KNOWN:
            return KNOWN[name]
        for prefix, kinds in _PREFIXES:
            if name.startswith(prefix):
                return kinds
        if variable is not None:
            _, var = variable
            found: frozenset[GuardKind] = NONE
            for ref in var.refs:
                found |= self.kinds(ref)
            if var.constructor and var.constructor != "typing.Annotated":
                constructed = self.of(var.constructor)
                found |= constructed
                if var.constructor.endswith(".current_user") and "superuser" in var.keywords:
                    found |= AUTHZ
            return found
        function = index.functions.get(name)
        if function is not None:
            return self.function(name)
        klass = index.classes.get(name)
        if klass is not None:
            return self.klass(name)
        head, _, attr = name.rpartition(".")
        owner = index.variables.get(head)
        if owner is not None and owner[1].constructor:
            # ``auth.login_required`` where ``auth = HTTPBasicAuth()``.
            return self.of(f"{owner[1].constructor}.{attr}")
        if head in index.classes:
            # ``Checker.method`` or an attribute of a class.
            return self.of(head)
        if self._first_party(name):
            return NONE
        return UNRESOLVED if _GUARDISH.search(name.rsplit(".", 1)[-1]) else NONE

    def _first_party(self, name: str) -> bool:
        parts = name.split(".")
        return any(".".join(parts[:i]) in self.index.paths for i in range(len(parts), 0, -1))

    def function(self, name: str) -> frozenset[GuardKind]:
        _, info = self.index.functions[name]
        found: frozenset[GuardKind] = NONE
        if "authn" in info.signals:
            found |= AUTHN
        if "role" in info.signals or ("owner" in info.signals and "deny" in info.signals):
            found |= AUTHZ
        if "throttle" in info.signals:
            found |= LIMIT  # a limiter written in the project answers 429
        for ref in (*info.dependencies, *info.decorators):
            found |= self.kinds(ref) - PUBLIC
        found |= self.calls(name)
        return found - UNRESOLVED if found - UNRESOLVED else found

    def calls(self, name: str) -> frozenset[GuardKind]:
        """What the guards a function calls in its body check: only resolved ones,
        since calling something named ``login_user`` proves nothing. A predicate in a
        condition counts when the body refuses somewhere (``abort(403)``, a 401, a
        redirect to the login page): ``if is_admin(): return f() ... abort(403)``."""
        _, info = self.index.functions[name]
        found: frozenset[GuardKind] = NONE
        refuses = "deny" in info.signals
        for ref in info.calls:
            if ref.how == "test":
                if refuses:
                    found |= self.predicate(ref.target)
            else:
                found |= self.kinds(ref) & AUTHZ
        return found

    def products(self, name: str) -> frozenset[GuardKind]:
        """What the functions a factory returns guard (a FastAPI dependency factory)."""
        entry = self.index.functions.get(self.index.canonical(name))
        if entry is None:
            return NONE
        found: frozenset[GuardKind] = NONE
        for ref in entry[1].returns:
            found |= self.of(ref.target) - PUBLIC - UNRESOLVED
        return found

    def predicate(self, name: str) -> frozenset[GuardKind]:
        """What a predicate called in a condition checks: a project function by what its
        body reads (the session or the current user: who the caller is; a role
        attribute or a role value: what they may do), following the predicates it calls
        itself; anything else by its name."""
        name = self.index.canonical(name)
        key = f"predicate:{name}"
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            return NONE
        self._active.add(key)
        try:
            result = self._predicate(name)
        finally:
            self._active.discard(key)
        self._memo[key] = result
        return result

    def _predicate(self, name: str) -> frozenset[GuardKind]:
        entry = self.index.functions.get(name)
        last = name.rsplit(".", 1)[-1]
        if entry is None:
            if name in KNOWN:
                return KNOWN[name] & AUTHZ
            if _AUTHZ_PREDICATE.match(last):
                return AUTHZ
            return AUTHN if _AUTHN_PREDICATE.match(last) else NONE
        info = entry[1]
        found: frozenset[GuardKind] = NONE
        if info.signals & {"role-attr", "role", "perm"}:
            found |= AUTHZ
        if info.signals & {"user", "session", "auth-attr", "token", "authn"}:
            found |= AUTHN
        for ref in info.calls:
            found |= self.predicate(ref.target)
        if not found and _AUTHZ_PREDICATE.match(last):
            found = AUTHZ if info.signals else NONE
        return found

    def klass(self, name: str) -> frozenset[GuardKind]:
        _, info = self.index.classes[name]
        found: frozenset[GuardKind] = NONE
        is_permission = False
        for base in info.bases:
            canonical = self.index.canonical(base)
            if canonical in _PERMISSION_BASES:
                is_permission = True
            found |= self.of(canonical) - PUBLIC
        for ref in info.decorators:
            found |= self.kinds(ref)
        module = name.rpartition(".")[0]
        for method in _GUARD_METHODS:
            key = f"{module}.{info.name}.{method}"
            entry = self.index.functions.get(key)
            if entry is None:
                continue
            signals = entry[1].signals
            if is_permission or method == "test_func":
                # Returning False refuses: reading the user is the check itself.
                if signals & {"role", "role-attr", "owner", "perm"}:
                    found |= AUTHZ
                elif signals & {"authn", "auth-attr", "user"}:
                    found |= AUTHN
            found |= self.function(key)
        return found
