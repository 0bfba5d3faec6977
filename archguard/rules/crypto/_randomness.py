"""Secrets made with the ``random`` module: predictable tokens, codes and keys."""

from __future__ import annotations

import ast
from pathlib import PurePosixPath

from archguard.rules.crypto._flow import Function, Origin, Scope, Tracer, position
from archguard.rules.crypto._primitives import is_secure_random_call, is_weak_random_call
from archguard.rules.crypto._sinks import Use, is_credential_use
from archguard.rules.crypto._verdict import File, Verdict
from archguard.rules.crypto._words import is_non_security_name, is_secret_name, words
from archguard.scan.syntax import Names

FIX = (
    "Use the secrets module: secrets.token_urlsafe(32) for tokens and keys, "
    "f'{secrets.randbelow(10**6):06d}' for numeric codes."
)


def predictable_secrets(file: File, uses: list[Use]) -> list[Verdict]:
    """Each value from ``random`` that becomes a credential, reported once, at the first
    place (in source order) where it becomes one. A helper whose own name says it makes
    a secret is reported at its return, not again at each caller."""
    names = file.names
    shuffled = _shuffled(file)
    tracer = Tracer(
        file.index,
        lambda node, scope: (
            is_weak_random_call(node, names, scope) or _after_shuffle(node, scope, shuffled)
        ),
        lambda call, scope: is_secure_random_call(call, names),
    )
    quiet = non_security_path(file.path)
    found: list[Verdict] = []
    reported: set[int] = set()
    for use in uses:
        bare_key = _bare_key(use) and not quiet
        if not (is_credential_use(use) or bare_key):
            continue
        origin = tracer.origin(use.value)
        if origin is None or id(origin.node) in reported:
            continue
        if _through_credential_helper(origin, tracer, quiet):
            continue
        if bare_key and not (_token_idiom(use.value, origin, tracer) and _long(use.value, origin)):
            continue
        reported.add(id(origin.node))
        found.append(
            Verdict(
                "predictable-random-secret",
                use.node,
                f"{_capital(use.what)} looks like a token, code or secret but "
                f"{_source(origin, tracer, use.node, names)}, whose output can be "
                "predicted from a few earlier values.",
                FIX,
            )
        )
    return found


def _shuffled(file: File) -> dict[tuple[int, str], tuple[int, int]]:
    """``random.shuffle(chars)`` changes ``chars`` in place: (scope, name) -> where."""
    found: dict[tuple[int, str], tuple[int, int]] = {}
    for call in file.index.all(ast.Call):
        if (
            file.names.resolve(call.func) == "random.shuffle"
            and call.args
            and isinstance(call.args[0], ast.Name)
        ):
            key = (id(file.index.scope_of(call)), call.args[0].id)
            found.setdefault(key, position(call))
    return found


def _after_shuffle(
    node: ast.AST, scope: Scope, shuffled: dict[tuple[int, str], tuple[int, int]]
) -> bool:
    if not isinstance(node, ast.Name):
        return False
    at = shuffled.get((id(scope), node.id))
    return at is not None and at < position(node)


def _source(origin: Origin, tracer: Tracer, at: ast.AST, names: Names) -> str:
    if origin.helper is not None:
        inner = tracer.returned(origin.helper)
        source = _random_name(inner.node, names) if inner else "random"
        line = getattr(inner.node, "lineno", 0) if inner else 0
        return f"comes from `{origin.helper.name}()`, which returns `{source}` output (line {line})"
    source = _random_name(origin.node, names)
    line = getattr(origin.node, "lineno", 0)
    where = "" if line == getattr(at, "lineno", 0) else f" (line {line})"
    if source == "uuid.uuid1()":
        return f"comes from `uuid.uuid1()`{where}, the clock and the machine's address"
    return f"comes from `{source}`{where}"


def _through_credential_helper(origin: Origin, tracer: Tracer, quiet: bool) -> bool:
    """Whether the value comes through a helper (at any depth) that is reported itself."""
    seen: set[int] = set()
    current: Origin | None = origin
    while current is not None and current.helper is not None and id(current.helper) not in seen:
        seen.add(id(current.helper))
        if credential_function(current.helper, quiet):
            return True
        current = tracer.returned(current.helper)
    return False


def credential_function(function: Function, quiet: bool = False) -> bool:
    """A function whose name says it makes a secret: ``generate_api_key``,
    ``createSessionId``; ``generate_key`` too, outside caching code."""
    if is_secret_name(function.name):
        return True
    parts = words(function.name)
    return (
        not quiet
        and bool(parts)
        and parts[-1] in ("key", "keys")
        and not is_non_security_name("_".join(parts[:-1]) or "x")
    )


def _bare_key(use: Use) -> bool:
    """``key = ...`` or a function named like ``generate_key``: a key of some kind,
    which counts only when it is made like a token (see ``_token_idiom``)."""
    parts = words(use.name)
    if use.store or not parts or parts[-1] not in ("key", "keys"):
        return False
    if isinstance(use.node, ast.Return):
        return not is_non_security_name("_".join(parts[:-1]) or "x")
    return len(parts) == 1


def _token_idiom(value: ast.expr, origin: Origin, tracer: Tracer) -> bool:
    """``"".join(random.choice(alphabet) ...)``, ``random.getrandbits(128)``,
    ``random.randbytes(32)``: how tokens are made, whatever they are called."""
    source = origin.node
    if origin.helper is not None:
        inner = tracer.returned(origin.helper)
        source = inner.node if inner is not None else source
    if isinstance(source, ast.Call):
        func = source.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if called in ("getrandbits", "randbytes", "choices"):
            return True
    places: list[ast.AST] = [value]
    if origin.helper is not None:
        places.append(origin.helper)
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "join"
        for place in places
        for n in ast.walk(place)
    )


def _long(value: ast.expr, origin: Origin) -> bool:
    """Whether a token is long enough to be a key: a 5-character random id is a label.
    Lengths written as ``range(n)``, ``k=n``, ``getrandbits(bits)`` or
    ``randbytes(n)`` are read; an unknown length counts as long."""
    places: list[ast.AST] = [value]
    if origin.helper is not None:
        places.append(origin.helper)
    lengths: list[int] = []
    for place in places:
        for node in ast.walk(place):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            size = node.args[-1] if node.args else None
            if name == "choices":
                size = next((kw.value for kw in node.keywords if kw.arg == "k"), None)
            if not (isinstance(size, ast.Constant) and type(size.value) is int):
                continue
            if name in ("range", "choices", "randbytes"):
                lengths.append(size.value)
            elif name == "getrandbits":
                lengths.append(size.value // 4)
    return not lengths or max(lengths) >= 16


def _random_name(node: ast.AST, names: Names) -> str:
    if isinstance(node, ast.Name):
        return f"random.shuffle({node.id})"
    if isinstance(node, ast.Call):
        qualified = names.resolve(node.func)
        if qualified is not None:
            return f"{qualified}()"
        if isinstance(node.func, ast.Attribute):
            return f"random.Random().{node.func.attr}()"
    return "random"


def non_security_path(path: str) -> bool:
    """A module about caching or checksums, where keys and digests are not secrets."""
    return any(
        part in ("cache", "caching", "etag", "etags", "checksum", "checksums")
        for segment in PurePosixPath(path).parts
        for part in words(segment.removesuffix(".py"))
    )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
