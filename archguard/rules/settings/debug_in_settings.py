"""AG601 debug-in-settings."""

from __future__ import annotations

import ast

from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.settings._assignments import SettingsRule, is_true
from archguard.scan.context import FileContext


class DebugInSettings(SettingsRule):
    """
    ## What it does
    Looks at settings modules (Django `settings.py` and `settings/*.py`, Flask
    `config.py` and its config classes) for debug switches left on and hosts left
    open: `DEBUG = True`, `ALLOWED_HOSTS = ["*"]`, and django-cors-headers'
    `CORS_ALLOW_ALL_ORIGINS = True` together with `CORS_ALLOW_CREDENTIALS = True`.

    Modules and classes named for development, local use or tests (`settings/dev.py`,
    `local_settings.py`, `class DevelopmentConfig`) are left alone; a settings module
    that does not say whom it is for gets medium confidence, production ones high.

    ## Why is this bad?
    With `DEBUG = True` Django and Flask answer errors with full tracebacks, local
    variables and settings, and Django lists every URL pattern on a 404 page: a map of
    the application with secrets in it. `ALLOWED_HOSTS = ["*"]` re-enables Host-header
    attacks such as password-reset poisoning. Allowing every origin with credentials
    lets any website act as the logged-in user.

    ## Example
    ```python
    # inventory/settings.py
    DEBUG = True
    ALLOWED_HOSTS = ["*"]
    ```

    ## Use instead
    ```python
    # inventory/settings.py
    DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
    ALLOWED_HOSTS = os.environ["DJANGO_ALLOWED_HOSTS"].split(",")
    ```

    ## References
    - https://docs.djangoproject.com/en/stable/ref/settings/#debug
    - https://docs.djangoproject.com/en/stable/howto/deployment/checklist/
    - https://flask.palletsprojects.com/en/stable/config/#DEBUG
    - https://cwe.mitre.org/data/definitions/489.html
    """

    meta = RuleMeta(
        id="AG601",
        name="debug-in-settings",
        category=Category.DEBUG_ENDPOINT,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="DEBUG on, ALLOWED_HOSTS open, or CORS open with credentials in a settings module.",
        cwe=(489, 215),
        tags=frozenset({"security", "configuration", "django", "flask"}),
        security_severity=7.5,
    )
    TRIGGERS = (rb"DEBUG|ALLOWED_HOSTS|CORS_",)

    VALID = (
        Valid(
            'import os\nDEBUG = os.environ.get("DJANGO_DEBUG") == "1"\n', path="shop/settings.py"
        ),
        Valid(
            "DEBUG = True\nALLOWED_HOSTS = ['*']\n",
            path="shop/settings/dev.py",
            label="a development settings module",
        ),
        Valid(
            """
            class Config:
                DEBUG = False

            class DevelopmentConfig(Config):
                DEBUG = True
            """,
            path="config.py",
            label="a development config class",
        ),
        Valid("DEBUG = True\n", path="shop/views.py", label="not a settings module"),
        Valid(
            'ALLOWED_HOSTS = ["shop.example.com", ".shop.example.com"]\n', path="shop/settings.py"
        ),
        Valid(
            "CORS_ALLOW_ALL_ORIGINS = True\n",
            path="shop/settings.py",
            label="open CORS without credentials is a choice for public APIs",
        ),
        Valid(
            """
            def configure(app):
                DEBUG = True
                app.config["X"] = DEBUG
            """,
            path="blog/config.py",
            label="a local variable, not a setting",
        ),
    )
    INVALID = (
        Invalid(
            """
            from pathlib import Path

            BASE_DIR = Path(__file__).resolve().parent.parent
            # SECURITY WARNING: don't run with debug turned on in production!
            DEBUG = True
            ALLOWED_HOSTS = ["*"]
            """,
            path="inventory/settings.py",
            line=(5, 6),
        ),
        Invalid(
            """
            class ProductionConfig:
                DEBUG = True
            """,
            path="config.py",
            line=2,
            message="DEBUG",
        ),
        Invalid(
            """
            CORS_ALLOW_ALL_ORIGINS = True
            CORS_ALLOW_CREDENTIALS = True
            """,
            path="api/settings/production.py",
            line=1,
            message="credentials",
        ),
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self._cors_all: ast.stmt | None = None
        self._credentials = False

    def setting(self, name: str, value: ast.expr, node: ast.stmt) -> None:
        if name == "DEBUG" and is_true(value):
            self.report_setting(
                node,
                name,
                f"DEBUG = True in {self.where}: errors are answered with tracebacks, local "
                "variables and settings. Read it from the environment, off by default.",
                fix='DEBUG = os.environ.get("DEBUG") == "1"',
            )
        elif name == "ALLOWED_HOSTS" and _has_wildcard(value):
            self.report_setting(
                node,
                name,
                f'ALLOWED_HOSTS accepts any host ("*") in {self.where}, which re-enables '
                "Host-header attacks such as password-reset poisoning. List the domains you serve.",
                fix='ALLOWED_HOSTS = os.environ["ALLOWED_HOSTS"].split(",")',
            )
        elif name in ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL") and is_true(value):
            self._cors_all = node
        elif name == "CORS_ALLOW_CREDENTIALS" and is_true(value):
            self._credentials = True

    def leave_Module(self, node: ast.Module) -> None:
        if self._cors_all is not None and self._credentials:
            self.report(
                self._cors_all,
                "CORS allows every origin and also credentials: any website can make "
                "authenticated requests as the visitor and read the answers. Use "
                "CORS_ALLOWED_ORIGINS with the origins you trust.",
                symbol="CORS_ALLOW_ALL_ORIGINS",
                fix='CORS_ALLOWED_ORIGINS = ["https://app.example.com"]',
            )


def _has_wildcard(value: ast.expr) -> bool:
    if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        return any(isinstance(e, ast.Constant) and e.value == "*" for e in value.elts)
    return False
