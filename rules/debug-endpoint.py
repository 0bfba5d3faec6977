import os
import traceback

import uvicorn
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from flask import Flask, current_app, jsonify
from flask_cors import CORS
from werkzeug.debug import DebuggedApplication
from werkzeug.middleware.proxy_fix import ProxyFix

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
