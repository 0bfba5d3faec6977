"""AG705 no-logging-config."""

from __future__ import annotations

from collections.abc import Iterable

from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.project import Project
from archguard.rules.ops._service import app_location
from archguard.rules.project_rule import PROJECT, ProjectRule
from archguard.scan.context import is_test_path

_FIX = {
    "django": 'LOGGING = {"version": 1, "handlers": {"console": {"class": "logging.StreamHandler"}}, '
    '"root": {"handlers": ["console"], "level": "INFO"}}',
    "fastapi": 'logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")',
    "flask": "logging.config.dictConfig({...})  # before app = Flask(__name__)",
}


class NoLoggingConfig(ProjectRule):
    """
    ## What it does
    Reports a web service (FastAPI, Flask, Django, aiohttp: any project with routes)
    in which no module configures logging: no `logging.basicConfig`,
    `logging.config.dictConfig` / `fileConfig`, Django `LOGGING` setting,
    `structlog.configure`, loguru, or a server started with `log_config=`. Test
    modules do not count. One finding per project, at the module that declares the app.

    ## Why is this bad?
    Without configuration the root logger has no handler. `logger.info(...)` in
    your code goes nowhere, and warnings and errors reach stderr through Python's
    last-resort handler with no timestamp, level, logger name or request id. In
    production that means an incident with no logs to read, and no way to send them
    to a log service or to raise the level of one noisy module.

    ## Example
    ```python
    # app/main.py
    app = FastAPI()
    app.include_router(orders.router)
    ```

    ## Use instead
    ```python
    # app/main.py
    logging.config.dictConfig(settings.LOGGING)  # handlers, format, levels
    app = FastAPI()
    app.include_router(orders.router)
    ```

    ## References
    - https://docs.python.org/3/howto/logging.html#configuring-logging
    - https://docs.djangoproject.com/en/stable/topics/logging/#configuring-logging
    - https://flask.palletsprojects.com/en/stable/logging/
    - https://cwe.mitre.org/data/definitions/778.html
    """

    meta = RuleMeta(
        id="AG705",
        name="no-logging-config",
        category=Category.OBSERVABILITY,
        severity=Severity.NOTE,
        confidence=Confidence.MEDIUM,
        summary="A web service with request handlers and no logging configuration at all.",
        tags=frozenset({"observability", "logging"}),
    )

    VALID = (
        Valid(
            files={
                "app/main.py": """
                import logging
                from fastapi import FastAPI

                logging.basicConfig(level=logging.INFO)
                app = FastAPI()

                @app.get("/orders")
                def orders():
                    return []
            """,
            }
        ),
        Valid(
            files={
                "shop/settings.py": """
                ROOT_URLCONF = "shop.urls"
                LOGGING = {"version": 1, "root": {"level": "INFO"}}
            """,
                "shop/urls.py": """
                from django.urls import path
                from shop import views

                urlpatterns = [path("orders/", views.orders)]
            """,
                "shop/views.py": "def orders(request):\n    return None\n",
            }
        ),
        Valid(
            files={
                "app/logs.py": "import logging.config\n\ndef setup(config):\n    logging.config.dictConfig(config)\n",
                "app/main.py": """
                from flask import Flask

                app = Flask(__name__)

                @app.route("/posts")
                def posts():
                    return []
            """,
            },
            label="configured in another module",
        ),
        Valid(
            files={"tools/report.py": "import csv\n\ndef main():\n    print('no service here')\n"}
        ),
    )
    INVALID = (
        Invalid(
            files={
                "app/main.py": """
                from fastapi import FastAPI

                from app.routes import orders

                app = FastAPI()
                app.include_router(orders.router)
            """,
                "app/routes/orders.py": """
                import logging
                from fastapi import APIRouter

                logger = logging.getLogger(__name__)
                router = APIRouter()

                @router.get("/orders")
                def list_orders():
                    logger.info("listing orders")
                    return []
            """,
                "tests/conftest.py": "import logging\n\nlogging.basicConfig(level=logging.DEBUG)\n",
            },
            path="app/main.py",
            line=5,
            message="logging",
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        where = app_location(project)
        if where is None:
            return
        for facts in project.modules.values():
            if is_test_path(facts.path):
                continue
            if facts.web is not None and any(s.name == "LOGGING" for s in facts.web.settings):
                return
            if any(f.module.split(".")[0] == "loguru" for f in facts.imports):
                return
        location, framework = where
        yield self.report(
            location,
            "This service configures no logging: its loggers have no handler, so info "
            "messages vanish and errors reach stderr without time, level or logger name. "
            "Configure logging once at start-up (dictConfig, basicConfig or Django's LOGGING).",
            key=self.meta.name,
            scope=PROJECT,
            fix=_FIX.get(framework, _FIX["fastapi"]),
        )
