"""AG602 insecure-cookie-settings."""

from __future__ import annotations

import ast

from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.settings._assignments import SettingsRule, is_false

#: Setting -> what turning it off exposes.
_FLAGS = {
    "SESSION_COOKIE_SECURE": "the session cookie travels over plain HTTP",
    "CSRF_COOKIE_SECURE": "the CSRF cookie travels over plain HTTP",
    "SESSION_COOKIE_HTTPONLY": "scripts can read the session cookie",
    "REMEMBER_COOKIE_SECURE": "the remember-me cookie travels over plain HTTP",
    "REMEMBER_COOKIE_HTTPONLY": "scripts can read the remember-me cookie",
    "JWT_COOKIE_SECURE": "the JWT cookie travels over plain HTTP",
}


class InsecureCookieSettings(SettingsRule):
    """
    ## What it does
    Looks at settings modules and config classes for cookie protections switched off:
    Django's `SESSION_COOKIE_SECURE`, `CSRF_COOKIE_SECURE` and
    `SESSION_COOKIE_HTTPONLY`, Flask's and Flask-Login's `SESSION_COOKIE_*` and
    `REMEMBER_COOKIE_*`, and Flask-JWT-Extended's `JWT_COOKIE_SECURE`, set to
    `False`; and `SESSION_COOKIE_SAMESITE = None`.

    Development, local and test settings are left alone: there the site runs on plain
    HTTP on purpose.

    ## Why is this bad?
    A session cookie without `Secure` is sent on any plain-HTTP request (a link, a
    redirect, a captive portal), where anyone on the network copies it and becomes
    the user. Without `HttpOnly` a single XSS bug reads it from JavaScript.
    `SameSite=None` sends it along with cross-site requests, which re-opens CSRF.

    ## Example
    ```python
    # shop/settings/production.py
    SESSION_COOKIE_SECURE = False
    CSRF_COOKIE_SECURE = False
    ```

    ## Use instead
    ```python
    # shop/settings/production.py
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    ```

    ## References
    - https://docs.djangoproject.com/en/stable/ref/settings/#session-cookie-secure
    - https://flask.palletsprojects.com/en/stable/security/#set-cookie-options
    - https://cwe.mitre.org/data/definitions/614.html
    """

    meta = RuleMeta(
        id="AG602",
        name="insecure-cookie-settings",
        category=Category.INSECURE_COOKIE,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="Session, CSRF or remember-me cookie protections switched off in a settings module.",
        cwe=(614, 1004),
        tags=frozenset({"security", "session", "django", "flask"}),
        security_severity=5.4,
    )
    TRIGGERS = (rb"COOKIE_",)

    VALID = (
        Valid("SESSION_COOKIE_SECURE = True\nCSRF_COOKIE_SECURE = True\n", path="shop/settings.py"),
        Valid(
            "SESSION_COOKIE_SECURE = False\n",
            path="shop/settings/local.py",
            label="local development over plain HTTP",
        ),
        Valid(
            """
            import os
            SESSION_COOKIE_SECURE = os.environ.get("HTTPS", "1") == "1"
            """,
            path="shop/settings.py",
        ),
        Valid(
            """
            class TestingConfig:
                SESSION_COOKIE_SECURE = False
            """,
            path="config.py",
        ),
        Valid("SESSION_COOKIE_SECURE = False\n", path="shop/views.py", label="not settings"),
    )
    INVALID = (
        Invalid(
            """
            SESSION_COOKIE_SECURE = False
            CSRF_COOKIE_SECURE = False
            SESSION_COOKIE_HTTPONLY = True
            """,
            path="shop/settings/production.py",
            line=(1, 2),
        ),
        Invalid(
            """
            class ProductionConfig:
                SESSION_COOKIE_HTTPONLY = False
                REMEMBER_COOKIE_SECURE = False
            """,
            path="config.py",
            line=(2, 3),
            message="ProductionConfig",
        ),
        Invalid("SESSION_COOKIE_SAMESITE = None\n", path="shop/settings.py", line=1),
    )

    def setting(self, name: str, value: ast.expr, node: ast.stmt) -> None:
        if name in _FLAGS and is_false(value):
            self.report_setting(
                node,
                name,
                f"{name} = False in {self.where}: {_FLAGS[name]}. Leave it True outside "
                "local development.",
                fix=f"{name} = True",
            )
        elif (
            name == "SESSION_COOKIE_SAMESITE"
            and isinstance(value, ast.Constant)
            and value.value is None
        ):
            self.report_setting(
                node,
                name,
                f"SESSION_COOKIE_SAMESITE = None in {self.where}: the session cookie is sent "
                'with requests from other sites, which re-opens CSRF. Use "Lax".',
                fix='SESSION_COOKIE_SAMESITE = "Lax"',
            )
