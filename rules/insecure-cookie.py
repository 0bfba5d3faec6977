from django.http import JsonResponse
from fastapi import APIRouter, Response
from flask import Flask, jsonify, make_response

from app.config import settings

app = Flask(__name__)
router = APIRouter()

# ruleid: flask-session-cookie-flag-off
app.config["SESSION_COOKIE_SECURE"] = False
# ruleid: flask-session-cookie-flag-off
app.config.update(SESSION_COOKIE_HTTPONLY=False, SESSION_COOKIE_SAMESITE="Lax")
# ok: flask-session-cookie-flag-off
app.config["SESSION_COOKIE_SECURE"] = True
# ok: flask-session-cookie-flag-off
app.config["TESTING"] = False


@app.post("/login")
def flask_login():
    resp = make_response(jsonify(ok=True))
    # ruleid: sensitive-cookie-readable-by-scripts
    resp.set_cookie("access_token", issue_token(), secure=True)
    return resp


@router.post("/token")
def fastapi_login(response: Response):
    # ruleid: sensitive-cookie-readable-by-scripts
    response.set_cookie(key="refresh_token", value=issue_token())
    return {"ok": True}


def django_login(request):
    response = JsonResponse({"ok": True})
    # ruleid: sensitive-cookie-without-secure
    response.set_cookie("sessionid", new_session(request), httponly=True, samesite="Lax")
    return response


def django_login_insecure(request):
    response = JsonResponse({"ok": True})
    # ruleid: sensitive-cookie-secure-false
    response.set_cookie("auth", new_session(request), httponly=True, secure=False)
    return response


def tracking(response):
    # ruleid: cookie-samesite-none-without-secure
    response.set_cookie("visitor", "abc", samesite="None")


# --- safe cookies stay silent ---


@router.post("/login")
def fastapi_login_ok(response: Response):
    # ok: sensitive-cookie-readable-by-scripts, sensitive-cookie-without-secure
    response.set_cookie("access_token", issue_token(), httponly=True, secure=True, samesite="lax")
    return {"ok": True}


def login_configurable(response):
    # ok: sensitive-cookie-without-secure
    response.set_cookie("session", "v", httponly=True, secure=settings.SESSION_COOKIE_SECURE)


def preferences(response):
    # ok: sensitive-cookie-readable-by-scripts, sensitive-cookie-without-secure
    response.set_cookie("theme", "dark")


def embed(response):
    # ok: cookie-samesite-none-without-secure
    response.set_cookie("widget_session", "v", samesite="None", secure=True, httponly=True)


def local_dev_preview(response):
    # ok: sensitive-cookie-secure-false
    response.set_cookie("preview_mode", "1", httponly=True, secure=False)
