import os
import traceback

import tornado.web
import uvicorn
from aiohttp import web
from django.conf import settings as django_settings
from flask_graphql import GraphQLView
from starlette.middleware import Middleware
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from django.http import JsonResponse
from flask import Flask, current_app, jsonify
from flask_cors import CORS
from werkzeug.debug import DebuggedApplication
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.serving import run_simple

from app.config import settings

# ruleid: framework-debug-flag
api = FastAPI(title="shop", debug=True)
# ok: framework-debug-flag
safe_api = FastAPI(title="shop", debug=settings.DEBUG)

# ruleid: cors-any-origin-with-credentials
api.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True, allow_methods=["*"])
# ok: cors-any-origin-with-credentials
safe_api.add_middleware(CORSMiddleware, allow_origins=settings.CORS_ORIGINS, allow_credentials=True)
# ok: cors-any-origin-with-credentials
safe_api.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"])

app = Flask(__name__)
# ruleid: cors-any-origin-with-credentials
CORS(app, supports_credentials=True)
# ok: cors-any-origin-with-credentials
CORS(app, origins=["https://shop.example.com"], supports_credentials=True)
# ruleid: framework-debug-flag
app.config["DEBUG"] = True
# ok: framework-debug-flag
app.config["DEBUG"] = os.environ.get("FLASK_DEBUG") == "1"

# ruleid: werkzeug-debugger
app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=True)
# ok: werkzeug-debugger
app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)


# ruleid: framework-debug-flag
aio = web.Application(debug=True)
# ok: framework-debug-flag
aio_safe = web.Application(debug=settings.DEBUG)
# ruleid: framework-debug-flag
tornado_app = tornado.web.Application(HANDLERS, serve_traceback=True)
# ruleid: framework-debug-flag
app.debug = True
# ok: framework-debug-flag
app.debug = settings.DEBUG
# ruleid: framework-debug-flag
os.environ["FLASK_DEBUG"] = "1"
# ruleid: framework-debug-flag
app.config.update(dict(DEBUG=True, SECRET_KEY=os.environ["SECRET_KEY"]))

if app.debug:
    # ok: werkzeug-debugger
    app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=True)

if settings.ENVIRONMENT == "development":
    # ok: framework-debug-flag
    app.config["DEBUG"] = True

middleware = [
    # ruleid: cors-any-origin-with-credentials
    Middleware(CORSMiddleware, allow_origin_regex=".*", allow_credentials=True),
    # ok: cors-any-origin-with-credentials
    Middleware(CORSMiddleware, allow_origin_regex=r"https://.*\.example\.com", allow_credentials=True),
]

# ruleid: cors-any-origin-with-credentials
CORS(app, resources={r"/api/*": {"origins": "*"}}, supports_credentials=True)
# ok: cors-any-origin-with-credentials
CORS(app, resources={r"/api/*": {"origins": settings.CORS_ORIGINS}}, supports_credentials=True)

app.add_url_rule(
    "/graphql",
    view_func=GraphQLView.as_view(
        "graphql",
        schema=schema,
        # ruleid: graphql-ide-enabled
        graphiql=True,
    ),
)
# ok: graphql-ide-enabled
app.add_url_rule("/gql", view_func=GraphQLView.as_view("gql", schema=schema, graphiql=settings.DEBUG))


@app.get("/orders/<int:order_id>")
def order(order_id):
    try:
        return jsonify(load_order(order_id))
    except Exception:
        # ruleid: traceback-in-response
        return jsonify(error=traceback.format_exc()), 500


@app.get("/orders/safe/<int:order_id>")
def order_safe(order_id):
    try:
        return jsonify(load_order(order_id))
    except Exception:
        # ok: traceback-in-response
        current_app.logger.error("order failed\n%s", traceback.format_exc())
        return jsonify(error="internal error"), 500


@api.get("/debug/env")
def env():
    # ruleid: environment-in-response
    return dict(os.environ)


@api.get("/version")
def version():
    # ok: environment-in-response
    return {"version": os.environ.get("APP_VERSION", "dev")}


@app.get("/debug/config")
def config_dump():
    # ruleid: environment-in-response
    return jsonify(dict(current_app.config))


@app.get("/debug/raw-env")
def raw_env():
    # ruleid: environment-in-response
    return jsonify(os.environ)


@app.get("/imports")
def run_import():
    try:
        return jsonify(do_import())
    except Exception:
        details = traceback.format_exc()
        # ruleid: traceback-in-response
        return jsonify(error=details), 500


@app.get("/imports/safe")
def run_import_safe():
    try:
        return jsonify(do_import())
    except Exception:
        details = traceback.format_exc()
        # ok: traceback-in-response
        current_app.logger.error("import failed: %s", details)
        return jsonify(error="internal error"), 500


@api.get("/debug/spread")
def env_spread():
    # ruleid: environment-in-response
    return {**os.environ, "app": "shop"}


def django_settings_view(request):
    # ruleid: environment-in-response
    return JsonResponse({k: str(v) for k, v in vars(django_settings).items()})


def django_setting_view(request):
    # ok: environment-in-response
    return JsonResponse({"time_zone": django_settings.TIME_ZONE})


def worker_environment(queue_name):
    env = {**os.environ, "QUEUE": queue_name}
    # ok: environment-in-response
    return dict(os.environ)


if __name__ == "__main__":
    # ruleid: app-run-debug
    app.run(host="0.0.0.0", debug=True)
    # ok: app-run-debug
    app.run(debug=os.environ.get("FLASK_DEBUG") == "1")
    # ok: app-run-debug
    uvicorn.run("main:api", host="127.0.0.1", port=8000, reload=True)
    # ok: app-run-debug
    app.run(debug=True, host="127.0.0.1", port=4000)
    # ruleid: werkzeug-debugger
    run_simple("0.0.0.0", 5000, app, use_debugger=True, use_reloader=True)
    # ok: werkzeug-debugger
    run_simple("0.0.0.0", 5000, app, use_reloader=True)
