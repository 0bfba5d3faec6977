"""AG504 debug-endpoint."""

from __future__ import annotations

import ast
import re

from archguard.core.fingerprint import normalize_snippet
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.ops._roles import Role, class_role, function_role
from archguard.rules.web_security._config import (
    assigned_settings,
    is_true,
    mapping_entries,
    truthy_literal,
    updated_settings,
)
from archguard.rules.web_security._values import Frame, LocalValues
from archguard.scan.context import FileContext
from archguard.scan.scoped_rule import Scope
from archguard.scan.syntax import dotted, keyword, string, strings

#: App classes whose ``debug=True`` answers errors with tracebacks.
_DEBUG_APPS = frozenset(
    {
        "fastapi.FastAPI",
        "fastapi.applications.FastAPI",
        "starlette.applications.Starlette",
        "aiohttp.web.Application",
        "aiohttp.web_app.Application",
        "tornado.web.Application",
        "sanic.Sanic",
        "ariadne.asgi.GraphQL",
        "ariadne.wsgi.GraphQL",
        "starlette.middleware.errors.ServerErrorMiddleware",
    }
)
_DEBUGGERS = frozenset({"werkzeug.debug.DebuggedApplication", "werkzeug.DebuggedApplication"})
_RUN_SIMPLE = frozenset({"werkzeug.serving.run_simple", "werkzeug.run_simple"})
_DEBUG_TOOLBARS = frozenset({"aiohttp_debugtoolbar.setup"})
_FLASK_CORS = frozenset(
    {"flask_cors.CORS", "flask_cors.cross_origin", "flask.ext.cors.cross_origin"}
)
_TRACEBACKS = frozenset(
    {
        "traceback.format_exc",
        "traceback.format_exception",
        "traceback.format_tb",
        "traceback.format_stack",
    }
)
#: Calls whose arguments become the response.
_RESPONDERS = frozenset(
    {
        "jsonify",
        "make_response",
        "JSONResponse",
        "JsonResponse",
        "HttpResponse",
        "Response",
        "PlainTextResponse",
        "HTMLResponse",
        "HTTPException",
        "render_template",
        "render",
        "json_response",
        "abort",
    }
)
#: The last part of every name in the tables above, to skip other calls cheaply.
_CALLEE_NAMES = frozenset(
    name.rsplit(".", 1)[-1]
    for name in (*_DEBUG_APPS, *_DEBUGGERS, *_RUN_SIMPLE, *_DEBUG_TOOLBARS, *_FLASK_CORS)
)
_GRAPHQL_SWITCHES = frozenset({"graphiql", "introspection", "graphql_ide"})
#: Hosts that keep a development server, and its debugger, on this machine.
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: A condition about debug mode or the environment: what it guards follows the
#: configuration rather than switching debug on by itself.
_DEBUG_GUARD = re.compile(r"(?i)debug|develop|^dev$|_dev$|^dev_|local|testing")
_ANY_ORIGIN_REGEX = frozenset({".*", "^.*$", ".+", "^.+$", "*"})

_SHAPES = {
    "app-run-debug": (
        Severity.WARNING,
        "The app is started with debug=True: an exception page then shows source code and "
        "local variables, and Werkzeug's debugger runs any Python typed into it. Read the "
        "flag from the environment and keep it off in production.",
        'app.run(debug=os.environ.get("FLASK_DEBUG") == "1")',
    ),
    "framework-debug-flag": (
        Severity.WARNING,
        "Debug mode is switched on in code. Error responses will then include tracebacks "
        "with source and local variables. Take the flag from configuration that is off in "
        "production.",
        "debug=settings.DEBUG",
    ),
    "werkzeug-debugger": (
        Severity.ERROR,
        "Werkzeug's debugger gives anyone who can trigger an error an interactive Python "
        "shell on the server. Never wrap a deployed app in it.",
        "wrap the app in DebuggedApplication only when a development setting asks for it",
    ),
    "graphql-ide-enabled": (
        Severity.WARNING,
        "The GraphQL endpoint serves the GraphiQL IDE (or forces introspection on) in "
        "code: anyone can browse the whole schema, every query, mutation and field, "
        "including the ones the UI never shows. Enable it from a development setting only.",
        "graphiql=settings.DEBUG",
    ),
    "cors-any-origin-with-credentials": (
        Severity.ERROR,
        "CORS accepts every origin and allows credentials: any website can send "
        "authenticated requests as the visitor and read the responses. List the origins "
        "you trust.",
        "allow_origins=settings.CORS_ORIGINS",
    ),
    "traceback-in-response": (
        Severity.WARNING,
        "A traceback is sent back to the client. It reveals source paths, library versions "
        "and sometimes data; log it on the server and return a generic error with an id.",
        'logger.exception("..."); return {"error": "internal error"}',
    ),
    "environment-in-response": (
        Severity.ERROR,
        "The process environment or the application config is sent back to the client; "
        "both hold database URLs, API keys and signing secrets. Remove the endpoint.",
        "return only the values the client needs (a version string, a feature flag)",
    ),
}
_MEDIUM = frozenset({"graphql-ide-enabled"})


class DebugEndpoint(LocalValues):
    """
    ## What it does
    Finds debug switches and internals exposed in application code:
    - `app.run(debug=True)` (Flask, Quart, Sanic, Flask-SocketIO) and
      `uvicorn.run(debug=True)`; a run bound to `127.0.0.1` or `localhost` is a local
      development server and is left alone;
    - `FastAPI(debug=True)`, `Starlette(debug=True)`, aiohttp's
      `web.Application(debug=True)` and debug toolbar, Tornado's
      `Application(debug=True)` or `serve_traceback=True`, `app.debug = True`,
      `app.config["DEBUG"] = True` (or through `update()`), `FLASK_DEBUG=1` set in code;
    - Werkzeug's debugger: `DebuggedApplication` and `run_simple(use_debugger=True)`;
    - GraphQL endpoints that serve GraphiQL (`GraphQLView.as_view(graphiql=True)`,
      strawberry, ariadne) or force introspection on;
    - CORS that accepts every origin and also sends credentials
      (`CORSMiddleware(allow_origins=["*"], allow_credentials=True)`, flask-cors with
      `supports_credentials=True` or an `Access-Control-Allow-Credentials: true` header
      and no `origins`, or `origins="*"`);
    - request handlers whose response carries a traceback, the process environment or
      the app config, also through a local variable.

    A switch inside a branch that tests debug mode or the environment
    (`if app.debug:`, `if settings.DEBUG:`, `if os.environ.get("ENV") == "development":`)
    follows the configuration and is left alone. `DEBUG = True` and
    `ALLOWED_HOSTS = ["*"]` in settings modules are the job of the `debug-in-settings`
    rule.

    ## Why is this bad?
    Debug pages print source code, settings and local variables (often with secrets in
    them) to whoever triggers an error; the Werkzeug debugger is a remote Python shell.
    GraphiQL and introspection hand out the full API map. A wildcard CORS policy with
    credentials lets any website make authenticated requests as the visitor and read the
    answers. Tracebacks and environment dumps hand attackers the map of the system.

    ## Example
    ```python
    app = FastAPI(debug=True)
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)

    @app.get("/debug/env")
    def env():
        return dict(os.environ)
    ```

    ## Use instead
    ```python
    app = FastAPI(debug=settings.DEBUG)
    app.add_middleware(
        CORSMiddleware, allow_origins=settings.CORS_ORIGINS, allow_credentials=True
    )
    ```
    and no endpoint that returns the environment or the configuration.

    ## References
    - [Flask: debug mode](https://flask.palletsprojects.com/en/stable/debugging/)
    - [OWASP: Improper Error Handling](https://owasp.org/www-community/Improper_Error_Handling)
    - [OWASP GraphQL Cheat Sheet: introspection and GraphiQL](https://cheatsheetseries.owasp.org/cheatsheets/GraphQL_Cheat_Sheet.html#introspection-graphiql)
    - [MDN: CORS and credentials](https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS#requests_with_credentials)
    - [CWE-489](https://cwe.mitre.org/data/definitions/489.html), [CWE-215](https://cwe.mitre.org/data/definitions/215.html)
    """

    meta = RuleMeta(
        id="AG504",
        name="debug-endpoint",
        category=Category.DEBUG_ENDPOINT,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary=(
            "Debug mode or debugger on in code, CORS open with credentials, tracebacks or "
            "environment in responses."
        ),
        cwe=(489, 215),
        tags=frozenset({"security", "configuration"}),
        security_severity=7.5,
    )
    #: ``debug=``, not ``logger.debug(...)`` or ``logging.DEBUG``, which most modules hold.
    TRIGGERS = (
        rb"debug\s*=|DEBUG\s*=|DEBUG[\"']\s*[\]:]|FLASK_DEBUG|debugtoolbar|DebuggedApplication"
        rb"|use_debugger|use_evalex|traceback|graphiql|graphql_ide|introspection|CORS"
        rb"|cross_origin|Access-Control|environ|\.config\b|vars\(|__dict__",
    )

    VALID = (
        Valid(
            """
            from CTFd import create_app

            app = create_app()

            if __name__ == "__main__":
                app.run(debug=True, threaded=True, host="127.0.0.1", port=4000)
            """,
            path="wsgi.py",
            label="a development server bound to this machine",
        ),
        Valid(
            """
            from flask import Flask
            from werkzeug.debug import DebuggedApplication

            def create_app():
                app = Flask(__name__)
                app.config.from_object("config.settings")
                if app.debug:
                    app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=True)
                return app
            """,
            label="the debugger follows the configured debug mode",
        ),
        Valid(
            """
            from flask import Flask
            from flask_graphql import GraphQLView
            from app.config import settings
            from app.schema import schema

            app = Flask(__name__)
            app.add_url_rule(
                "/graphql", view_func=GraphQLView.as_view("graphql", schema=schema, graphiql=settings.DEBUG)
            )
            """,
        ),
        Valid(
            """
            import os
            from fastapi import FastAPI

            app = FastAPI()

            @app.get("/version")
            def version():
                return {"version": os.environ.get("APP_VERSION", "dev")}
            """,
        ),
        Valid(
            """
            from flask import Flask
            from flask_cors import CORS

            app = Flask(__name__)
            CORS(app, resources={r"/api/*": {"origins": ["https://shop.example.com"]}}, supports_credentials=True)
            """,
        ),
    )
    INVALID = (
        Invalid(
            """
            from aiohttp import web

            def make_app():
                app = web.Application(debug=True)
                return app
            """,
            line=4,
        ),
        Invalid(
            """
            from flask import Flask
            from flask_graphql import GraphQLView
            from app.schema import schema

            app = Flask(__name__)
            app.add_url_rule(
                "/graphql",
                view_func=GraphQLView.as_view(
                    "graphql",
                    schema=schema,
                    graphiql=True,
                ),
            )
            """,
            line=11,
            message="GraphiQL",
        ),
        Invalid(
            """
            from flask import Flask, make_response, session
            from flask_cors import CORS

            app = Flask(__name__)

            @app.route("/confidential")
            def confidential():
                response = make_response(session["profile"])
                response.headers.set("Access-Control-Allow-Credentials", "true")
                return response

            CORS(app, resources={r"/*": {"origins": "*"}})
            """,
            line=12,
            label="flask-cors with any origin and a credentials header set by hand",
        ),
        Invalid(
            """
            import traceback
            from fastapi import FastAPI
            from fastapi.responses import JSONResponse

            app = FastAPI()

            @app.post("/import")
            def run_import(payload: dict):
                try:
                    return do_import(payload)
                except Exception:
                    details = traceback.format_exc()
                    return JSONResponse({"error": details}, status_code=500)
            """,
            line=13,
            message="traceback",
        ),
        Invalid(
            """
            import os
            from flask import Flask

            app = Flask(__name__)
            app.config.update(dict(DEBUG=True, SECRET_KEY=os.environ["SECRET_KEY"]))
            """,
            line=5,
        ),
        Invalid(
            """
            from django.conf import settings
            from django.http import JsonResponse

            def settings_dump(request):
                return JsonResponse({k: str(v) for k, v in vars(settings).items()})
            """,
            line=5,
            message="environment or the application config",
        ),
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        #: Roles of the open scopes, innermost last (None for other functions).
        self._roles: list[Role | None] = []
        #: Ids of nodes inside branches that test debug mode or the environment.
        self._guarded: set[int] = set()
        self._reported: set[int] = set()
        self._flask_cors: list[ast.Call] = []
        self._origin_writes: list[tuple[ast.AST, ast.expr]] = []
        self._credentials_header = False

    # -- scopes and branches ----------------------------------------------------------

    def entered(self, node: Scope) -> None:
        super().entered(node)
        if isinstance(node, ast.ClassDef):
            self._roles.append(class_role(node, self.ctx.names))
            return
        parent = self.scopes[-1] if self.scopes else None
        enclosing = self._roles[-1] if isinstance(parent, ast.ClassDef) else None
        self._roles.append(function_role(node, self.ctx.names, enclosing))

    def leaving(self, node: Scope) -> None:
        super().leaving(node)
        self._roles.pop()

    @property
    def _in_handler(self) -> bool:
        function = self.function
        if function is None:
            return False
        index = self.scopes.index(function)
        return self._roles[index] is Role.HANDLER

    def visit_If(self, node: ast.If) -> None:
        if any(_DEBUG_GUARD.search(word) for word in _words_of(node.test)):
            for statement in node.body:
                self._guarded.update(id(n) for n in ast.walk(statement))

    # -- the shapes -------------------------------------------------------------------

    def call(self, node: ast.Call) -> None:
        func = node.func
        # Most calls are none of these: decide from the called name before resolving it.
        last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if last == "run":
            if is_true(keyword(node, "debug")) and not self._local_run(node):
                self._emit(node, "app-run-debug", self._run_confidence(node))
        elif last in _CALLEE_NAMES:
            self._known_callee(node, self.ctx.names.resolve(func) or "")
        elif last.endswith("CORSMiddleware") or last in ("add_middleware", "Middleware"):
            if _is_cors_middleware(node):
                self._judge_cors_middleware(node)
        elif last in ("update", "from_mapping", "setdefault", "configure"):
            for write in updated_settings(node):
                if write.key in ("DEBUG", "FLASK_DEBUG") and truthy_literal(write.value):
                    self._emit(node, "framework-debug-flag")
        elif last in ("set", "add", "__setitem__"):
            self._header_call(node)
        if any(kw.arg in _GRAPHQL_SWITCHES for kw in node.keywords):
            self._graphql(node, self.ctx.names.resolve(func) or "")
        if last in _RESPONDERS and self._in_handler:
            for arg in (*node.args, *(kw.value for kw in node.keywords)):
                self._response_part(arg)

    def _known_callee(self, node: ast.Call, callee: str) -> None:
        if callee in _DEBUG_APPS and (
            is_true(keyword(node, "debug")) or is_true(keyword(node, "serve_traceback"))
        ):
            self._emit(node, "framework-debug-flag")
        elif callee in _DEBUGGERS or (
            callee in _RUN_SIMPLE
            and (is_true(keyword(node, "use_debugger")) or is_true(keyword(node, "use_evalex")))
        ):
            self._emit(node, "werkzeug-debugger")
        elif callee in _DEBUG_TOOLBARS:
            self._emit(node, "framework-debug-flag")
        elif callee in _FLASK_CORS:
            self._flask_cors.append(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        super().visit_Assign(node)
        for write in assigned_settings(node):
            if write.key in ("DEBUG", "FLASK_DEBUG") and truthy_literal(write.value):
                self._emit(node, "framework-debug-flag")
        for target in node.targets:
            if (
                isinstance(target, ast.Attribute)
                and target.attr == "debug"
                and is_true(node.value)
                and self._is_app(target.value)
            ):
                self._emit(node, "framework-debug-flag")
            elif isinstance(target, ast.Subscript):
                self._header_item(target, node.value)
                if (
                    self.ctx.names.resolve(target.value) == "os.environ"
                    and string(target.slice) == "FLASK_DEBUG"
                    and truthy_literal(node.value)
                ):
                    self._emit(node, "framework-debug-flag")

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None and self._in_handler:
            self._response_part(node.value)

    def judge(self) -> None:
        for call in self._flask_cors:
            self._judge_flask_cors(call)
        if self._credentials_header:
            for node, value in self._origin_writes:
                if string(value) == "*" or "origin" in ast.unparse(value).lower():
                    self._emit(node, "cors-any-origin-with-credentials")

    # -- runs and apps ----------------------------------------------------------------

    def _local_run(self, call: ast.Call) -> bool:
        host = keyword(call, "host")
        text, _ = self.literal(self.frame, host)
        return text in _LOCAL_HOSTS

    def _run_confidence(self, call: ast.Call) -> Confidence:
        """Exposed to the network when it binds every interface; Flask's default host
        is local, but the same code is commonly started with ``--host``."""
        host = keyword(call, "host")
        text, _ = self.literal(self.frame, host)
        return (
            Confidence.HIGH if text is not None and text not in _LOCAL_HOSTS else Confidence.MEDIUM
        )

    def _is_app(self, expr: ast.expr) -> bool:
        """A web application object: named like one (``app``, ``api``, ``web_app``) or
        made by ``Flask(...)``, ``Quart(...)`` or an app factory."""
        text = dotted(expr) or ""
        last = text.split(".")[-1].lower()
        if last in ("app", "application", "api", "server") or last.endswith("_app"):
            return True
        if isinstance(expr, ast.Name):
            for value in self.values_of(self.frame, expr.id) or []:
                if isinstance(value, ast.Call):
                    made_by = (dotted(value.func) or "").split(".")[-1]
                    if made_by in ("Flask", "Quart", "Sanic") or made_by.endswith("create_app"):
                        return True
        return False

    def _graphql(self, call: ast.Call, callee: str) -> None:
        text = callee or (dotted(call.func) or "")
        if "graphql" not in text.lower() and not text.endswith("as_view"):
            return
        for kw in call.keywords:
            switched_on = (kw.arg in ("graphiql", "introspection") and is_true(kw.value)) or (
                kw.arg == "graphql_ide" and string(kw.value) in ("graphiql", "apollo-sandbox")
            )
            if switched_on:
                self._emit(kw.value, "graphql-ide-enabled", symbol_key=kw.arg or "")

    # -- CORS -------------------------------------------------------------------------

    def _judge_cors_middleware(self, call: ast.Call) -> None:
        if not is_true(keyword(call, "allow_credentials")):
            return
        origins = keyword(call, "allow_origins")
        regex, _ = self.literal(self.frame, keyword(call, "allow_origin_regex"))
        if (origins is not None and "*" in self._strings(self.frame, origins)) or (
            regex in _ANY_ORIGIN_REGEX
        ):
            self._emit(call, "cors-any-origin-with-credentials")

    def _judge_flask_cors(self, call: ast.Call) -> None:
        credentials = is_true(keyword(call, "supports_credentials")) or self._credentials_header
        if not credentials:
            return
        origins = keyword(call, "origins")
        resources = keyword(call, "resources")
        if origins is not None:
            if "*" not in self._strings(self.frame, origins):
                return
        elif resources is not None:
            entries = mapping_entries(resources)
            per_path = [e.value for e in entries]
            if not per_path:
                return  # a list or string of paths: the default origins, but unknown intent
            if not any(self._any_origin_resource(v) for v in per_path):
                return
        self._emit(call, "cors-any-origin-with-credentials")

    def _any_origin_resource(self, options: ast.expr) -> bool:
        entries = {e.key: e.value for e in mapping_entries(options)}
        if "origins" not in entries:
            return isinstance(options, ast.Dict)
        return "*" in self._strings(self.frame, entries["origins"])

    def _strings(self, frame: Frame, expr: ast.expr) -> tuple[str, ...]:
        value = self.resolve(frame, expr)
        return strings(value)

    def _header_call(self, call: ast.Call) -> None:
        """``response.headers.set/add("Access-Control-...", value)``."""
        func = call.func
        if not (
            isinstance(func, ast.Attribute)
            and func.attr in ("set", "add", "__setitem__", "setdefault")
            and isinstance(func.value, ast.Attribute)
            and func.value.attr == "headers"
            and len(call.args) >= 2
        ):
            return
        self._header(call, call.args[0], call.args[1])

    def _header_item(self, target: ast.Subscript, value: ast.expr) -> None:
        """``response.headers["Access-Control-..."] = value`` and ``response[...]``
        (Django)."""
        self._header(target, target.slice, value)

    def _header(self, node: ast.AST, name: ast.expr, value: ast.expr) -> None:
        header = (string(name) or "").lower()
        if header == "access-control-allow-credentials":
            self._credentials_header = (string(value) or "").lower() == "true"
        elif header == "access-control-allow-origin":
            self._origin_writes.append((node, value))

    # -- responses --------------------------------------------------------------------

    def _response_part(self, expr: ast.expr) -> None:
        for node in ast.walk(expr):
            if isinstance(node, ast.Call):
                callee = self.ctx.names.resolve(node.func) or ""
                if callee in _TRACEBACKS:
                    self._emit(node, "traceback-in-response")
                elif self._dumps_environment(node):
                    self._emit(node, "environment-in-response")
            elif self._spreads_environment(node):
                self._emit(node, "environment-in-response")
            elif isinstance(node, ast.Attribute) and node.attr == "__dict__":
                if self._is_settings(node.value):
                    self._emit(node, "environment-in-response")
            elif isinstance(node, ast.Name):
                self._traceback_variable(node)

    def _spreads_environment(self, node: ast.AST) -> bool:
        """``{**os.environ}`` and comprehensions over ``os.environ.items()``."""
        if isinstance(node, ast.Dict):
            return any(
                key is None and self._is_environment(value)
                for key, value in zip(node.keys, node.values, strict=True)
            )
        if isinstance(node, ast.DictComp | ast.ListComp):
            return any(self._is_items_of_environment(g.iter) for g in node.generators)
        return False

    def _traceback_variable(self, name: ast.Name) -> None:
        values = self.values_of(self.frame, name.id) or []
        for value in values:
            if (
                isinstance(value, ast.Call)
                and (self.ctx.names.resolve(value.func) or "") in _TRACEBACKS
            ):
                self._emit(name, "traceback-in-response")
                return

    def _dumps_environment(self, call: ast.Call) -> bool:
        """``dict(os.environ)``, ``os.environ.copy()``, ``jsonify(os.environ)``,
        ``dict(app.config)``, ``vars(settings)``, ``str(os.environ)``."""
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in ("copy", "items", "values"):
            return func.attr != "items" and self._is_environment(func.value)
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name == "vars" and call.args and self._is_settings(call.args[0]):
            return True
        if name in ("dict", "str", "repr", "jsonify", "JSONResponse", "JsonResponse"):
            return any(self._is_environment(a) for a in call.args)
        return False

    def _is_items_of_environment(self, expr: ast.expr) -> bool:
        if not (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and expr.func.attr == "items"
        ):
            return False
        owner = expr.func.value
        return self._is_environment(owner) or (
            isinstance(owner, ast.Call) and self._dumps_environment(owner)
        )

    def _is_environment(self, expr: ast.expr) -> bool:
        """``os.environ`` or an app's ``config``."""
        if self.ctx.names.resolve(expr) == "os.environ":
            return True
        if isinstance(expr, ast.Attribute) and expr.attr == "config":
            base = self.ctx.names.resolve(expr.value) or dotted(expr.value) or ""
            return base.split(".")[-1] in ("app", "current_app", "application")
        return False

    def _is_settings(self, expr: ast.expr) -> bool:
        return self.ctx.names.resolve(expr) in ("django.conf.settings",)

    # -- reporting --------------------------------------------------------------------

    def _emit(
        self,
        node: ast.AST,
        shape: str,
        confidence: Confidence | None = None,
        symbol_key: str = "",
    ) -> None:
        if id(node) in self._reported or id(node) in self._guarded:
            return
        # One finding per expression: what lies inside it (``vars(settings)`` inside the
        # comprehension over its items) is the same disclosure.
        self._reported.update(id(n) for n in ast.walk(node))
        severity, message, fix = _SHAPES[shape]
        snippet = symbol_key or self.source_line(node)
        self.report(
            node,
            message,
            symbol=f"{shape}\0{normalize_snippet(snippet)}",
            severity=severity,
            confidence=confidence or (Confidence.MEDIUM if shape in _MEDIUM else None),
            fix=fix,
            shape=shape,
        )


def _is_cors_middleware(call: ast.Call) -> bool:
    """``app.add_middleware(CORSMiddleware, ...)``, ``Middleware(CORSMiddleware, ...)``
    and ``CORSMiddleware(app, ...)``."""
    func_name = dotted(call.func) or ""
    if func_name.endswith("CORSMiddleware"):
        return True
    if call.args:
        first = dotted(call.args[0]) or ""
        return first.endswith("CORSMiddleware")
    return False


def _words_of(expr: ast.expr) -> list[str]:
    """The names, attributes and strings a condition is made of."""
    words = []
    for node in ast.walk(expr):
        if isinstance(node, ast.Name):
            words.append(node.id)
        elif isinstance(node, ast.Attribute):
            words.append(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            words.append(node.value)
    return words
