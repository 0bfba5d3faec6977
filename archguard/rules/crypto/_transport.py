"""TLS settings that let anyone on the network read and change the traffic."""

from __future__ import annotations

import ast

from archguard.rules.crypto._flow import FileIndex, Scope, literal_text, position
from archguard.rules.crypto._words import words
from archguard.scan.syntax import Names

#: Methods of HTTP clients and sessions that take ``verify=`` (requests, httpx) or
#: ``ssl=`` / ``verify_ssl=`` (aiohttp).
HTTP_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "request", "send", "stream",
     "Client", "AsyncClient", "Session", "ClientSession", "TCPConnector", "ws_connect"}
)  # fmt: skip
_CLIENT_MODULES = ("requests.", "httpx.", "aiohttp.", "urllib3.")
WEAK_PROTOCOLS = {
    "ssl.PROTOCOL_SSLv2": "SSLv2",
    "ssl.PROTOCOL_SSLv3": "SSLv3",
    "ssl.PROTOCOL_TLSv1": "TLS 1.0",
    "ssl.PROTOCOL_TLSv1_1": "TLS 1.1",
    "ssl.TLSVersion.SSLv3": "SSLv3",
    "ssl.TLSVersion.TLSv1": "TLS 1.0",
    "ssl.TLSVersion.TLSv1_1": "TLS 1.1",
    "OpenSSL.SSL.SSLv2_METHOD": "SSLv2",
    "OpenSSL.SSL.SSLv3_METHOD": "SSLv3",
    "OpenSSL.SSL.TLSv1_METHOD": "TLS 1.0",
    "OpenSSL.SSL.TLSv1_1_METHOD": "TLS 1.1",
}
_REENABLED = {
    "ssl.OP_NO_SSLv2": "SSLv2",
    "ssl.OP_NO_SSLv3": "SSLv3",
    "ssl.OP_NO_TLSv1": "TLS 1.0",
    "ssl.OP_NO_TLSv1_1": "TLS 1.1",
}
#: OpenSSL cipher-string words that enable broken suites (when not excluded with ``!``).
_WEAK_SUITE_WORDS = ("RC4", "DES", "MD5", "NULL", "EXPORT", "EXP-", "ADH", "AECDH", "anon", "RC2")


def verification_off(call: ast.Call, names: Names) -> str | None:
    """``requests.get(url, verify=False)``, ``httpx.Client(verify=False)``,
    ``session.post(..., verify=False)``, aiohttp's ``ssl=False``, and
    ``cert_reqs=ssl.CERT_NONE``: what was switched off, for the message."""
    qualified = names.resolve(call.func) or ""
    func = call.func
    method = func.attr if isinstance(func, ast.Attribute) else ""
    client = qualified.startswith(_CLIENT_MODULES) or method in HTTP_METHODS
    for kw in call.keywords:
        if kw.arg in ("verify", "ssl", "verify_ssl") and _is_false(kw.value) and client:
            return f"{kw.arg}=False"
        if kw.arg == "cert_reqs" and is_cert_none(kw.value, names):
            return "cert_reqs=CERT_NONE"
    if qualified == "ssl._create_unverified_context":
        return "ssl._create_unverified_context()"
    return None


def _is_false(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is False


def is_cert_none(expr: ast.AST, names: Names) -> bool:
    if names.resolve(expr) in ("ssl.CERT_NONE", "ssl.VerifyMode.CERT_NONE"):
        return True
    text = literal_text(expr)
    return text is not None and text.upper() in ("CERT_NONE", "NONE")


def unverified_assignment(node: ast.Assign, names: Names, index: FileIndex) -> str | None:
    """``ctx.verify_mode = ssl.CERT_NONE``, ``ctx.check_hostname = False``,
    ``session.verify = False``, ``ssl._create_default_https_context =
    ssl._create_unverified_context``."""
    for target in node.targets:
        if not isinstance(target, ast.Attribute):
            continue
        if target.attr == "verify_mode" and is_cert_none(node.value, names):
            return "verify_mode = CERT_NONE"
        if target.attr == "check_hostname" and _is_false(node.value):
            return "check_hostname = False"
        if (
            target.attr == "verify"
            and _is_false(node.value)
            and _http_session(target.value, names, index)
        ):
            return "session.verify = False"
        if names.resolve(node.value) == "ssl._create_unverified_context":
            return "ssl._create_unverified_context as the default context"
    return None


def _http_session(receiver: ast.expr, names: Names, index: FileIndex) -> bool:
    value: ast.AST | None = receiver
    if isinstance(receiver, ast.Name):
        binding = index.scope_of(receiver).lookup(receiver.id, position(receiver))
        value = binding.value if binding is not None else None
    if isinstance(value, ast.Call):
        qualified = names.resolve(value.func) or ""
        if qualified.startswith(_CLIENT_MODULES):
            return True
    text = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
    return any(w in ("session", "client", "http", "requests") for w in words(text))


def weak_protocol(node: ast.AST, names: Names, scope: Scope | None = None) -> str | None:
    """A deprecated protocol chosen (``ssl.PROTOCOL_TLSv1``, ``minimum_version =
    TLSVersion.TLSv1``), re-enabled (``ctx.options &= ~ssl.OP_NO_SSLv3``), or broken
    cipher suites allowed (``ctx.set_ciphers("...RC4-SHA...")``)."""
    if isinstance(node, ast.Attribute):
        return WEAK_PROTOCOLS.get(names.resolve(node) or "")
    if (
        isinstance(node, ast.AugAssign)
        and isinstance(node.op, ast.BitAnd)
        and isinstance(node.value, ast.UnaryOp)
        and isinstance(node.value.op, ast.Invert)
    ):
        return _REENABLED.get(names.resolve(node.value.operand) or "")
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "set_ciphers"
        and node.args
    ):
        weak = _weak_suites(literal_text(node.args[0], scope) or "")
        if weak:
            return "broken cipher suites (" + ", ".join(weak[:3]) + ")"
    return None


def _weak_suites(cipher_string: str) -> list[str]:
    found = []
    for entry in cipher_string.replace(",", ":").replace(" ", ":").split(":"):
        if not entry or entry[0] in "!-":
            continue
        if any(word in entry for word in _WEAK_SUITE_WORDS):
            found.append(entry)
    return found
