"""What a function is for, as far as operational rules care: an HTTP handler, a
background task, or a message consumer. Decided from decorators (qualified through
the module's import table), view-class bases and a few conventional names."""

from __future__ import annotations

import ast
import re
from enum import Enum

from archguard.scan.context import FileContext
from archguard.scan.scoped_rule import Function, Scope, ScopedRule
from archguard.scan.syntax import Names, dotted


class Role(str, Enum):
    HANDLER = "request handler"
    TASK = "background task"
    CONSUMER = "message consumer"


_ROUTE_ATTRS = frozenset(
    {"get", "post", "put", "patch", "delete", "route", "api_route", "head", "options", "websocket"}
)
_HTTP_CLIENTS = ("requests", "httpx", "aiohttp", "urllib3")
_ROUTE_DECORATORS = frozenset(
    {
        "rest_framework.decorators.api_view",
        "django.views.decorators.http.require_http_methods",
        "django.views.decorators.http.require_POST",
        "django.views.decorators.http.require_GET",
        "django.views.decorators.http.require_safe",
    }
)
_TASK_DECORATORS = frozenset(
    {
        "celery.shared_task",
        "celery.task",
        "dramatiq.actor",
        "rq.decorators.job",
        "rq.job",
        "huey.contrib.djhuey.task",
        "huey.contrib.djhuey.db_task",
    }
)
_TASK_ATTRS = frozenset({"task", "periodic_task", "db_task", "actor"})
_CONSUMER_ATTRS = frozenset({"agent", "subscriber", "consumer", "stream_handler"})
_CONSUMER_NAME = re.compile(
    r"^(on_message|handle_message|process_message|on_event|handle_event|process_event|consume\w*|"
    r"\w*_consumer|handle_\w+_event|on_\w+_message)$"
)
_VIEW_BASE = re.compile(r"(View|ViewSet|APIView|Resource|HTTPEndpoint|Consumer)$")
_VIEW_METHODS = frozenset(
    {
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
        "list",
        "create",
        "retrieve",
        "update",
        "partial_update",
        "destroy",
        "dispatch",
        "receive",
        "receive_json",
    }
)
_TASK_BASE = re.compile(r"(^|\.)Task$")


def decorator_role(expr: ast.expr, names: Names) -> Role | None:
    call = expr if isinstance(expr, ast.Call) else None
    target = call.func if call is not None else expr
    qualified = names.resolve(target) or ""
    if qualified in _ROUTE_DECORATORS:
        return Role.HANDLER
    if qualified in _TASK_DECORATORS:
        return Role.TASK
    if isinstance(target, ast.Attribute):
        attr = target.attr
        receiver = names.resolve(target.value) or dotted(target.value) or ""
        if receiver.split(".")[0] in _HTTP_CLIENTS:
            return None
        if attr in _ROUTE_ATTRS and call is not None:
            return Role.HANDLER
        if attr in _TASK_ATTRS:
            return Role.TASK
        if attr in _CONSUMER_ATTRS:
            return Role.CONSUMER
    return None


def class_role(node: ast.ClassDef, names: Names) -> Role | None:
    """HANDLER for view classes, TASK for Celery task classes."""
    for base in node.bases:
        name = names.resolve(base) or dotted(base) or ""
        if _VIEW_BASE.search(name):
            return Role.HANDLER
        if _TASK_BASE.search(name):
            return Role.TASK
    return None


def function_role(node: Function, names: Names, enclosing: Role | None) -> Role | None:
    for decorator in node.decorator_list:
        role = decorator_role(decorator, names)
        if role is not None:
            return role
    name = node.name
    if enclosing is Role.HANDLER and name in _VIEW_METHODS:
        return Role.HANDLER
    if enclosing is Role.TASK and name == "run":
        return Role.TASK
    params = [*node.args.posonlyargs, *node.args.args]
    if params and params[0].arg == "request" and enclosing is None and names.imports_from("django"):
        return Role.HANDLER  # a Django function view (FastAPI dependencies take one too)
    if _CONSUMER_NAME.match(name):
        return Role.CONSUMER
    return None


class RoleRule(ScopedRule):
    """A file rule that knows the role of the function it is in. Subclasses that act
    on whole functions override ``enter_function`` / ``exit_function``."""

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        #: id(class or function node) -> its role, for the scopes currently open.
        self._roles: dict[int, Role | None] = {}

    @property
    def role(self) -> Role | None:
        """The role of the innermost enclosing function (None outside functions)."""
        function = self.function
        return self._roles.get(id(function)) if function is not None else None

    def entered(self, node: Scope) -> None:
        if isinstance(node, ast.ClassDef):
            self._roles[id(node)] = class_role(node, self.ctx.names)
            return
        # A method's class counts only when the method sits directly in it.
        parent = self.scopes[-1] if self.scopes else None
        enclosing = self._roles.get(id(parent)) if isinstance(parent, ast.ClassDef) else None
        role = function_role(node, self.ctx.names, enclosing)
        self._roles[id(node)] = role
        self.enter_function(node, role)

    def leaving(self, node: Scope) -> None:
        role = self._roles.pop(id(node), None)
        if not isinstance(node, ast.ClassDef):
            self.exit_function(node, role)

    def enter_function(self, node: Function, role: Role | None) -> None:
        """Called on entering every function, with its role."""

    def exit_function(self, node: Function, role: Role | None) -> None:
        """Called on leaving every function, with its role."""
