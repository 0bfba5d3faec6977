"""Which parameters of a function carry request data, and of which class the others'
objects are.

A handler's own parameters are request data because the route inventory says whose
handler it is: every non-dependency parameter of a FastAPI route (path, query, header,
cookie and body, Pydantic models included), a Flask view's URL variables, a Django or
DRF view's URL keyword arguments. GraphQL resolvers' arguments after ``info`` and Tornado
handlers' path arguments are request data too. A request object (Django's, DRF's,
Starlette's, aiohttp's, a view's ``self``) is not data itself: reading its attributes is,
as the models of ``rules/taint/`` say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from archguard.core.taint import Param
from archguard.taint.index import Function, TaintIndex, script_module
from archguard.taint.models import Models
from archguard.web.routes import RouteInventory

_DEPENDENCIES = frozenset(
    {
        "fastapi.Depends",
        "fastapi.Security",
        "fastapi.params.Depends",
        "fastapi.params.Security",
        "fastapi.param_functions.Depends",
        "fastapi.param_functions.Security",
    }
)
#: FastAPI parameters that the framework fills with its own objects, not request data.
_FASTAPI_OBJECTS = frozenset(
    {
        "fastapi.Response",
        "fastapi.responses.Response",
        "starlette.responses.Response",
        "fastapi.BackgroundTasks",
        "fastapi.background.BackgroundTasks",
        "starlette.background.BackgroundTasks",
        "fastapi.security.SecurityScopes",
        "sqlalchemy.orm.Session",
        "sqlalchemy.orm.session.Session",
        "sqlalchemy.ext.asyncio.AsyncSession",
        "sqlmodel.Session",
    }
)
_FASTAPI_DATA_LABELS = {
    "Query": "query parameter",
    "Path": "path parameter",
    "Body": "request body",
    "Header": "header",
    "Cookie": "cookie",
    "Form": "form field",
    "File": "uploaded file",
}
_REQUEST_CLASSES = {
    "django": ("django.http.HttpRequest",),
    "drf": ("rest_framework.request.Request", "django.http.HttpRequest"),
    "aiohttp": ("aiohttp.web.Request",),
}
#: A parameter called ``request`` outside the route inventory, in a module importing one
#: of these, holds that framework's request (less certainly).
_REQUEST_BY_IMPORT = (
    ("rest_framework", "rest_framework.request.Request"),
    ("django", "django.http.HttpRequest"),
    ("aiohttp", "aiohttp.web.Request"),
    ("starlette", "starlette.requests.Request"),
    ("fastapi", "starlette.requests.Request"),
)
_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
#: Parameters the framework converts to these before the handler runs carry no text.
_SCALARS = frozenset(
    {
        "builtins.int",
        "builtins.float",
        "builtins.bool",
        "uuid.UUID",
        "decimal.Decimal",
        "datetime.date",
        "datetime.datetime",
        "datetime.time",
        "pydantic.UUID4",
        "pydantic.types.UUID4",
        "pydantic.PositiveInt",
        "pydantic.NonNegativeInt",
    }
)
#: URL converters (Flask ``<int:id>``, Django ``<int:pk>``) that admit no text.
_CONVERTED = re.compile(r"<(int|float|uuid|slug):(\w+)>")


@dataclass(frozen=True)
class ParamRole:
    #: Request data whatever is read of it.
    data: bool = False
    #: Classes of the parameter's object, for the source models matched by path.
    types: tuple[str, ...] = ()
    #: How a finding names it: ``query parameter `q```.
    label: str = ""
    #: From the route inventory or an annotation, rather than guessed from a name.
    certain: bool = True
    #: The request kinds of a data parameter (an uploaded file is also ``upload``).
    kinds: frozenset[str] = frozenset({"request"})


class Roles:
    """The roles of every function's parameters, decided once per function."""

    def __init__(self, index: TaintIndex, inventory: RouteInventory | None, models: Models):
        self.index = index
        self.models = models
        self.handlers: dict[str, str] = {}
        self.paths: dict[str, str] = {}
        if inventory is not None:
            for route in inventory.routes:
                for name in (*route.functions, route.handler):
                    qualified = self._qualified(name, route.declared.path)
                    self.handlers.setdefault(qualified, route.framework)
                    self.paths.setdefault(qualified, route.path)
                if route.framework == "fastapi":
                    self._dependencies(inventory, route.handler, 0)
        self._memo: dict[str, dict[int, ParamRole]] = {}
        #: Functions the project itself calls: their parameters' classes are the
        #: callers' business (a request passed down is read where it was received).
        self.called: frozenset[str] = frozenset()

    def _qualified(self, name: str, declared: str) -> str:
        found = self.index.canonical(name)
        if found not in self.index.functions and "." not in name.split(".", 1)[-1]:
            # A script's handler is named without a module.
            own = f"{script_module(declared)}.{name}"
            if own in self.index.functions:
                return own
        return found

    def _dependencies(self, inventory: RouteInventory, name: str, depth: int) -> None:
        """FastAPI fills a dependency's parameters from the request as it fills the
        handler's."""
        info = inventory.function(name)
        if info is None or depth > 4:
            return
        for ref in info.dependencies:
            if ref.how != "dependency" or not ref.target:
                continue
            target = self.index.canonical(ref.target)
            if target in self.index.functions and target not in self.handlers:
                self.handlers[target] = "fastapi"
                self._dependencies(inventory, target, depth + 1)

    def of(self, function: Function) -> dict[int, ParamRole]:
        found = self._memo.get(function.qualified)
        if found is None:
            found = self._memo[function.qualified] = self._decide(function)
        return found

    def _decide(self, function: Function) -> dict[int, ParamRole]:
        params = function.summary.params
        roles: dict[int, ParamRole] = {}
        first = 1 if function.takes_self else 0
        framework = self.handlers.get(function.qualified)
        if framework is None and function.qualified in self.called:
            return roles
        if function.takes_self and params:
            roles[0] = ParamRole(types=self._class_types(function.owner))
        for index, param in enumerate(params):
            if param.annotation and index >= first:
                roles[index] = ParamRole(types=(self.models.canonical_type(param.annotation),))
        if framework is not None:
            roles.update(self._handler(function, framework, first))
        elif function.summary.role == "graphql":
            names = [p.name for p in params]
            start = names.index("info") + 1 if "info" in names else first
            for index in range(start, len(params)):
                roles[index] = _data(params[index], "GraphQL argument", function)
        elif self._tornado_handler(function):
            for index in range(first, len(params)):
                roles[index] = _data(params[index], "URL argument", function)
        self._guess_requests(function, params, first, roles)
        return roles

    def _handler(self, function: Function, framework: str, first: int) -> dict[int, ParamRole]:
        params = function.summary.params
        roles: dict[int, ParamRole] = {}
        if framework == "fastapi":
            for index in range(first, len(params)):
                role = self._fastapi(params[index], function)
                if role is not None:
                    roles[index] = role
        elif framework == "flask":
            for index in range(first, len(params)):
                if not params[index].star and not self._converted(function, params[index]):
                    roles[index] = _data(params[index], "URL parameter", function)
        elif framework in _REQUEST_CLASSES:
            if first < len(params):
                roles[first] = ParamRole(types=_REQUEST_CLASSES[framework])
            for index in range(first + 1, len(params)):
                if framework != "aiohttp" and not self._converted(function, params[index]):
                    roles[index] = _data(params[index], "URL parameter", function)
        return roles

    def _converted(self, function: Function, param: Param) -> bool:
        """A URL argument the router converts to a number, a UUID or a slug, or
        one annotated as such."""
        if param.annotation in _SCALARS:
            return True
        route = self.paths.get(function.qualified, "")
        return any(name == param.name for _, name in _CONVERTED.findall(route))

    def _fastapi(self, param: Param, function: Function) -> ParamRole | None:
        if param.star or param.default in _DEPENDENCIES:
            return None
        annotation = self.models.canonical_type(param.annotation)
        if annotation in _FASTAPI_OBJECTS or annotation in _SCALARS:
            return None  # FastAPI refuses what does not convert
        if annotation.startswith(("starlette.", "fastapi.")):
            # Request, WebSocket, UploadFile: their reads are sources (the models).
            return ParamRole(types=(annotation,))
        kind = _FASTAPI_DATA_LABELS.get(param.default.rsplit(".", 1)[-1], "")
        if not kind:
            route = self.paths.get(function.qualified, "")
            if "{" + param.name + "}" in route or "{" + param.name + ":" in route:
                kind = "path parameter"
            elif annotation and self.index.first_party(annotation):
                kind = "request body"
            else:
                kind = "query parameter"
        kinds = frozenset({"request", "upload"}) if kind == "uploaded file" else None
        role = _data(param, kind, function)
        if kinds is not None:
            role = ParamRole(role.data, role.types, role.label, role.certain, kinds)
        if annotation and self.index.first_party(annotation):
            # A Pydantic body: every field is the client's.
            role = ParamRole(True, (annotation,), role.label, True, role.kinds)
        return role

    def _class_types(self, owner: str) -> tuple[str, ...]:
        ours, external = self.index.mro(owner)
        return (*ours, *(self.models.canonical_type(e) for e in external))

    def _tornado_handler(self, function: Function) -> bool:
        if not function.owner or function.summary.name.rsplit(".", 1)[-1] not in _VERBS:
            return False
        _, external = self.index.mro(function.owner)
        return any(e.startswith("tornado.web.") for e in external)

    def _guess_requests(
        self, function: Function, params: tuple[Param, ...], first: int, roles: dict[int, ParamRole]
    ) -> None:
        for index in range(first, len(params)):
            param = params[index]
            if index in roles or param.annotation or param.name not in ("request", "req"):
                continue
            facts = self.index.modules.get(function.module)
            imported = {i.module.split(".")[0] for i in facts.imports} if facts else set()
            types = tuple(t for top, t in _REQUEST_BY_IMPORT if top in imported)
            if types:
                roles[index] = ParamRole(types=types, certain=False)


def _data(param: Param, kind: str, function: Function) -> ParamRole:
    where = function.summary.name.rsplit(".", 1)[-1]
    return ParamRole(data=True, label=f"{kind} `{param.name}` of {where}()")
