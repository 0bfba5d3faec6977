"""What holds a password as the user typed it.

Shared by the weak-crypto rule (a fast hash of a password) and the plaintext-password
rule (a password stored or compared as it is). A raw password is a read of the
request's password field (``request.form["password"]``, ``data.get("password")``,
``form.password.data``, ``payload.password``), ``getpass()``, or a parameter named
like one; it stays raw through ``str()``, ``.encode()``, ``.strip()``, f-strings and
concatenation, and stops being raw at any other call (a hash, an encryption, a lookup).
"""

from __future__ import annotations

import ast

from archguard.rules.crypto._flow import FileIndex, Scope, Tracer, literal_text
from archguard.rules.crypto._words import is_password_name
from archguard.scan.syntax import Names

#: Calls that keep a password as it is.
_TRANSPARENT_METHODS = frozenset(
    {"encode", "decode", "strip", "lstrip", "rstrip", "lower", "upper", "format", "join",
     "replace", "casefold", "ljust", "rjust", "zfill", "center", "expandtabs", "title"}
)  # fmt: skip
_TRANSPARENT_CALLS = frozenset({"str", "bytes", "bytearray", "memoryview", "builtins.str"})
#: Django's request dictionaries, upper case like settings but filled by the client.
_REQUEST_DICTS = frozenset({"POST", "GET", "META", "FILES", "COOKIES", "DATA", "FORM", "JSON"})
_READERS = frozenset({"get", "getlist", "pop", "getfirst", "get_argument", "get_query_argument"})


def password_read(node: ast.AST, names: Names, scope: Scope) -> bool:
    """Whether ``node`` itself reads a raw password (not through a local name)."""
    if isinstance(node, ast.Attribute):
        return is_password_name(node.attr) and not settings_value(node, names)
    if isinstance(node, ast.Subscript):
        key = literal_text(node.slice)
        return key is not None and is_password_name(key) and not settings_value(node.value, names)
    if isinstance(node, ast.Call):
        qualified = names.resolve(node.func) or ""
        if qualified == "getpass.getpass":
            return True
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _READERS and node.args:
            key = literal_text(node.args[0])
            return (
                key is not None and is_password_name(key) and not settings_value(func.value, names)
            )
        return False
    if isinstance(node, ast.Name):
        if not is_password_name(node.id):
            return False
        binding = scope.lookup(node.id, (node.lineno, node.col_offset))
        # A parameter, or a local named for the password that holds a request field
        # whatever its key (``password = request.POST.get("pass")``).
        return binding is None or binding.kind == "param" or _request_field(binding.value)
    return False


def _request_field(value: ast.AST | None) -> bool:
    """``request.form["x"]``, ``request.POST.get("x")``, ``request.get_json()["x"]``."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        if value.func.attr not in _READERS:
            return False
        value = value.func.value
    elif isinstance(value, ast.Subscript):
        value = value.value
    else:
        return False
    head = value
    while isinstance(head, (ast.Attribute, ast.Subscript, ast.Call)):
        head = head.func if isinstance(head, ast.Call) else head.value
    return (
        isinstance(head, ast.Name)
        and head.id in ("request", "req", "self")
        and (head.id != "self" or "request" in ast.dump(value))
    )


def settings_value(expr: ast.AST, names: Names) -> bool:
    """Configuration holds the application's own credentials for other services
    (``settings.SMTP_PASSWORD``, ``os.environ["DB_PASSWORD"]``), not users' passwords."""
    head = expr
    while isinstance(head, (ast.Attribute, ast.Subscript, ast.Call)):
        if (
            isinstance(head, ast.Attribute)
            and head.attr.isupper()
            and head.attr not in _REQUEST_DICTS
        ):
            return True
        head = head.func if isinstance(head, ast.Call) else head.value
    if isinstance(head, ast.Name):
        if head.id.isupper():
            return True
        qualified = names.resolve(head) or ""
        if qualified.startswith(("os.environ", "os.getenv", "django.conf.settings")):
            return True
        return head.id.lower() in ("settings", "config", "conf", "cfg", "env", "environ")
    return False


def _keeps_password(call: ast.Call, names: Names, index: FileIndex, scope: Scope) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in _TRANSPARENT_METHODS:
        return True
    if names.resolve(func) in _TRANSPARENT_CALLS:
        return True
    return index.callee(call, scope) is not None


def password_tracer(index: FileIndex, names: Names) -> Tracer:
    return Tracer(
        index,
        lambda node, scope: password_read(node, names, scope),
        lambda call, scope: not _keeps_password(call, names, index, scope),
    )
