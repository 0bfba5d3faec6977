"""AG503 insecure-cookie."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from archguard.core.fingerprint import normalize_snippet
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.web_security._config import (
    ConfigWrite,
    assigned_settings,
    is_false,
    is_true,
    updated_settings,
)
from archguard.rules.web_security._values import Frame, LocalValues
from archguard.scan.context import FileContext
from archguard.scan.syntax import dotted, string

#: Response methods that set a cookie: Flask/Werkzeug, Django, Starlette/FastAPI and
#: aiohttp ``set_cookie``, Django's ``set_signed_cookie``, Tornado's secure cookies.
_SETTERS = frozenset({"set_cookie", "set_signed_cookie", "set_secure_cookie"})
#: Where Flask, Django and Starlette take secure, httponly and samesite positionally.
_POSITIONS = {"secure": 6, "httponly": 7, "samesite": 8}
#: Cookies that hold a session, a token or a login: whoever reads them is the user.
_SESSION = re.compile(
    r"token|session|sessid|jwt|auth|refresh|remember|login|apikey|credential|bearer|^sid$|sid$"
)
#: Cookies that say who the user is. A role or "is admin" cookie holds no secret worth
#: stealing: trusting it at all is the problem (missing-authz), not its flags.
_IDENTITY = re.compile(r"^(user|account)(id|name|uuid)?$|^uid$|^uuid$|^identity$")
#: Double-submit CSRF cookies are meant to be read by the page's script.
_CSRF = re.compile(r"csrf|xsrf")
#: Flask, Flask-Login and Flask-JWT-Extended settings that protect their cookies.
_FLAGS = {
    "SESSION_COOKIE_SECURE": "the session cookie travels over plain HTTP",
    "SESSION_COOKIE_HTTPONLY": "scripts can read the session cookie",
    "REMEMBER_COOKIE_SECURE": "the remember-me cookie travels over plain HTTP",
    "REMEMBER_COOKIE_HTTPONLY": "scripts can read the remember-me cookie",
    "JWT_COOKIE_SECURE": "the JWT cookie travels over plain HTTP",
}


@dataclass(frozen=True)
class _Cookie:
    """What a ``set_cookie`` call says about its cookie."""

    label: str
    sensitive: Confidence | None
    httponly: ast.expr | None
    secure: ast.expr | None
    samesite: str | None


class InsecureCookie(LocalValues):
    """
    ## What it does
    Finds cookies that carry a session, a token, a login or the user's identity set
    with `set_cookie` (Flask, Django, Starlette/FastAPI, aiohttp, Tornado) without
    `httponly=True` or without `secure=True`, cookies marked `samesite="None"` without
    `secure`, and Flask apps that turn off `SESSION_COOKIE_SECURE`,
    `SESSION_COOKIE_HTTPONLY` or their remember-me and JWT twins in code
    (`app.config[...]`, `app.config.update(...)`, also with `dict(...)`).

    What a cookie carries is judged from its name (`sessionid`, `access_token`,
    `userId`), read through constants, and from the value it is given (`token`,
    `create_access_token(...)`). Cookies such as a theme or language preference are
    left alone: their flags do not protect anything. So are double-submit CSRF cookies,
    which the page's script must read, and cookies being cleared (an empty value).
    `secure` computed at run time (`secure=request.url.scheme == "https"`,
    `secure=settings.COOKIE_SECURE`) is trusted. Settings modules' own
    `SESSION_COOKIE_SECURE = False` lines are `insecure-cookie-settings` (AG602).

    ## Why is this bad?
    Without `HttpOnly`, one XSS bug hands every visitor's token to the attacker's
    script. Without `Secure`, the cookie travels in clear text over any plain HTTP
    request, and a network attacker copies the session. `SameSite=None` sends the
    cookie along with requests from other sites, which re-opens CSRF.

    ## Example
    ```python
    @router.post("/login")
    def login(form: LoginForm, response: Response):
        token = issue_token(authenticate(form))
        response.set_cookie("access_token", token)
        return {"ok": True}
    ```

    ## Use instead
    ```python
    @router.post("/login")
    def login(form: LoginForm, response: Response):
        token = issue_token(authenticate(form))
        response.set_cookie(
            "access_token", token, httponly=True, secure=True, samesite="lax", max_age=900
        )
        return {"ok": True}
    ```

    ## References
    - [OWASP: Session Management Cheat Sheet, cookies](https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#cookies)
    - [MDN: Set-Cookie](https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Set-Cookie)
    - [Flask: session cookie settings](https://flask.palletsprojects.com/en/stable/security/#set-cookie-options)
    - [CWE-1004](https://cwe.mitre.org/data/definitions/1004.html), [CWE-614](https://cwe.mitre.org/data/definitions/614.html)
    """

    meta = RuleMeta(
        id="AG503",
        name="insecure-cookie",
        category=Category.INSECURE_COOKIE,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="Session or token cookies set without HttpOnly or Secure, or sent cross-site.",
        cwe=(1004, 614),
        tags=frozenset({"security", "session"}),
        security_severity=5.4,
    )
    TRIGGERS = (rb"set_cookie|set_signed_cookie|set_secure_cookie|_COOKIE_",)

    VALID = (
        Valid(
            """
            from fastapi import Response

            def login(response: Response, token: str):
                response.set_cookie("access_token", token, httponly=True, secure=True, samesite="lax")
            """,
        ),
        Valid(
            """
            from starlette.requests import Request

            SESSION_COOKIE = "profile_session"

            def remember(response, request: Request, token: str):
                response.set_cookie(
                    SESSION_COOKIE,
                    token,
                    httponly=True,
                    samesite="lax",
                    secure=request.url.scheme == "https",
                )
            """,
            label="secure decided at run time",
        ),
        Valid(
            """
            def issue_csrf(response, token):
                response.set_cookie("csrf_token", token, httponly=False, samesite="lax", secure=True)
            """,
            label="a double-submit CSRF cookie must be readable by the page",
        ),
        Valid(
            """
            from flask import make_response, redirect

            def logout():
                response = make_response(redirect("/"))
                response.set_cookie("sessionid", "", expires=0)
                return response
            """,
            label="clearing the cookie on logout",
        ),
        Valid(
            """
            def preferences(response, lang):
                response.set_cookie("lang", lang, max_age=31536000)
            """,
        ),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask

            app = Flask(__name__)
            app.config.update(dict(
                SECRET_KEY=os.environ["SECRET_KEY"],
                SESSION_COOKIE_HTTPONLY=False,
            ))
            """,
            line=6,
            message="scripts can read the session cookie",
        ),
        Invalid(
            """
            from flask import make_response, redirect, url_for

            def login(user):
                resp = make_response(redirect(url_for("home")))
                resp.set_cookie("userId", value=str(user.id))
                return resp
            """,
            line=5,
            message='"userId"',
        ),
        Invalid(
            """
            from django.conf import settings

            def login_view(request):
                response = redirect("home")
                response.set_cookie(settings.AUTH_COOKIE_NAME, make_token(request.user))
                return response
            """,
            line=5,
            label="the name comes from settings, the attribute says what it is",
        ),
        Invalid(
            """
            def remember(res, b64):
                res.set_cookie("rememberme", b64, 60 * 60 * 24 * 15)
            """,
            line=2,
        ),
        Invalid(
            """
            from fastapi import Response

            def login(response: Response, token: str):
                response.set_cookie(key="session", value=token, httponly=True, secure=False)
            """,
            line=4,
            message="explicitly set with secure=False",
        ),
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self._calls: list[tuple[Frame, ast.Call]] = []
        self._settings: list[ConfigWrite] = []

    def call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _SETTERS:
            self._calls.append((self.frame, node))
        self._settings.extend(updated_settings(node))

    def visit_Assign(self, node: ast.Assign) -> None:
        super().visit_Assign(node)
        self._settings.extend(assigned_settings(node))

    def judge(self) -> None:
        for frame, call in self._calls:
            self._judge_call(frame, call)
        self._judge_settings()

    def _judge_call(self, frame: Frame, call: ast.Call) -> None:
        if any(kw.arg is None for kw in call.keywords) or any(
            isinstance(a, ast.Starred) for a in call.args
        ):
            return  # flags passed in **kwargs cannot be read
        if _clears(call):
            return
        cookie = self._cookie(frame, call)
        if cookie.samesite == "none" and not is_true(cookie.secure):
            shape = "cookie-samesite-none-without-secure"
            message = (
                f'samesite="None" sends the cookie {cookie.label} with requests from any other '
                "site, and without secure=True browsers reject or leak it. Use "
                'samesite="Lax", or add secure=True if it really must be sent cross-site.'
            )
            fix = 'samesite="Lax"'
            confidence = Confidence.MEDIUM
        elif cookie.sensitive is None:
            return
        elif cookie.httponly is None or is_false(cookie.httponly):
            shape = "sensitive-cookie-readable-by-scripts"
            also = " and secure=True" if cookie.secure is None or is_false(cookie.secure) else ""
            message = (
                f"The cookie {cookie.label} holds a session, token or identity but is set "
                f"without httponly=True{also}, so any injected script can read and exfiltrate "
                'it. Set httponly=True (and secure=True, samesite="Lax").'
            )
            fix = 'httponly=True, secure=True, samesite="Lax"'
            confidence = cookie.sensitive
        elif is_false(cookie.secure):
            shape = "sensitive-cookie-secure-false"
            message = (
                f"The cookie {cookie.label} holds a session, token or identity and is "
                "explicitly set with secure=False, so it is also sent over plain HTTP."
            )
            fix = "secure=True"
            confidence = cookie.sensitive
        elif cookie.secure is None:
            shape = "sensitive-cookie-without-secure"
            message = (
                f"The cookie {cookie.label} holds a session, token or identity but is set "
                "without secure=True, so it is also sent over plain HTTP where anyone on the "
                "network can copy it."
            )
            fix = "secure=True"
            confidence = cookie.sensitive
        else:
            return
        self.report(
            call,
            message,
            symbol=f"{shape}\0{normalize_snippet(self.source_line(call))}",
            severity=Severity.ERROR
            if shape == "sensitive-cookie-readable-by-scripts"
            else Severity.WARNING,
            confidence=confidence,
            fix=fix,
            shape=shape,
        )

    def _cookie(self, frame: Frame, call: ast.Call) -> _Cookie:
        name = _argument(call, 0, ("key", "name"))
        value = _argument(call, 1, ("value",))
        text, _ = self.literal(frame, name) if name is not None else (None, False)
        label = f'"{text}"' if text is not None else f"`{_code(name)}`"
        said = text if text is not None else _identifier(name)
        sensitive = _sensitivity(said)
        # The value says what the cookie carries only when its name says nothing: a
        # CSRF cookie holds a token on purpose.
        if (
            text is None
            and sensitive is None
            and not _CSRF.search(said.lower())
            and value is not None
            and _SESSION.search(_words(_identifier(value)))
        ):
            sensitive = Confidence.MEDIUM
        samesite, _ = self.literal(frame, _flag(call, "samesite"))
        return _Cookie(
            label=label,
            sensitive=sensitive,
            httponly=_flag(call, "httponly"),
            secure=_flag(call, "secure"),
            samesite=samesite.lower() if samesite is not None else None,
        )

    def _judge_settings(self) -> None:
        secure_set = any(
            w.key == "SESSION_COOKIE_SECURE" and not is_false(w.value) for w in self._settings
        )
        for write in self._settings:
            if write.key in _FLAGS and is_false(write.value):
                shape = "flask-session-cookie-flag-off"
                message = (
                    f"{write.key} is set to False: {_FLAGS[write.key]}. Leave it on in production."
                )
                fix = f"{write.key}=True"
            elif (
                write.key == "SESSION_COOKIE_SAMESITE"
                and (string(write.value) or "").lower() == "none"
                and not secure_set
            ):
                shape = "cookie-samesite-none-without-secure"
                message = (
                    'SESSION_COOKIE_SAMESITE = "None" sends the session cookie with requests '
                    'from any other site, and SESSION_COOKIE_SECURE is not set. Use "Lax".'
                )
                fix = 'SESSION_COOKIE_SAMESITE="Lax"'
            else:
                continue
            snippet = (
                self.source_line(write.node) if isinstance(write.node, ast.stmt) else write.key
            )
            self.report(
                write.node,
                message,
                symbol=f"{shape}\0{normalize_snippet(snippet)}",
                fix=fix,
                shape=shape,
            )


def _argument(call: ast.Call, position: int, names: tuple[str, ...]) -> ast.expr | None:
    if len(call.args) > position and not any(isinstance(a, ast.Starred) for a in call.args):
        return call.args[position]
    for kw in call.keywords:
        if kw.arg in names:
            return kw.value
    return None


def _flag(call: ast.Call, name: str) -> ast.expr | None:
    return _argument(call, _POSITIONS[name], (name,))


def _clears(call: ast.Call) -> bool:
    """A cookie being removed: an empty value, or one that expires at once."""
    value = _argument(call, 1, ("value",))
    if value is None or string(value) == "":
        return True
    for kw in call.keywords:
        if (
            kw.arg in ("expires", "max_age")
            and isinstance(kw.value, ast.Constant)
            and kw.value.value == 0
        ):
            return True
    return False


def _words(text: str) -> str:
    """``SessionId`` and ``session_id`` both become ``sessionid``."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _sensitivity(name: str) -> Confidence | None:
    """How sure the name says the cookie carries a session or an identity."""
    if _CSRF.search(name.lower()):
        return None
    joined = _words(name)
    if _SESSION.search(joined):
        return Confidence.HIGH
    # The name's last word(s): ``x-user-id`` and ``currentRole`` say it as well.
    parts = [p for p in re.split(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])", name) if p]
    tails = {"".join(parts[i:]).lower() for i in range(len(parts))}
    if any(_IDENTITY.search(tail) for tail in tails):
        return Confidence.MEDIUM
    return None


def _identifier(expr: ast.expr | None) -> str:
    """The words a non-literal expression is made of: ``settings.AUTH_COOKIE_NAME``,
    ``make_token(user)``."""
    if expr is None:
        return ""
    if isinstance(expr, ast.Call):
        return _identifier(expr.func)
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return dotted(expr) or ""


def _code(expr: ast.expr | None) -> str:
    return ast.unparse(expr) if expr is not None else "?"
