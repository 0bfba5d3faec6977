"""Web facts of one module, from its ``ast``: routers, routes, mounts, hooks, views,
URL patterns, guard candidates and the settings that change access control.

Only modules that mention web code (``TRIGGERS``) are looked at. Nothing is decided
here about what is a guard: that needs the definitions of other modules, which the
repo pass has.
"""

from __future__ import annotations

import ast
import re

from archguard.core.facts import ImportFact
from archguard.core.web import (
    Action,
    ClassInfo,
    FunctionInfo,
    Hook,
    Mount,
    Ref,
    Registration,
    RouteDecl,
    RouterDecl,
    SettingValue,
    UrlPattern,
    Variable,
    WebFacts,
)
from archguard.scan.syntax import (
    Names,
    argument,
    dotted,
    keyword,
    path_text,
    string,
    strings,
)
from archguard.web.bodies import function_info

#: Bytes whose absence means a module declares no route, router, view or guard.
TRIGGERS = re.compile(
    rb"route|Router|Blueprint|FastAPI|Flask|urlpatterns|View|permission_classes|"
    rb"REST_FRAMEWORK|MIDDLEWARE|login_required|Depends|Security|before_request|"
    rb"before_app_request|HTTPException|abort|PermissionDenied|is_authenticated|jwt|"
    rb"Limiter|limiter|ratelimit|Annotated|add_url_rule|Resource|aiohttp|Mixin|"
    rb"current_user|request|ROOT_URLCONF|INSTALLED_APPS|middleware|"
    rb"basicConfig|dictConfig|fileConfig|structlog|LOGGING|log_config"
)

#: Calls that configure logging for the process (a service needs one of them).
LOGGING_SETUP = frozenset(
    {
        "logging.basicConfig",
        "logging.config.dictConfig",
        "logging.config.fileConfig",
        "structlog.configure",
        "loguru.logger.add",
        "loguru.logger.configure",
    }
)

ROUTER_KINDS = {
    "fastapi.FastAPI": "fastapi-app",
    "fastapi.applications.FastAPI": "fastapi-app",
    "fastapi.APIRouter": "fastapi-router",
    "fastapi.routing.APIRouter": "fastapi-router",
    "flask.Flask": "flask-app",
    "flask.app.Flask": "flask-app",
    "flask.Blueprint": "flask-blueprint",
    "flask.blueprints.Blueprint": "flask-blueprint",
    "flask_smorest.Blueprint": "flask-blueprint",
    "flask_restx.Namespace": "flask-blueprint",
    "flask_restful.Api": "flask-api",
    "flask_restx.Api": "flask-api",
    "flask_smorest.Api": "flask-api",
    "aiohttp.web.Application": "aiohttp-app",
    "aiohttp.web.RouteTableDef": "aiohttp-routes",
    "rest_framework.routers.DefaultRouter": "drf-router",
    "rest_framework.routers.SimpleRouter": "drf-router",
}
_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
_ROUTE_ATTRS = _VERBS | {"route", "api_route"}
_AIOHTTP_ADD = {f"add_{v}": v for v in _VERBS}
_PREFIX_KEYWORDS = ("prefix", "url_prefix", "path")
_DRF_DECORATORS = {
    "rest_framework.decorators.permission_classes": "permission",
    "rest_framework.decorators.authentication_classes": "authentication",
    "rest_framework.decorators.throttle_classes": "throttle",
}
_CLASS_GUARDS = {
    "permission_classes": "permission",
    "authentication_classes": "authentication",
    "throttle_classes": "throttle",
    "decorators": "decorator",
    "method_decorators": "decorator",
}
_SETTINGS = frozenset({"MIDDLEWARE", "INSTALLED_APPS", "ROOT_URLCONF", "MIDDLEWARE_CLASSES"})
_FRAMEWORKS = ("fastapi", "flask", "django", "rest_framework", "aiohttp", "starlette")


def module_facts(
    tree: ast.Module, module: str, imports: tuple[ImportFact, ...], data: bytes
) -> WebFacts | None:
    """The per-file pass's entry: web facts of modules that mention web code."""
    return extract(tree, module, imports) if TRIGGERS.search(data) else None


def extract(tree: ast.Module, module: str, imports: tuple[ImportFact, ...]) -> WebFacts | None:
    collector = _Collector(Names(module, imports))
    collector.block(tree.body, "")
    facts = collector.facts()
    if facts == WebFacts(frameworks=facts.frameworks):
        return None
    return facts


class _Collector:
    def __init__(self, names: Names) -> None:
        self.names = names
        self.functions: list[FunctionInfo] = []
        self.classes: list[ClassInfo] = []
        self.routers: list[RouterDecl] = []
        self.mounts: list[Mount] = []
        self.routes: list[RouteDecl] = []
        self.hooks: list[Hook] = []
        self.urlpatterns: list[UrlPattern] = []
        self.registrations: list[Registration] = []
        self.variables: list[Variable] = []
        self.settings: list[SettingValue] = []

    def facts(self) -> WebFacts:
        return WebFacts(
            functions=tuple(self.functions),
            classes=tuple(self.classes),
            routers=tuple(sorted(self.routers)),
            mounts=tuple(sorted(self.mounts)),
            routes=tuple(sorted(self.routes)),
            hooks=tuple(sorted(self.hooks)),
            urlpatterns=tuple(self.urlpatterns),
            registrations=tuple(sorted(self.registrations)),
            variables=tuple(sorted(self.variables)),
            settings=tuple(sorted(self.settings)),
            frameworks=tuple(f for f in _FRAMEWORKS if self.names.imports_from(f)),
        )

    # -- statements ---------------------------------------------------------------

    def block(self, body: list[ast.stmt], scope: str) -> None:
        for stmt in body:
            self.statement(stmt, scope)

    def statement(self, stmt: ast.stmt, scope: str) -> None:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.function(stmt, scope)
        elif isinstance(stmt, ast.ClassDef):
            if not scope:
                self.klass(stmt)
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    self.assignment(target.id, stmt.value, stmt.lineno, scope)
            if isinstance(stmt.value, ast.Call):
                self.call(stmt.value)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            if isinstance(stmt.target, ast.Name):
                self.assignment(stmt.target.id, stmt.value, stmt.lineno, scope)
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            if stmt.target.id == "urlpatterns":
                self.url_entries(stmt.value, "")
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self.call(stmt.value)
        elif isinstance(stmt, (ast.If, ast.With, ast.AsyncWith, ast.For, ast.While)):
            self.block(stmt.body, scope)
            self.block(getattr(stmt, "orelse", []), scope)
        elif isinstance(stmt, ast.Try):
            for part in (stmt.body, stmt.orelse, stmt.finalbody, *(h.body for h in stmt.handlers)):
                self.block(part, scope)

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: str) -> None:
        qualname = f"{scope}{node.name}"
        guards: list[Ref] = []
        handler = self.names.local(qualname)
        for decorator in node.decorator_list:
            if self.route_decorator(decorator, handler):
                continue
            if self.hook_decorator(decorator, handler):
                continue
            guards.extend(self.guard_refs(decorator))
        self.functions.append(function_info(self.names, node, qualname, tuple(guards)))
        self.block(node.body, f"{qualname}.")

    def klass(self, node: ast.ClassDef) -> None:
        handler = self.names.local(node.name)
        decorators: list[Ref] = []
        for decorator in node.decorator_list:
            if not self.route_decorator(decorator, handler):
                decorators.extend(self.guard_refs(decorator))
        guards: list[Ref] = []
        assigned: list[str] = []
        methods: list[str] = []
        actions: list[Action] = []
        for stmt in node.body:
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    if isinstance(target, ast.Name) and stmt.value is not None:
                        assigned.append(target.id)
                        how = _CLASS_GUARDS.get(target.id)
                        if how is not None:
                            guards.extend(self.guard_list(stmt.value, how))
                        elif target.id in ("permission_required", "required_scopes", "roles"):
                            guards.append(
                                Ref(
                                    f"attribute:{target.id}",
                                    stmt.lineno,
                                    "permission",
                                    strings(stmt.value),
                                )
                            )
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                methods.append(stmt.name)
                refs: list[Ref] = []
                for decorator in stmt.decorator_list:
                    action = self.action(decorator, stmt)
                    if action is not None:
                        actions.append(action)
                    refs.extend(self.guard_refs(decorator))
                self.functions.append(
                    function_info(self.names, stmt, f"{node.name}.{stmt.name}", tuple(refs))
                )
        self.classes.append(
            ClassInfo(
                name=node.name,
                line=node.lineno,
                bases=tuple(self.names.qualify(b) for b in node.bases if self.names.qualify(b)),
                decorators=tuple(decorators),
                guards=tuple(guards),
                assigned=tuple(sorted(set(assigned))),
                methods=tuple(methods),
                actions=tuple(sorted(actions)),
            )
        )

    def action(
        self, decorator: ast.expr, method: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> Action | None:
        if not isinstance(decorator, ast.Call):
            return None
        if self.names.qualify(decorator.func) not in (
            "rest_framework.decorators.action",
            "rest_framework.decorators.detail_route",
            "rest_framework.decorators.list_route",
        ):
            return None
        detail = keyword(decorator, "detail")
        methods = tuple(m.upper() for m in strings(keyword(decorator, "methods"))) or ("GET",)
        return Action(
            method.name,
            methods,
            bool(isinstance(detail, ast.Constant) and detail.value),
            string(keyword(decorator, "url_path")) or method.name,
            method.lineno,
        )

    # -- decorators ---------------------------------------------------------------

    def route_decorator(self, decorator: ast.expr, handler: str) -> bool:
        if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute):
            return False
        attr = decorator.func.attr
        if attr not in _ROUTE_ATTRS:
            return False
        path = (
            string(argument(decorator, 0, "path"))
            if decorator.args or keyword(decorator, "path")
            else None
        )
        if path is None or not (path.startswith("/") or path == ""):
            return False
        if attr in _VERBS:
            methods: tuple[str, ...] = (attr.upper(),)
        else:
            methods = tuple(m.upper() for m in strings(keyword(decorator, "methods")))
        self.routes.append(
            RouteDecl(
                owner=self.names.qualify(decorator.func.value),
                path=path,
                methods=methods,
                handler=handler,
                line=decorator.lineno,
                refs=self.dependency_list(keyword(decorator, "dependencies")),
            )
        )
        return True

    def hook_decorator(self, decorator: ast.expr, handler: str) -> bool:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if not isinstance(target, ast.Attribute):
            return False
        if target.attr in ("before_request", "before_app_request"):
            app_wide = target.attr == "before_app_request"
        elif target.attr == "middleware" and isinstance(decorator, ast.Call):
            app_wide = True
        else:
            return False
        self.hooks.append(
            Hook(self.names.qualify(target.value), handler, decorator.lineno, app_wide)
        )
        return True

    def guard_refs(self, decorator: ast.expr) -> list[Ref]:
        """Refs for a decorator, looking inside ``method_decorator(...)`` and DRF's
        ``@permission_classes([...])``."""
        if isinstance(decorator, ast.Call):
            qualified = self.names.qualify(decorator.func)
            if qualified.endswith("method_decorator") and decorator.args:
                return list(self.guard_list(decorator.args[0], "decorator"))
            how = _DRF_DECORATORS.get(qualified)
            if how is not None and decorator.args:
                return list(self.guard_list(decorator.args[0], how))
        return [self.names.ref(decorator, "decorator")]

    def guard_list(self, expr: ast.expr, how: str) -> tuple[Ref, ...]:
        return self.names.refs(expr, how)

    def dependency_list(self, expr: ast.expr | None) -> tuple[Ref, ...]:
        """``dependencies=[Depends(a), Security(b, scopes=[...])]``."""
        if not isinstance(expr, (ast.List, ast.Tuple)):
            return ()
        refs = []
        for item in expr.elts:
            if isinstance(item, ast.Call) and item.args:
                ref = self.names.ref(item.args[0], "dependency")
                scopes = strings(keyword(item, "scopes"))
                refs.append(
                    Ref(
                        ref.target,
                        ref.line,
                        ref.how,
                        ref.args + tuple(f"scope:{s}" for s in scopes),
                        ref.called,
                    )
                )
        return tuple(refs)

    # -- assignments and calls -------------------------------------------------------

    def assignment(self, name: str, value: ast.expr, line: int, scope: str) -> None:
        qualified = self.names.local(name)
        if name == "urlpatterns":
            self.url_entries(value, "")
            return
        if not scope and name in ("LOGGING", "LOGGING_CONFIG"):
            self.settings.append(SettingValue("LOGGING", (), line))
            return
        if not scope and name in _SETTINGS:
            values = strings(value)
            self.settings.append(SettingValue(name, values, line))
            return
        if not scope and name == "REST_FRAMEWORK" and isinstance(value, ast.Dict):
            for key, item in zip(value.keys, value.values, strict=True):
                key_text = string(key)
                if key_text and key_text.startswith("DEFAULT_"):
                    self.settings.append(
                        SettingValue(f"REST_FRAMEWORK.{key_text}", strings(item), line)
                    )
            return
        if isinstance(value, ast.Subscript) and self.names.qualify(value.value) in (
            "typing.Annotated",
            "typing_extensions.Annotated",
        ):
            items = value.slice.elts if isinstance(value.slice, ast.Tuple) else []
            refs = tuple(
                r
                for item in items[1:]
                if isinstance(item, ast.Call)
                for r in self.dependency_list(ast.List(elts=[item], ctx=ast.Load()))
            )
            if refs:
                self.variables.append(Variable(name, line, "typing.Annotated", refs=refs))
            return
        if not isinstance(value, ast.Call):
            return
        constructor = self.names.qualify(value.func)
        kind = ROUTER_KINDS.get(constructor)
        if kind is not None:
            prefix = ""
            for word in _PREFIX_KEYWORDS:
                prefix = path_text(keyword(value, word)) or prefix
            self.routers.append(
                RouterDecl(
                    qualified,
                    kind,
                    line,
                    prefix,
                    self.dependency_list(keyword(value, "dependencies")),
                )
            )
            if kind == "flask-api" and value.args:
                parent = self.names.qualify(value.args[0])
                if parent:
                    self.mounts.append(Mount(parent, qualified, "", line))
            return
        if scope:
            return
        refs = (
            self.dependency_list(ast.List(elts=[value], ctx=ast.Load()))
            if constructor in ("fastapi.Depends", "fastapi.Security")
            else ()
        )
        args = tuple(
            s for a in (*value.args, *(k.value for k in value.keywords)) for s in strings(a)
        )
        self.variables.append(
            Variable(
                name,
                line,
                constructor,
                args,
                refs,
                tuple(sorted(k.arg for k in value.keywords if k.arg)),
            )
        )

    def call(self, node: ast.Call) -> None:
        func = node.func
        callee = self.names.qualify(func)
        if callee in LOGGING_SETUP or any(
            k.arg in ("log_config", "logconfig_dict") for k in node.keywords
        ):
            self.settings.append(SettingValue("LOGGING", (callee or "",), node.lineno))
        if not isinstance(func, ast.Attribute):
            return
        owner = self.names.qualify(func.value)
        attr = func.attr
        line = node.lineno
        if attr in ("include_router", "register_blueprint", "init_app") and node.args:
            child = self.names.qualify(node.args[0])
            prefix = ""
            for key in _PREFIX_KEYWORDS:
                prefix = path_text(keyword(node, key)) or prefix
            refs = self.dependency_list(keyword(node, "dependencies"))
            if attr == "init_app":
                # ``api.init_app(app)``: the Api object hangs off the app.
                self.mounts.append(Mount(child, owner, "", line))
            elif child:
                self.mounts.append(Mount(owner, child, prefix, line, refs))
        elif attr == "add_namespace" and node.args:
            child = self.names.qualify(node.args[0])
            namespace_path = path_text(argument(node, 1, "path")) or ""
            if child:
                self.mounts.append(Mount(owner, child, namespace_path, line))
        elif attr in ("mount", "add_subapp") and len(node.args) >= 2:
            child = self.names.qualify(node.args[1])
            path = string(node.args[0])
            if child and path is not None and not isinstance(node.args[1], ast.Call):
                self.mounts.append(Mount(owner, child, path, line))
        elif attr in ("add_url_rule", "add_api_route", "add_resource"):
            self.call_route(node, owner, attr)
        elif attr in ("before_request", "before_app_request") and node.args:
            self.hooks.append(
                Hook(owner, self.names.qualify(node.args[0]), line, attr == "before_app_request")
            )
        elif attr == "add_middleware" and node.args:
            self.hooks.append(Hook(owner, self.names.qualify(node.args[0]), line, True))
        elif attr in _AIOHTTP_ADD and len(node.args) >= 2:
            path = string(node.args[0])
            if path is not None:
                base = owner[: -len(".router")] if owner.endswith(".router") else owner
                self.routes.append(
                    RouteDecl(
                        base,
                        path,
                        (_AIOHTTP_ADD[attr].upper(),),
                        self.names.qualify(node.args[1]),
                        line,
                    )
                )
        elif attr == "add_routes" and node.args and isinstance(node.args[0], (ast.List, ast.Tuple)):
            for item in node.args[0].elts:
                if (
                    isinstance(item, ast.Call)
                    and isinstance(item.func, ast.Attribute)
                    and item.func.attr in _VERBS
                    and len(item.args) >= 2
                ):
                    path = string(item.args[0])
                    if path is not None:
                        self.routes.append(
                            RouteDecl(
                                owner,
                                path,
                                (item.func.attr.upper(),),
                                self.names.qualify(item.args[1]),
                                item.lineno,
                            )
                        )
        elif attr == "register" and len(node.args) >= 2:
            registered = string(node.args[0])
            viewset = self.names.qualify(node.args[1])
            if registered is not None and viewset:
                self.registrations.append(Registration(owner, registered, viewset, line))

    def call_route(self, node: ast.Call, owner: str, attr: str) -> None:
        if attr == "add_resource":
            if len(node.args) < 2:
                return
            handler_expr: ast.expr | None = node.args[0]
            paths = [s for s in (string(a) for a in node.args[1:]) if s is not None]
        else:
            path = string(argument(node, 0, "rule" if attr == "add_url_rule" else "path"))
            paths = [path] if path is not None else []
            handler_expr = keyword(node, "view_func") or keyword(node, "endpoint")
            if handler_expr is None or string(handler_expr) is not None:
                position = 2 if attr == "add_url_rule" else 1
                handler_expr = node.args[position] if len(node.args) > position else None
        if handler_expr is None or not paths:
            return
        refs: list[Ref] = list(self.dependency_list(keyword(node, "dependencies")))
        while isinstance(handler_expr, ast.Call):
            func = handler_expr.func
            if isinstance(func, ast.Attribute) and func.attr == "as_view":
                handler_expr = func.value
                break
            if not handler_expr.args:
                return
            refs.append(self.names.ref(func, "wrapper"))
            handler_expr = handler_expr.args[0]
        handler = self.names.qualify(handler_expr)
        methods = tuple(m.upper() for m in strings(keyword(node, "methods")))
        for path in paths:
            self.routes.append(RouteDecl(owner, path, methods, handler, node.lineno, tuple(refs)))

    # -- Django URL patterns ---------------------------------------------------------

    def url_entries(self, value: ast.expr, prefix: str) -> None:
        if isinstance(value, ast.Attribute) and value.attr == "urls":
            self.urlpatterns.append(
                UrlPattern(
                    prefix, value.lineno, include="router:" + self.names.qualify(value.value)
                )
            )
            return
        if isinstance(value, ast.BinOp):
            self.url_entries(value.left, prefix)
            self.url_entries(value.right, prefix)
            return
        if not isinstance(value, (ast.List, ast.Tuple)):
            return
        for entry in value.elts:
            if not isinstance(entry, ast.Call) or len(entry.args) < 2:
                continue
            kind = (dotted(entry.func) or "").rsplit(".", 1)[-1]
            path = string(entry.args[0])
            if kind not in ("path", "re_path", "url") or path is None:
                continue
            self.url_view(entry.args[1], prefix + path, entry.lineno, [])

    def url_view(self, view: ast.expr, path: str, line: int, refs: list[Ref]) -> None:
        if isinstance(view, ast.Call):
            func_name = self.names.qualify(view.func)
            if func_name.endswith("include") and view.args:
                target = view.args[0]
                if isinstance(target, ast.Tuple) and target.elts:
                    target = target.elts[0]
                module = string(target)
                if module is not None:
                    self.urlpatterns.append(
                        UrlPattern(path, line, include=module, refs=tuple(refs))
                    )
                elif isinstance(target, ast.Attribute) and target.attr == "urls":
                    self.urlpatterns.append(
                        UrlPattern(
                            path,
                            line,
                            include="router:" + self.names.qualify(target.value),
                            refs=tuple(refs),
                        )
                    )
                elif isinstance(target, (ast.List, ast.Tuple)):
                    self.url_entries(target, path)
                return
            if isinstance(view.func, ast.Attribute) and view.func.attr == "as_view":
                self.urlpatterns.append(
                    UrlPattern(
                        path, line, view=self.names.qualify(view.func.value), refs=tuple(refs)
                    )
                )
                return
            if view.args:
                self.url_view(
                    view.args[0], path, line, [*refs, self.names.ref(view.func, "wrapper")]
                )
            return
        qualified = self.names.qualify(view)
        if qualified and not qualified.endswith("site.urls"):
            self.urlpatterns.append(UrlPattern(path, line, view=qualified, refs=tuple(refs)))
