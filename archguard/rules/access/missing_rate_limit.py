"""AG204 missing-rate-limit."""

from __future__ import annotations

import re
from collections.abc import Iterator

from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.routes import GuardKind, Route
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.project import Project
from archguard.rules.access._route_rule import (
    RouteRule,
    describe,
    handler_name,
    signals,
    words,
)
from archguard.web.routes import RouteInventory

#: Endpoints that take a secret an attacker can guess.
_CREDENTIALS = words(
    "login",
    "log-?in",
    "sign-?in",
    "signin",
    "token",
    "otp",
    "2fa",
    "mfa",
    "totp",
    "two-?factor",
    "verify-?(?:otp|code|2fa|mfa|totp)",
    "authenticate",
    "magic-?link",
)
#: Endpoints that create accounts or send mail: abused for spam and enumeration.
_ACCOUNTS = words(
    "register",
    "registration",
    "sign-?up",
    "signup",
    "password",
    "password-?reset",
    "reset-?password",
    "forgot(?:-?password)?",
)
#: Codes checked after the password: guessable even behind a first-factor guard.
_SECOND_FACTOR = words(
    "otp", "2fa", "mfa", "totp", "two-?factor", "verify-?(?:otp|code|2fa|mfa|totp)"
)
_NOT_AUTH = words("logout", "log-?out", "sign-?out", "signout")
#: Steps that need a valid token or key already (a reset link's second step, revoking or
#: refreshing a token) and pages that only say what happened: nothing to guess there.
_NOTHING_TO_GUESS = words(
    "done", "complete", "cancelled", "canceled", "error", "sent",
    "from-?key", "revoke", "refresh", "introspect", "cancel",
)  # fmt: skip
_TOKEN_IN_PATH = re.compile(
    r"(?i)[{<](?:\w+:)?(?:token|key|uid\w*)[}>]|\(\?P<(?:token|key|uid\w*)>"
)
#: Libraries whose views limit attempts themselves (django-allauth's rate limits are on
#: by default since 0.47).
_SELF_LIMITING = ("allauth.",)
#: With a second factor behind a first-factor guard, only the step that checks a code is
#: guessed; enrolling or listing one's own devices is not.
_CODE_CHECK = words("verify", "authenticate", "login", "challenge", "validate", "confirm")
_LIMITERS = frozenset(
    {"slowapi.Limiter", "flask_limiter.Limiter", "flask_limiter.extension.Limiter"}
)
_FIX = {
    "fastapi": "Limit attempts per client and per account, e.g. slowapi's "
    '`@limiter.limit("5/minute")` or fastapi-limiter\'s '
    "`dependencies=[Depends(RateLimiter(times=5, seconds=60))]`.",
    "flask": "Limit attempts per client and per account, e.g. Flask-Limiter's "
    '`@limiter.limit("5 per minute")` on the view or blueprint.',
    "django": 'Use django-ratelimit\'s `@ratelimit(key="ip", rate="5/m")` or django-axes, which '
    "locks out repeated failed logins.",
    "drf": "Set `throttle_classes` on the view (e.g. a ScopedRateThrottle with a low rate), or "
    "`DEFAULT_THROTTLE_CLASSES` / `DEFAULT_THROTTLE_RATES` in REST_FRAMEWORK.",
}


class MissingRateLimit(RouteRule):
    """
    ## What it does
    Finds endpoints that accept credentials or one-time codes (login, token, OTP and
    2FA verification) or that create accounts and send reset mail (register, password
    reset) with no rate limiting at any level: not on the route (`@limiter.limit`,
    `RateLimiter` dependency, `@ratelimit`, DRF `throttle_classes`), not on the
    router or blueprint, and not app-wide (a Flask-Limiter or slowapi `Limiter` with
    `default_limits`, `SlowAPIMiddleware`, DRF `DEFAULT_THROTTLE_CLASSES`, django-axes).
    Only routes that accept a submission (POST, PUT, PATCH) are considered; logout is
    not, and neither are routes behind an authentication guard, except second-factor
    (OTP, 2FA) checks, which are guessed after the password.

    ## Why is this bad?
    Without a limit, an attacker tries passwords from a leaked list against every
    account (credential stuffing), or all one million six-digit OTP codes in minutes.
    Registration and reset endpoints without limits send mail on an attacker's
    behalf and reveal which addresses have accounts.

    ## Example
    ```python
    @router.post("/auth/login")
    def login(form: OAuth2PasswordRequestForm = Depends()):
        ...
    ```

    ## Use instead
    ```python
    @router.post("/auth/login")
    @limiter.limit("5/minute")
    def login(request: Request, form: OAuth2PasswordRequestForm = Depends()):
        ...
    ```

    ## References
    - [OWASP API Security Top 10 2023, API4: Unrestricted Resource Consumption](https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/)
    - [OWASP Authentication Cheat Sheet: protect against automated attacks](https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#protect-against-automated-attacks)
    - [CWE-307: Improper Restriction of Excessive Authentication Attempts](https://cwe.mitre.org/data/definitions/307.html)
    """

    meta = RuleMeta(
        id="AG204",
        name="missing-rate-limit",
        category=Category.MISSING_RATE_LIMIT,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="Login, token, OTP or sign-up endpoint has no rate limiting at any level.",
        cwe=(307, 770),
        tags=frozenset({"security", "access-control"}),
        security_severity=5.3,
    )

    def route(self, route: Route, inventory: RouteInventory, project: Project) -> Iterator[Finding]:
        if not route.writes or route.has(GuardKind.RATE_LIMIT):
            return
        names = f"{route.path} {handler_name(route)}"
        if _NOT_AUTH.search(names) or _NOTHING_TO_GUESS.search(names):
            return
        if _TOKEN_IN_PATH.search(route.path) or route.handler.startswith(_SELF_LIMITING):
            return
        credentials = _CREDENTIALS.search(names)
        if not credentials and not _ACCOUNTS.search(names):
            return
        does = signals(route, inventory)
        if does & {"throttle", "lockout"}:
            return  # limited or locked out in the handler itself
        if not credentials and "token-input" in does:
            return  # the second step of a reset link: it needs the mailed token
        if route.has(GuardKind.AUTHENTICATION, GuardKind.AUTHORIZATION) and not (
            _SECOND_FACTOR.search(names) and _CODE_CHECK.search(names)
        ):
            return  # already signed in (token test, password change): not a guessing target
        if any(
            g.kind is GuardKind.UNRESOLVED
            and ("limit" in g.name.lower() or "throttle" in g.name.lower())
            for g in route.guards
        ):
            return
        if _app_wide_limit(inventory, route.framework):
            return
        what, harm = (
            ("accepts credentials or codes", "passwords and codes can be guessed at full speed")
            if credentials
            else (
                "creates accounts or sends reset mail",
                "anyone can send mail in bulk through it and learn which addresses have accounts",
            )
        )
        yield self.finding(
            route,
            f"{describe(route)} {what} with no rate limit on the route, its router or the app: "
            f"{harm}",
            confidence=Confidence.HIGH if credentials else Confidence.MEDIUM,
            fix=_FIX.get(route.framework, "Rate-limit attempts per client and per account."),
        )

    VALID = (
        Valid(
            label="Flask: a limiter written in the project that answers 429",
            files={
                "ctf/utils/decorators.py": """
                    import functools
                    from flask import jsonify, request
                    from ctf.cache import cache

                    def ratelimit(method="POST", limit=50, interval=300):
                        def decorator(f):
                            @functools.wraps(f)
                            def limited(*args, **kwargs):
                                key = f"rl:{request.remote_addr}:{request.endpoint}"
                                current = cache.get(key) or 0
                                if request.method == method and current >= limit:
                                    resp = jsonify({"code": 429})
                                    resp.status_code = 429
                                    return resp
                                cache.set(key, current + 1, timeout=interval)
                                return f(*args, **kwargs)
                            return limited
                        return decorator
                """,
                "ctf/auth.py": """
                    from flask import Blueprint, request
                    from ctf.utils.decorators import ratelimit

                    auth = Blueprint("auth", __name__)

                    @auth.route("/login", methods=["POST", "GET"])
                    @ratelimit(method="POST", limit=10, interval=5)
                    def login():
                        return check_credentials(request.form["name"], request.form["password"])
                """,
            },
        ),
        Valid(
            label="FastAPI: the login locks accounts out after failed attempts",
            code="""
                from fastapi import APIRouter, Depends, HTTPException
                from app.auth import UserLockedOut, get_auth_provider

                router = APIRouter()

                @router.post("/auth/token")
                def get_token(data=Depends(), session=Depends(get_session)):
                    try:
                        return get_auth_provider(session, data).authenticate()
                    except UserLockedOut:
                        raise HTTPException(status_code=423, detail="locked")
            """,
        ),
        Valid(
            label="Reset links' second step (it needs the mailed token), pages that only say "
            "what happened, django-allauth's own views (they limit themselves), and enrolling "
            "a second factor when already signed in",
            files={
                "app/routes.py": """
                    from fastapi import APIRouter, Depends
                    from app.deps import current_user
                    router = APIRouter()

                    @router.post("/reset-password")
                    def reset_password(body: ResetPassword, db=Depends(get_db)):
                        return service.reset(body.token, body.password)

                    @router.post("/password/reset/{token}")
                    def reset_with_token(token: str, body: dict):
                        return service.reset(token, body["password"])

                    @router.post("/profile/totp")
                    def enable_totp(code: str, user=Depends(current_user)):
                        return user.enable_totp(code)
                """,
                "app/deps.py": """
                    from fastapi import HTTPException
                    def current_user(token: str):
                        user = find(token)
                        if user is None:
                            raise HTTPException(status_code=401)
                        return user
                """,
                "shop/urls.py": """
                    from allauth.account import views as allauth_views
                    from django.contrib.auth import views as auth_views
                    from django.urls import path

                    urlpatterns = [
                        path("accounts/login/", allauth_views.login),
                        path("accounts/signup/", allauth_views.signup),
                        path("accounts/password/reset/", allauth_views.password_reset),
                        path("password/reset/done/", auth_views.PasswordResetDoneView.as_view()),
                    ]
                """,
                "shop/settings.py": 'ROOT_URLCONF = "shop.urls"\n',
            },
        ),
        Valid(
            label="FastAPI: slowapi on the route, RateLimiter on the router",
            files={
                "app/limits.py": """
                    from slowapi import Limiter
                    from slowapi.util import get_remote_address

                    limiter = Limiter(key_func=get_remote_address)
                """,
                "app/auth.py": """
                    from fastapi import APIRouter, Depends, Request
                    from fastapi_limiter.depends import RateLimiter
                    from app.limits import limiter

                    router = APIRouter(prefix="/auth")
                    otp = APIRouter(prefix="/otp", dependencies=[Depends(RateLimiter(times=5, seconds=60))])

                    @router.post("/login")
                    @limiter.limit("5/minute")
                    def login(request: Request, form=Depends()):
                        return issue_token(form)

                    @otp.post("/verify")
                    def verify_otp(code: str):
                        return check(code)
                """,
            },
        ),
        Valid(
            label="Flask: an app-wide Flask-Limiter with default limits",
            files={
                "app/__init__.py": """
                    from flask import Flask
                    from flask_limiter import Limiter
                    from flask_limiter.util import get_remote_address

                    app = Flask(__name__)
                    limiter = Limiter(get_remote_address, app=app, default_limits=["200 per day", "20 per minute"])

                    @app.post("/login")
                    def login():
                        return do_login()

                    @app.post("/logout")
                    def logout():
                        return do_logout()
                """,
            },
        ),
        Valid(
            label="DRF: default throttles in settings; Django: django-ratelimit",
            files={
                "site/settings.py": """
                    REST_FRAMEWORK = {
                        "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
                        "DEFAULT_THROTTLE_RATES": {"anon": "10/minute"},
                    }
                """,
                "site/urls.py": """
                    from django.urls import path
                    from accounts import views

                    urlpatterns = [
                        path("api/token/", views.TokenView.as_view()),
                        path("login/", views.login_view),
                    ]
                """,
                "accounts/views.py": """
                    from django_ratelimit.decorators import ratelimit
                    from rest_framework.views import APIView

                    class TokenView(APIView):
                        def post(self, request):
                            return issue(request)

                    @ratelimit(key="ip", rate="5/m")
                    def login_view(request):
                        return do_login(request)
                """,
            },
        ),
        Valid(
            label="Signed-in users testing their token or changing their password",
            files={
                "app/login.py": """
                    from fastapi import APIRouter, Depends, HTTPException
                    from app.deps import get_current_user

                    router = APIRouter()

                    @router.post("/login/test-token")
                    def test_token(user=Depends(get_current_user)):
                        return user

                    @router.patch("/users/me/password")
                    def update_password(body: dict, user=Depends(get_current_user)):
                        return change_password(user, body)
                """,
                "app/deps.py": """
                    from fastapi import HTTPException

                    def get_current_user(token: str = Depends(scheme)):
                        claims = decode_token(token)
                        if claims is None:
                            raise HTTPException(status_code=401)
                        return claims
                """,
            },
        ),
    )
    INVALID = (
        Invalid(
            label="FastAPI: the token endpoint of an OAuth2 password flow",
            files={
                "app/auth.py": """
                    from fastapi import APIRouter, Depends
                    from fastapi.security import OAuth2PasswordRequestForm

                    router = APIRouter(prefix="/auth")

                    @router.post("/token")
                    def login_for_access_token(form: OAuth2PasswordRequestForm = Depends()):
                        return issue_token(form.username, form.password)
                """,
            },
            path="app/auth.py",
            line=7,
            message="accepts credentials",
        ),
        Invalid(
            label="Flask: registration and password reset on a blueprint",
            files={
                "app/accounts.py": """
                    from flask import Blueprint, request

                    bp = Blueprint("accounts", __name__, url_prefix="/accounts")

                    @bp.route("/register", methods=["GET", "POST"])
                    def register():
                        return create_account(request.form)

                    @bp.post("/password/forgot")
                    def forgot_password():
                        send_reset_mail(request.form["email"])
                        return "", 204
                """,
            },
            path="app/accounts.py",
            line=(6, 10),
        ),
        Invalid(
            label="DRF: a 2FA verification view with no throttle",
            files={
                "site/urls.py": """
                    from django.urls import path
                    from accounts.views import VerifyTwoFactor

                    urlpatterns = [path("api/2fa/verify/", VerifyTwoFactor.as_view())]
                """,
                "accounts/views.py": """
                    from rest_framework.permissions import AllowAny
                    from rest_framework.views import APIView

                    class VerifyTwoFactor(APIView):
                        permission_classes = [AllowAny]

                        def post(self, request):
                            return check_code(request.data["code"])
                """,
            },
            path="accounts/views.py",
            line=4,
        ),
    )


def _app_wide_limit(inventory: RouteInventory, framework: str) -> bool:
    """A limiter that applies to every route of the framework's app."""
    wanted = {"fastapi": "slowapi", "flask": "flask_limiter"}.get(framework)
    if wanted is None:
        return False
    for _, variable in inventory.index.variables.values():
        constructor = inventory.index.canonical(variable.constructor)
        if (
            constructor in _LIMITERS
            and constructor.startswith(wanted)
            and ({"default_limits", "application_limits"} & set(variable.keywords))
        ):
            return True
    return False
