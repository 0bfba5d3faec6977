"""The places where a value gets a purpose: a name, a cookie, a session entry, a return.

A random number is harmless until it becomes ``user.reset_code``; an MD5 digest is a
checksum until it becomes a ``sessionid`` cookie. Each ``Use`` pairs such a place with
the value put there and the name it is given, so one walk serves the random and the
hash questions alike.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from archguard.rules.crypto._flow import FileIndex, literal_text, name_of, position
from archguard.rules.crypto._words import is_secret_name, words
from archguard.scan.syntax import dotted, keyword


@dataclass(frozen=True)
class Use:
    #: Where a finding about this use is reported.
    node: ast.AST
    value: ast.expr
    #: The name the value is given (a variable, attribute, key, keyword, cookie or
    #: function name), "" when a session or cookie entry has no literal key.
    name: str
    #: What the value becomes, for messages: "`reset_code`", "the cookie `sessionid`".
    what: str
    #: A session or cookie store, where an unknown key still makes a credential.
    store: bool = False


def _store(target: ast.expr) -> bool:
    """``session[...]``, ``request.session[...]``, ``response.cookies[...]`` and the
    like: a server-side session or the client's cookies."""
    base = dotted(target) if not isinstance(target, ast.Subscript) else dotted(target.value)
    if base is None:
        return False
    last = base.rsplit(".", 1)[-1].lower()
    return "session" in last or "cookie" in last


def uses(index: FileIndex) -> list[Use]:
    """Every named use of a value in the file, in source order."""
    return sorted(_uses(index), key=lambda use: position(use.node))


def _uses(index: FileIndex) -> Iterator[Use]:
    kinds = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return, ast.Call, ast.Dict)
    for node in index.all(*kinds):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                yield from _assigned(node, target, node.value, index)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            yield from _assigned(node, node.target, node.value, index)
        elif isinstance(node, ast.Return) and node.value is not None:
            function = index.scope_of(node).function
            if function is not None:
                what = f"the return value of `{function.name}()`"
                yield Use(node, node.value, function.name, what)
        elif isinstance(node, ast.Call):
            yield from _call_uses(node, index)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                text = literal_text(key) if key is not None else None
                if text and text.isidentifier():
                    yield Use(node, value, text, f"the `{text}` entry")


def _assigned(
    statement: ast.AST, target: ast.expr, value: ast.expr, index: FileIndex
) -> Iterator[Use]:
    if isinstance(target, (ast.Tuple, ast.List)):
        pairs = (
            zip(target.elts, value.elts, strict=True)
            if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts)
            else ((element, value) for element in target.elts)
        )
        for element, part in pairs:
            yield from _assigned(statement, element, part, index)
        return
    if isinstance(target, ast.Subscript) and _store(target):
        key = literal_text(target.slice, index.scope_of(target))
        what = f"the session or cookie entry `{key}`" if key else "a session or cookie entry"
        yield Use(statement, value, key or "", what, store=True)
        return
    name = name_of(target)
    if name:
        yield Use(statement, value, name, f"`{name}`")


def _call_uses(call: ast.Call, index: FileIndex) -> Iterator[Use]:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "set_cookie":
        value = call.args[1] if len(call.args) > 1 else keyword(call, "value")
        if value is not None:
            key = call.args[0] if call.args else keyword(call, "key")
            text = literal_text(key, index.scope_of(call)) if key is not None else None
            what = f"the cookie `{text}`" if text else "a cookie"
            yield Use(call, value, text or "", what, store=True)
    for kw in call.keywords:
        if kw.arg is not None and is_secret_name(kw.arg):
            yield Use(call, kw.value, kw.arg, f"`{kw.arg}`")


def is_credential_use(use: Use) -> bool:
    """Whether the place makes the value a credential: a secret name, or a session or
    cookie entry whose key is secret or not known."""
    if use.store:
        return not use.name or is_secret_name(use.name) or "session" in words(use.name)
    return is_secret_name(use.name)
