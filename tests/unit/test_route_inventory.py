"""The route inventory on small projects: the framework shapes the fixtures do not
cover, and guards that come from far away (settings, re-exports, app-wide hooks)."""

from __future__ import annotations

import textwrap

from archguard.app.file_pass import file_pass
from archguard.core.outcomes import Analysed
from archguard.core.routes import GuardKind, Route
from archguard.graph.build import build_project
from archguard.scan.analyze import FileJob, analyze
from archguard.scan.modules import default_source_roots, module_name
from archguard.web.routes import route_inventory


def routes_of(files: dict[str, str]) -> dict[str, Route]:
    roots = default_source_roots(list(files), ())
    facts = []
    for path, code in files.items():
        module, is_package = module_name(path, roots)
        job = FileJob(path, textwrap.dedent(code).encode(), module, is_package)
        outcome = analyze(job, file_pass([], 10**6))
        assert isinstance(outcome, Analysed)
        facts.append(outcome.facts)
    return {r.label: r for r in route_inventory(build_project(facts)).routes}


def kinds(route: Route) -> set[str]:
    return {g.kind.value for g in route.guards}


def test_fastapi_nested_routers_add_api_route_and_security_scopes() -> None:
    routes = routes_of(
        {
            "app/api/__init__.py": "from app.api.deps import get_user as get_user\n",
            "app/api/deps.py": """
            from fastapi import HTTPException, Security
            def get_user(token: str = Security(scheme)):
                if not valid(token):
                    raise HTTPException(status_code=401)
                return token
        """,
            "app/api/items.py": """
            from fastapi import APIRouter, Depends, Security
            from app.api import get_user

            items = APIRouter(prefix="/items")
            v1 = APIRouter(prefix="/v1")

            def list_items():
                return []

            items.add_api_route("/", list_items, methods=["GET"], dependencies=[Depends(get_user)])

            @items.post("/{item_id}/publish")
            def publish(item_id: int, user=Security(get_user, scopes=["items:publish"])):
                return item_id

            v1.include_router(items)
        """,
            "app/main.py": """
            from fastapi import FastAPI
            from app.api.items import v1
            app = FastAPI()
            app.include_router(v1, prefix="/api")
        """,
        }
    )
    assert set(routes) == {"GET /api/v1/items/", "POST /api/v1/items/{item_id}/publish"}
    assert kinds(routes["GET /api/v1/items/"]) == {"authentication"}
    assert kinds(routes["POST /api/v1/items/{item_id}/publish"]) == {
        "authentication",
        "authorization",
    }


def test_flask_restful_resources_and_app_wide_blueprint_hook() -> None:
    routes = routes_of(
        {
            "svc/__init__.py": """
            from flask import Flask
            from flask_restful import Api
            from svc.resources import NoteResource
            from svc.auth import bp as auth_bp

            app = Flask(__name__)
            api = Api(app)
            api.add_resource(NoteResource, "/notes/<int:note_id>")
            app.register_blueprint(auth_bp)
        """,
            "svc/auth.py": """
            from flask import Blueprint
            from flask_jwt_extended import verify_jwt_in_request
            bp = Blueprint("auth", __name__)

            @bp.before_app_request
            def check_token():
                verify_jwt_in_request()
        """,
            "svc/resources.py": """
            from flask_restful import Resource
            class NoteResource(Resource):
                def get(self, note_id):
                    return Note.query.get_or_404(note_id).to_dict()
                def delete(self, note_id):
                    Note.query.filter_by(id=note_id).delete()
        """,
        }
    )
    assert set(routes) == {"GET /notes/<int:note_id>", "DELETE /notes/<int:note_id>"}
    for route in routes.values():
        assert route.has(GuardKind.AUTHENTICATION), route


def test_aiohttp_routes() -> None:
    routes = routes_of(
        {
            "web/app.py": """
            from aiohttp import web

            routes = web.RouteTableDef()

            @routes.get("/status")
            async def status(request):
                return web.json_response({"ok": True})

            async def upload(request):
                return web.Response()

            app = web.Application()
            app.router.add_post("/upload", upload)
            app.add_routes(routes)
        """,
        }
    )
    assert set(routes) == {"GET /status", "POST /upload"}
    assert all(r.framework == "aiohttp" for r in routes.values())


def test_django_login_required_middleware_and_drf_function_views() -> None:
    routes = routes_of(
        {
            "site/settings.py": """
            ROOT_URLCONF = "site.urls"
            MIDDLEWARE = [
                "django.contrib.sessions.middleware.SessionMiddleware",
                "django.contrib.auth.middleware.LoginRequiredMiddleware",
            ]
            REST_FRAMEWORK = {"DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"]}
        """,
            "site/urls.py": """
            from django.urls import include, path, re_path
            from django.contrib.auth.decorators import login_required
            from notes import views

            urlpatterns = [
                path("notes/", include("notes.urls")),
                re_path(r"^about/$", views.about),
                path("wrapped/", login_required(views.about)),
            ]
        """,
            "notes/urls.py": """
            from django.urls import path
            from notes import views
            urlpatterns = [path("<int:pk>/", views.note_detail)]
        """,
            "notes/views.py": """
            from django.contrib.auth.decorators import login_not_required
            from rest_framework.decorators import api_view, permission_classes
            from rest_framework.permissions import IsAdminUser

            @api_view(["GET", "DELETE"])
            @permission_classes([IsAdminUser])
            def note_detail(request, pk):
                return Response(Note.objects.get(pk=pk).text)

            @login_not_required
            def about(request):
                return render(request, "about.html")
        """,
        }
    )
    detail = routes["DELETE|GET /notes/<int:pk>/"]
    assert detail.framework == "drf"
    assert {g.kind for g in detail.guards} >= {GuardKind.AUTHORIZATION, GuardKind.RATE_LIMIT}
    about = routes["ANY /about/"]
    assert about.has(GuardKind.PUBLIC) and about.has(GuardKind.AUTHENTICATION)
    assert any(g.origin == "route" for g in routes["ANY /wrapped/"].guards)


def test_unresolvable_third_party_guard_is_marked_unresolved() -> None:
    routes = routes_of(
        {
            "app.py": """
            from flask import Flask
            from corp_sso import sso_required
            app = Flask(__name__)

            @app.post("/orders")
            @sso_required
            def create_order():
                db.session.add(Order())
        """,
        }
    )
    assert kinds(routes["POST /orders"]) == {"unresolved"}


def test_flask_restx_namespaces_and_method_decorators() -> None:
    routes = routes_of(
        {
            "api/__init__.py": """
            from flask import Flask
            from flask_restx import Api
            from api.notes import ns

            app = Flask(__name__)
            api = Api(app)
            api.add_namespace(ns, path="/notes")
        """,
            "api/notes.py": """
            from flask_httpauth import HTTPTokenAuth
            from flask_restx import Namespace, Resource

            ns = Namespace("notes")
            auth = HTTPTokenAuth()

            @ns.route("/<int:note_id>")
            class Note(Resource):
                method_decorators = [auth.login_required]

                def get(self, note_id):
                    return load(note_id)
        """,
        }
    )
    assert set(routes) == {"GET /notes/<int:note_id>"}
    assert kinds(routes["GET /notes/<int:note_id>"]) == {"authentication"}


def test_a_failing_web_extractor_costs_only_the_web_facts(monkeypatch: object) -> None:
    import pytest

    from archguard.web import facts as web_facts

    def boom(*args: object) -> None:
        raise RuntimeError("extractor bug")

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setattr(web_facts, "extract", boom)
    job = FileJob(
        "app/views.py",
        b"import os\nfrom flask import Flask\napp = Flask(__name__)\n",
        "app.views",
        False,
    )
    outcome = analyze(job, file_pass([], 10**6))
    assert isinstance(outcome, Analysed)
    assert outcome.facts.imports and [d.kind.value for d in outcome.diagnostics] == [
        "internal-error"
    ]
