"""AG706 missing-health-check."""

from __future__ import annotations

import re
from collections.abc import Iterable

from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.project import Project
from archguard.rules.ops._service import app_location
from archguard.rules.project_rule import PROJECT, ProjectRule
from archguard.web.routes import route_inventory

_PROBE = re.compile(
    r"(?i)(^|[/_\-.^])(health|healthz|healthcheck|health-check|health_check|ready|readyz|readiness|"
    r"live|livez|liveness|alive|ping|heartbeat|status|about|version)($|[/_\-.$])"
)
#: Libraries that add probe endpoints themselves.
_PROBE_APPS = (
    "health_check",
    "watchman",
    "django_prometheus",
    "fastapi_health",
    "healthcheck",
    "flask_healthz",
    "starlette_exporter",
)
_FIX = {
    "django": 'path("healthz/", lambda request: HttpResponse("ok"))',
    "flask": '@app.get("/healthz")\ndef healthz():\n    return {"status": "ok"}',
    "fastapi": '@app.get("/healthz")\ndef healthz():\n    return {"status": "ok"}',
}


class MissingHealthCheck(ProjectRule):
    """
    ## What it does
    Reports a web service (FastAPI, Flask, Django, aiohttp) that has routes but no
    liveness or readiness route: nothing under `/health`, `/healthz`, `/readyz`,
    `/livez`, `/ready`, `/ping`, `/status` or `/heartbeat`, and no health-check library
    (django-health-check, django-watchman, fastapi-health, flask-healthz). One
    finding per project, at the module that declares the app, naming the path to add.

    ## Why is this bad?
    Kubernetes, ECS, load balancers and uptime monitors decide whether to send
    traffic to an instance, or restart it, by calling a health endpoint. Without
    one they probe `/` (which may need a login, hit the database, or not exist) or
    only check that the port is open, so a worker whose database pool is exhausted
    keeps receiving traffic, and a deploy is declared healthy before it can serve.

    ## Example
    ```python
    app = FastAPI()
    app.include_router(orders.router)
    ```

    ## Use instead
    ```python
    app = FastAPI()
    app.include_router(orders.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        return {"status": "ok"}
    ```
    A readiness probe may also check the database with a cheap `SELECT 1`.

    ## References
    - https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
    - https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
    - https://microservices.io/patterns/observability/health-check-api.html
    """

    meta = RuleMeta(
        id="AG706",
        name="missing-health-check",
        category=Category.OBSERVABILITY,
        severity=Severity.NOTE,
        confidence=Confidence.MEDIUM,
        summary="A web service with routes but no liveness or readiness endpoint.",
        tags=frozenset({"observability", "operations"}),
    )

    VALID = (
        Valid(
            files={
                "app/main.py": """
                from fastapi import FastAPI

                app = FastAPI()

                @app.get("/orders")
                def orders():
                    return []

                @app.get("/healthz", include_in_schema=False)
                def healthz():
                    return {"status": "ok"}
            """,
            }
        ),
        Valid(
            files={
                "shop/settings.py": """
                ROOT_URLCONF = "shop.urls"
                INSTALLED_APPS = ["django.contrib.auth", "health_check", "health_check.db", "shop"]
            """,
                "shop/urls.py": """
                from django.urls import include, path
                from shop import views

                urlpatterns = [path("orders/", views.orders), path("ht/", include("health_check.urls"))]
            """,
                "shop/views.py": "def orders(request):\n    return None\n",
            },
            label="django-health-check",
        ),
        Valid(files={"worker/jobs.py": "def run():\n    return 1\n"}, label="not a web service"),
    )
    INVALID = (
        Invalid(
            files={
                "blog/__init__.py": """
                from flask import Flask

                def create_app():
                    app = Flask(__name__)
                    from blog.posts import bp
                    app.register_blueprint(bp)
                    return app
            """,
                "blog/posts.py": """
                from flask import Blueprint

                bp = Blueprint("posts", __name__, url_prefix="/posts")

                @bp.route("/")
                def index():
                    return []
            """,
            },
            path="blog/__init__.py",
            line=4,
            message="/healthz",
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        where = app_location(project)
        if where is None:
            return
        if any(_PROBE.search(route.path) for route in route_inventory(project).routes):
            return
        for facts in project.modules.values():
            web = facts.web
            if web is None:
                continue
            if any(
                p.include.split(".")[0] in _PROBE_APPS or _PROBE.search(p.path)
                for p in web.urlpatterns
            ):
                return
            for setting in web.settings:
                if setting.name == "INSTALLED_APPS" and any(
                    v.split(".")[0] in _PROBE_APPS for v in setting.values
                ):
                    return
            if any(f.module.split(".")[0] in _PROBE_APPS for f in facts.imports):
                return
        location, framework = where
        yield self.report(
            location,
            f"This {framework} service has {len(route_inventory(project).routes)} routes but no health "
            "endpoint, so orchestrators and load balancers cannot tell a live, ready instance "
            "from a stuck one. Add a cheap GET /healthz (and a /readyz that checks the database).",
            key=self.meta.name,
            scope=PROJECT,
            fix=_FIX.get(framework, _FIX["fastapi"]),
        )
