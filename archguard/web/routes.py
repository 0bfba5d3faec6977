"""The route inventory, assembled from every module's web facts.

Decorator routes (FastAPI, Flask, aiohttp) are followed up through the routers,
blueprints and apps they are mounted on, collecting prefixes and guards at each level.
Django routes are followed from the root URLconf down through ``include()`` and DRF
routers to function views, class-based views and view sets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from archguard.core.findings import Location
from archguard.core.routes import Guard, GuardKind, Route
from archguard.core.web import ClassInfo, FunctionInfo, Mount, Ref, Registration, RouteDecl
from archguard.graph.project import Project
from archguard.web.guards import NONE, GuardResolver
from archguard.web.index import WebIndex, at, build_index

_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
_DRF_GENERICS = {
    "ListAPIView": {"list"},
    "CreateAPIView": {"create"},
    "RetrieveAPIView": {"retrieve"},
    "DestroyAPIView": {"destroy"},
    "UpdateAPIView": {"update", "partial_update"},
    "ListCreateAPIView": {"list", "create"},
    "RetrieveUpdateAPIView": {"retrieve", "update", "partial_update"},
    "RetrieveDestroyAPIView": {"retrieve", "destroy"},
    "RetrieveUpdateDestroyAPIView": {"retrieve", "update", "partial_update", "destroy"},
    "ModelViewSet": {"list", "create", "retrieve", "update", "partial_update", "destroy"},
    "ReadOnlyModelViewSet": {"list", "retrieve"},
    "ListModelMixin": {"list"},
    "CreateModelMixin": {"create"},
    "RetrieveModelMixin": {"retrieve"},
    "UpdateModelMixin": {"update", "partial_update"},
    "DestroyModelMixin": {"destroy"},
}
_DJANGO_GENERICS = {
    "TemplateView": {"get"},
    "ListView": {"get"},
    "DetailView": {"get"},
    "RedirectView": {"get"},
    "CreateView": {"get", "post"},
    "UpdateView": {"get", "post"},
    "FormView": {"get", "post"},
    "DeleteView": {"get", "post", "delete"},
    "LoginView": {"get", "post"},
    "LogoutView": {"post"},
    "PasswordResetView": {"get", "post"},
}
_ACTION_METHODS = {
    "list": "GET",
    "create": "POST",
    "retrieve": "GET",
    "update": "PUT",
    "partial_update": "PATCH",
    "destroy": "DELETE",
}
_DETAIL_ACTIONS = frozenset({"retrieve", "update", "partial_update", "destroy"})
_METHOD_DECORATORS = {
    "django.views.decorators.http.require_POST": ("POST",),
    "django.views.decorators.http.require_GET": ("GET",),
    "django.views.decorators.http.require_safe": ("GET",),
}
_PARAM = re.compile(r"[{<]|\(\?P<")
_LOGIN_REQUIRED_MIDDLEWARE = "django.contrib.auth.middleware.LoginRequiredMiddleware"


@dataclass
class RouteInventory:
    routes: list[Route]
    index: WebIndex
    resolver: GuardResolver

    def function(self, name: str) -> FunctionInfo | None:
        entry = self.index.functions.get(name)
        return entry[1] if entry else None

    def function_path(self, name: str) -> str:
        entry = self.index.functions.get(name)
        return entry[0] if entry else ""

    def klass(self, name: str) -> ClassInfo | None:
        entry = self.index.classes.get(name)
        return entry[1] if entry else None


def build_inventory(index: WebIndex) -> RouteInventory:
    builder = _Builder(index)
    builder.decorator_routes()
    builder.django_routes()
    routes = sorted(set(builder.routes), key=lambda r: (r.path, r.methods, r.handler, r.declared))
    return RouteInventory(routes, index, builder.resolver)


def _join(*parts: str) -> str:
    path = "/".join(p.strip("/") for p in parts if p and p.strip("/"))
    trailing = parts[-1].endswith("/") and len(parts[-1]) > 1 if parts else False
    return "/" + path + ("/" if trailing and path else "")


def _short(target: str) -> str:
    return target.rsplit(".", 1)[-1] if target else "?"


def _label(ref: Ref) -> str:
    name = _short(ref.target)
    if ref.how in ("dependency", "annotation"):
        return f"Depends({name})"
    if ref.how == "decorator":
        return f"@{name}"
    return name


@dataclass
class _Chain:
    prefix: str
    guards: list[Guard] = field(default_factory=list)
    scopes: list[Location] = field(default_factory=list)


class _Builder:
    def __init__(self, index: WebIndex) -> None:
        self.index = index
        self.resolver = GuardResolver(index)
        self.routes: list[Route] = []
        self.parents: dict[str, list[tuple[str, Mount]]] = {}
        for path, mount in index.mounts:
            self.parents.setdefault(index.canonical(mount.child), []).append((path, mount))
        self.hooks: dict[str, list[tuple[str, str, int, bool]]] = {}
        self.django_site: list[Guard] = []
        for owner, hooks in index.hooks.items():
            for path, hook in hooks:
                self.hooks.setdefault(index.canonical(owner), []).append(
                    (path, hook.function, hook.line, hook.app_wide)
                )

    # -- guards ---------------------------------------------------------------------

    def guards(self, refs: tuple[Ref, ...] | list[Ref], origin: str, path: str) -> list[Guard]:
        out = []
        for ref in refs:
            for kind in self.resolver.kinds(ref):
                out.append(Guard(kind, _label(ref), origin, at(path, ref.line)))
        return out

    def body_guards(self, name: str) -> list[Guard]:
        entry = self.index.functions.get(name)
        if entry is None:
            return []
        path, info = entry
        out = self.guards(info.decorators, "handler", path)
        out += self.guards(
            [r for r in info.dependencies if r.how in ("dependency", "annotation")], "handler", path
        )
        for ref in info.calls:
            if ref.how == "test":
                # A predicate in a condition guards only where the body refuses.
                kinds = self.resolver.predicate(ref.target) if "deny" in info.signals else NONE
            else:
                kinds = self.resolver.kinds(ref)
            for kind in kinds & {GuardKind.AUTHENTICATION, GuardKind.AUTHORIZATION}:
                out.append(Guard(kind, f"{_short(ref.target)}()", "body", at(path, ref.line)))
        if "authn" in info.signals:
            out.append(
                Guard(GuardKind.AUTHENTICATION, "check in handler", "body", at(path, info.line))
            )
        if "role" in info.signals:
            out.append(
                Guard(GuardKind.AUTHORIZATION, "check in handler", "body", at(path, info.line))
            )
        return out

    def hook_guards(self, router: str, origin: str) -> list[Guard]:
        out = []
        for path, function, line, _ in self.hooks.get(router, ()):
            for kind in self.resolver.of(function) - {GuardKind.PUBLIC}:
                out.append(Guard(kind, f"hook {_short(function)}", origin, at(path, line)))
        return out

    # -- FastAPI, Flask, aiohttp ---------------------------------------------------------

    def chains(self, router: str, depth: int = 0) -> list[_Chain]:
        entry = self.index.routers.get(router)
        own = _Chain("")
        origin = "router"
        if entry is not None:
            path, decl = entry
            origin = "app" if decl.kind.endswith("-app") else "router"
            own.prefix = decl.prefix
            own.guards += self.guards(decl.refs, origin, path)
            own.scopes.append(at(path, decl.line, f"{decl.kind} {_short(router)}"))
        own.guards += self.hook_guards(router, "hook" if origin == "router" else "app")
        parents = self.parents.get(router, []) if depth < 6 else []
        if not parents:
            return [own]
        out = []
        for path, mount in parents:
            for chain in self.chains(self.index.canonical(mount.parent), depth + 1):
                out.append(
                    _Chain(
                        _join(chain.prefix, mount.prefix, own.prefix),
                        [*chain.guards, *self.guards(mount.refs, "include", path), *own.guards],
                        [
                            *chain.scopes,
                            at(path, mount.line, f"mounted on {_short(mount.parent)}"),
                            *own.scopes,
                        ],
                    )
                )
        return out

    def framework_of(self, owner: str, module: str) -> str:
        entry = self.index.routers.get(owner)
        if entry is not None:
            return entry[1].kind.split("-")[0]
        frameworks = self.index.frameworks.get(module, ())
        for name in ("fastapi", "flask", "aiohttp"):
            if name in frameworks:
                return name
        return ""

    def decorator_routes(self) -> None:
        flask_app_hooks = [
            g
            for owner, hooks in self.hooks.items()
            for (_, _, _, app_wide) in hooks
            if app_wide
            for g in self.hook_guards(owner, "app")
            if self.index.routers.get(owner, ("", None))[1] is not None
            and self.index.routers[owner][1].kind == "flask-blueprint"
        ]
        for path, module, decl in self.index.routes:
            owner = self.index.canonical(decl.owner)
            framework = self.framework_of(owner, module)
            if not framework:
                continue
            for chain in self.chains(owner):
                extra = flask_app_hooks if framework == "flask" else []
                self.route(framework, path, decl, chain, extra)

    def route(
        self, framework: str, path: str, decl: RouteDecl, chain: _Chain, extra: list[Guard]
    ) -> None:
        handler = self.index.canonical(decl.handler)
        full = _join(chain.prefix, decl.path) if decl.path not in ("", "/") or chain.prefix else "/"
        if decl.path.endswith("/") and not full.endswith("/"):
            full += "/"
        common = [*chain.guards, *extra, *self.guards(decl.refs, "route", path)]
        declared = at(path, decl.line)
        if handler in self.index.classes:
            kpath, klass = self.index.classes[handler]
            view = self.class_guards(handler)
            methods = [m for m in _VERBS if m in self.class_methods(handler)]
            for method in methods:
                if decl.methods and method.upper() not in decl.methods:
                    continue
                function = f"{handler}.{method}"
                self.add(
                    Route(
                        framework,
                        (method.upper(),),
                        full,
                        function,
                        self.index.defined_at(function) or at(kpath, klass.line),
                        declared,
                        tuple(sorted({*common, *view, *self.body_guards(function)})),
                        tuple(chain.scopes),
                        (function,),
                        bool(_PARAM.search(decl.path)),
                        handler,
                    )
                )
            return
        self.add(
            Route(
                framework,
                decl.methods or ("GET",),
                full,
                handler,
                self.index.defined_at(handler) or declared,
                declared,
                tuple(sorted({*common, *self.body_guards(handler)})),
                tuple(chain.scopes),
                (handler,),
                bool(_PARAM.search(decl.path)),
            )
        )

    def add(self, route: Route) -> None:
        self.routes.append(route)

    # -- classes ----------------------------------------------------------------------

    def mro(self, name: str) -> tuple[list[str], list[str]]:
        return self.index.mro(name)

    def class_methods(self, name: str) -> set[str]:
        ours, external = self.mro(name)
        methods = {m for c in ours for m in self.index.classes[c][1].methods}
        for base in external:
            methods |= _DJANGO_GENERICS.get(_short(base), set())
        return methods

    def class_guards(self, name: str) -> list[Guard]:
        ours, external = self.mro(name)
        out: list[Guard] = []
        for current in ours:
            path, info = self.index.classes[current]
            out += self.guards(info.decorators, "view", path)
            out += self.guards(
                [r for r in info.guards if r.how in ("decorator", "permission")], "view", path
            )
            dispatch = f"{current}.dispatch"
            if dispatch in self.index.functions:
                out += self.guards(self.index.functions[dispatch][1].decorators, "view", path)
        for base in external:
            for kind in self.resolver.of(base) - {GuardKind.PUBLIC}:
                out.append(Guard(kind, _short(base), "view", self.class_location(name)))
        return out

    def class_location(self, name: str) -> Location:
        path, info = self.index.classes[name]
        return at(path, info.line)

    # -- Django and DRF -------------------------------------------------------------------

    def setting(self, name: str) -> tuple[str, tuple[str, ...], int] | None:
        entry = self.index.settings.get(name)
        return (entry[0], entry[1].values, entry[1].line) if entry else None

    def django_routes(self) -> None:
        if not self.index.urlpatterns:
            return
        included = {
            p.include for patterns in self.index.urlpatterns.values() for p in patterns if p.include
        }
        root = self.setting("ROOT_URLCONF")
        roots = [v for v in root[1] if v in self.index.urlpatterns] if root else []
        if not roots:
            roots = sorted(m for m in self.index.urlpatterns if m not in included)
        middleware = self.setting("MIDDLEWARE")
        if middleware and _LOGIN_REQUIRED_MIDDLEWARE in middleware[1]:
            self.django_site.append(
                Guard(
                    GuardKind.AUTHENTICATION,
                    "LoginRequiredMiddleware",
                    "settings",
                    at(middleware[0], middleware[2]),
                )
            )
        apps = self.setting("INSTALLED_APPS")
        if (apps and "axes" in apps[1]) or (middleware and any("axes" in m for m in middleware[1])):
            where = apps or middleware
            assert where is not None
            self.django_site.append(
                Guard(GuardKind.RATE_LIMIT, "django-axes", "settings", at(where[0], where[2]))
            )
        for module in roots:
            self.urlconf(module, "", [], 0)

    def urlconf(self, module: str, prefix: str, refs: list[tuple[str, Ref]], depth: int) -> None:
        path = self.index.paths.get(module, "")
        for pattern in self.index.urlpatterns.get(module, []):
            wraps = [*refs, *((path, r) for r in pattern.refs)]
            where = at(path, pattern.line)
            full = prefix + pattern.path
            if pattern.include.startswith("router:"):
                router = self.index.canonical(pattern.include[len("router:") :])
                for rpath, registration in self.registrations(router):
                    self.viewset(
                        full + registration.prefix.strip("^$"),
                        self.index.canonical(registration.viewset),
                        at(rpath, registration.line),
                    )
            elif pattern.include:
                if depth < 8:
                    self.urlconf(pattern.include, full, wraps, depth + 1)
            elif pattern.view:
                view = self.index.canonical(pattern.view)
                wrappers = [g for p, r in wraps for g in self.guards([r], "route", p)]
                if view in self.index.classes:
                    self.django_class(view, full, where, wrappers)
                else:
                    self.django_function(view, full, where, wrappers)

    def registrations(self, router: str) -> list[tuple[str, Registration]]:
        out: list[tuple[str, Registration]] = []
        for owner, items in self.index.registrations.items():
            if self.index.canonical(owner) == router:
                out.extend(items)
        return out

    def drf_defaults(self, key: str, origin_kind: str) -> list[Guard]:
        found = self.setting(f"REST_FRAMEWORK.DEFAULT_{key}_CLASSES")
        if not found:
            return []
        path, values, line = found
        return self.guards([Ref(v, line, origin_kind) for v in values], "settings", path)

    def is_drf(self, view: str) -> bool:
        _, external = self.mro(view)
        return any(b.startswith("rest_framework.") for b in external)

    def drf_guards(self, view: str) -> list[Guard]:
        ours, _ = self.mro(view)
        out: list[Guard] = []
        for key, how in (("permission_classes", "permission"), ("throttle_classes", "throttle")):
            owner = next((c for c in ours if key in self.index.classes[c][1].assigned), None)
            if owner is None:
                out += self.drf_defaults(how.upper() if how == "permission" else "THROTTLE", how)
                continue
            path, info = self.index.classes[owner]
            out += self.guards([r for r in info.guards if r.how == how], "view", path)
        if any(f"{c}.get_permissions" in self.index.functions for c in ours):
            out.append(
                Guard(GuardKind.UNRESOLVED, "get_permissions()", "view", self.class_location(view))
            )
        return out

    def django_class(self, view: str, path: str, where: Location, wrappers: list[Guard]) -> None:
        drf = self.is_drf(view)
        guards = [*self.django_site, *wrappers, *self.class_guards(view)]
        if drf:
            guards += self.drf_guards(view)
        methods = sorted(m.upper() for m in self.class_methods(view) if m in _VERBS)
        actions = self.drf_actions(view)
        methods = sorted({*methods, *(_ACTION_METHODS[a] for a in actions)})
        if not methods:
            methods = ["ANY"]
        ours, _ = self.mro(view)
        functions = tuple(
            f"{c}.{m}"
            for c in ours
            for m in (*_VERBS, *_ACTION_METHODS)
            if f"{c}.{m}" in self.index.functions
        )
        body = [g for f in functions for g in self.body_guards(f)]
        self.add(
            Route(
                "drf" if drf else "django",
                tuple(methods),
                "/" + path.lstrip("^/").rstrip("$"),
                view,
                self.class_location(view),
                where,
                tuple(sorted({*guards, *body})),
                self.django_scopes(),
                functions,
                bool(_PARAM.search(path)) or bool(actions & _DETAIL_ACTIONS),
                view,
            )
        )

    def drf_actions(self, view: str) -> set[str]:
        ours, external = self.mro(view)
        actions: set[str] = set()
        for base in external:
            actions |= _DRF_GENERICS.get(_short(base), set())
        for current in ours:
            actions |= {m for m in self.index.classes[current][1].methods if m in _ACTION_METHODS}
        return actions

    def viewset(self, prefix: str, view: str, where: Location) -> None:
        if view not in self.index.classes:
            return
        guards = [*self.django_site, *self.class_guards(view), *self.drf_guards(view)]
        actions = self.drf_actions(view)
        base = "/" + prefix.strip("/") + "/"
        ours, _ = self.mro(view)
        for detail, path in ((False, base), (True, base + "{pk}/")):
            names = sorted(a for a in actions if (a in _DETAIL_ACTIONS) == detail)
            if not names:
                continue
            functions = tuple(
                f"{c}.{a}" for c in ours for a in names if f"{c}.{a}" in self.index.functions
            )
            body = [g for f in functions for g in self.body_guards(f)]
            self.add(
                Route(
                    "drf",
                    tuple(sorted({_ACTION_METHODS[a] for a in names})),
                    path,
                    view,
                    self.class_location(view),
                    where,
                    tuple(sorted({*guards, *body})),
                    self.django_scopes(),
                    functions,
                    detail,
                    view,
                )
            )
        for current in ours:
            cpath, info = self.index.classes[current]
            for action in info.actions:
                function = f"{current}.{action.method_name}"
                path = (
                    (base + "{pk}/" if action.detail else base) + action.url_path.strip("/") + "/"
                )
                self.add(
                    Route(
                        "drf",
                        action.http_methods,
                        path,
                        function,
                        at(cpath, action.line),
                        where,
                        tuple(sorted({*guards, *self.body_guards(function)})),
                        self.django_scopes(),
                        (function,),
                        action.detail,
                        view,
                    )
                )

    def django_function(self, view: str, path: str, where: Location, wrappers: list[Guard]) -> None:
        entry = self.index.functions.get(view)
        guards = [*self.django_site, *wrappers]
        methods: tuple[str, ...] = ("ANY",)
        drf = False
        location = where
        if entry is not None:
            fpath, info = entry
            location = at(fpath, info.line)
            for ref in info.decorators:
                if ref.target in _METHOD_DECORATORS:
                    methods = _METHOD_DECORATORS[ref.target]
                elif ref.target.endswith("require_http_methods") and ref.args:
                    methods = tuple(sorted(a.upper() for a in ref.args))
                elif ref.target == "rest_framework.decorators.api_view":
                    drf = True
                    methods = tuple(sorted(a.upper() for a in ref.args)) or ("GET",)
            guards += self.body_guards(view)
            if drf:
                if not any(r.how == "permission" for r in info.decorators):
                    guards += self.drf_defaults("PERMISSION", "permission")
                if not any(r.how == "throttle" for r in info.decorators):
                    guards += self.drf_defaults("THROTTLE", "throttle")
        self.add(
            Route(
                "drf" if drf else "django",
                methods,
                "/" + path.lstrip("^/").rstrip("$"),
                view,
                location,
                where,
                tuple(sorted(set(guards))),
                self.django_scopes(),
                (view,),
                bool(_PARAM.search(path)),
            )
        )

    def django_scopes(self) -> tuple[Location, ...]:
        out = []
        for name in ("REST_FRAMEWORK.DEFAULT_PERMISSION_CLASSES", "MIDDLEWARE"):
            found = self.setting(name)
            if found:
                out.append(at(found[0], found[2], f"settings {name}"))
        return tuple(out)


def route_inventory(project: Project) -> RouteInventory:
    """Every HTTP route of the project with its guards, built once per scan."""
    return project.derived(_of_project)


def _of_project(project: Project) -> RouteInventory:
    return build_inventory(build_index(project.modules))
