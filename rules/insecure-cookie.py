import os
import secrets

from aiohttp import web
from django.http import JsonResponse
from fastapi import APIRouter, Response
from flask import Flask, jsonify, make_response
from tornado.web import RequestHandler

from app.config import settings

app = Flask(__name__)
router = APIRouter()
SESSION_COOKIE = "app_session"
THEME_COOKIE = "theme"

# ruleid: flask-session-cookie-flag-off
app.config.update(dict(SECRET_KEY=os.environ["SECRET_KEY"], SESSION_COOKIE_HTTPONLY=False))
# ok: flask-session-cookie-flag-off
app.config.update(dict(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SECURE=True))
# ruleid: flask-session-cookie-flag-off
app.config.from_mapping(REMEMBER_COOKIE_SECURE=False)

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


def identity_cookie():
    resp = make_response(jsonify(ok=True))
    # ruleid: sensitive-cookie-readable-by-scripts
    resp.set_cookie("userId", value="42")
    return resp


def role_cookie(resp, user):
    # ok: sensitive-cookie-readable-by-scripts
    resp.set_cookie("role", user.role, secure=True)


def constant_name(response, token):
    # ruleid: sensitive-cookie-without-secure
    response.set_cookie(SESSION_COOKIE, token, httponly=True)


def settings_name(response, user):
    # ruleid: sensitive-cookie-readable-by-scripts
    response.set_cookie(settings.AUTH_COOKIE_NAME, issue_token(user))


def unnamed_token(response, name, access_token):
    # ruleid: sensitive-cookie-readable-by-scripts
    response.set_cookie(name, access_token)


async def aiohttp_login(request):
    response = web.json_response({"ok": True})
    # ruleid: sensitive-cookie-readable-by-scripts
    response.set_cookie("AIOHTTP_SESSION", new_session(request), secure=True)
    return response


class LoginHandler(RequestHandler):
    def post(self):
        # ruleid: sensitive-cookie-readable-by-scripts
        self.set_secure_cookie("user", self.get_argument("name"))


def remember_positional(res, b64):
    # ruleid: sensitive-cookie-readable-by-scripts
    res.set_cookie("rememberme", b64, 60 * 60 * 24 * 15)


# --- safe cookies stay silent ---


def logout(resp):
    # ok: sensitive-cookie-readable-by-scripts
    resp.set_cookie("sessionid", "", expires=0)


def csrf_double_submit(response, token):
    # ok: sensitive-cookie-readable-by-scripts, sensitive-cookie-without-secure
    response.set_cookie("csrf_token", token, httponly=False, samesite="lax", secure=True)


def csrf_from_settings(response):
    # ok: sensitive-cookie-readable-by-scripts
    response.set_cookie(settings.CSRF_COOKIE_NAME, secrets.token_urlsafe(32), samesite="lax")


def constant_theme(response, token):
    # ok: sensitive-cookie-readable-by-scripts
    response.set_cookie(THEME_COOKIE, "dark")


def computed_secure(response, request, token):
    # ok: sensitive-cookie-without-secure
    response.set_cookie(SESSION_COOKIE, token, httponly=True, secure=request.url.scheme == "https")


def flags_from_settings(response, token):
    # ok: sensitive-cookie-readable-by-scripts
    response.set_cookie("access_token", token, **settings.COOKIE_FLAGS)


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
