"""Broken ciphers and modes, constant IVs, short keys, and TLS set up to be read."""

from __future__ import annotations

import ast

from archguard.core.levels import Confidence, Severity
from archguard.rules.crypto._flow import Scope, position
from archguard.rules.crypto._primitives import CRYPTOGRAPHY_MODES, cipher_module, weak_cipher
from archguard.rules.crypto._transport import (
    unverified_assignment,
    verification_off,
    weak_protocol,
)
from archguard.rules.crypto._verdict import File, Verdict
from archguard.scan.syntax import keyword

_IV_MODES = frozenset({"CBC", "GCM", "CTR", "OFB", "CFB", "CFB8", "XTS"})
_KEY_SIZES = {
    "Crypto.PublicKey.RSA.generate": (0, "bits"),
    "Cryptodome.PublicKey.RSA.generate": (0, "bits"),
    "Crypto.PublicKey.DSA.generate": (0, "bits"),
    "Cryptodome.PublicKey.DSA.generate": (0, "bits"),
    "cryptography.hazmat.primitives.asymmetric.rsa.generate_private_key": (1, "key_size"),
    "cryptography.hazmat.primitives.asymmetric.dsa.generate_private_key": (0, "key_size"),
    "rsa.newkeys": (0, "nbits"),
}


def cipher_findings(file: File, tree: ast.Module) -> list[Verdict]:
    found: list[Verdict] = []
    names = file.names
    for node in file.index.all(ast.Call, ast.Assign, ast.Attribute, ast.AugAssign):
        if isinstance(node, ast.Call):
            found.extend(_call(file, node))
        elif isinstance(node, ast.Assign):
            what = unverified_assignment(node, names, file.index)
            if what is not None:
                found.append(_tls(node, what))
        if isinstance(node, (ast.Attribute, ast.AugAssign, ast.Call)):
            protocol = weak_protocol(node, names, file.index.scope_of(node))
            if protocol is not None:
                found.append(
                    Verdict(
                        "weak-tls-protocol",
                        node,
                        f"This TLS setup allows {protocol}, which attackers on the network "
                        "can force the connection down to and break.",
                        "Use ssl.create_default_context() (TLS 1.2 or newer, strong suites) "
                        "and do not re-enable old protocols or set weak ciphers.",
                    )
                )
    return found


def _call(file: File, call: ast.Call) -> list[Verdict]:
    found: list[Verdict] = []
    names = file.names
    cipher = weak_cipher(call, names)
    if cipher is not None:
        found.append(
            Verdict(
                "weak-cipher",
                call,
                f"{cipher} is broken or leaks the plaintext's patterns; data encrypted this "
                "way is not confidential.",
                "Use AES-GCM or ChaCha20-Poly1305 (cryptography's AESGCM, or Fernet).",
            )
        )
    if _static_iv(file, call) is not None:
        found.append(
            Verdict(
                "static-iv-or-nonce",
                call,
                "The IV or nonce is a constant, so every message is encrypted with the same "
                "one: CBC leaks equal prefixes and GCM loses its integrity.",
                "Generate it with os.urandom() (or secrets.token_bytes()) for each message and "
                "store it beside the ciphertext.",
                confidence=Confidence.MEDIUM,
            )
        )
    what = verification_off(call, names)
    if what is not None:
        found.append(_tls(call, what))
    size = _short_key(file, call)
    if size is not None:
        found.append(
            Verdict(
                "weak-key-size",
                call,
                f"A {size}-bit key is within reach of factoring; keys this short are no "
                "longer accepted for RSA or DSA.",
                "Use at least 2048 bits (3072 for keys that must last), or an elliptic curve "
                "key (Ed25519, P-256).",
                severity=Severity.WARNING,
            )
        )
    return found


def _tls(node: ast.AST, what: str) -> Verdict:
    return Verdict(
        "tls-verification-disabled",
        node,
        f"TLS certificate verification is turned off ({what}): anyone on the network path "
        "can read and change this traffic.",
        "Remove it; point verify= (or an SSL context's cafile) at a CA bundle if the server "
        "uses a private CA.",
    )


def _short_key(file: File, call: ast.Call) -> int | None:
    qualified = file.names.resolve(call.func)
    if qualified not in _KEY_SIZES:
        return None
    index, name = _KEY_SIZES[qualified]
    size = call.args[index] if len(call.args) > index else keyword(call, name)
    if isinstance(size, ast.Constant) and type(size.value) is int and size.value < 2048:
        return size.value
    return None


def _static_iv(file: File, call: ast.Call) -> ast.expr | None:
    names = file.names
    qualified = names.resolve(call.func) or ""
    candidates: list[ast.expr | None] = []
    if cipher_module(call, names):
        candidates = [call.args[2] if len(call.args) > 2 else None]
        candidates += [keyword(call, "iv"), keyword(call, "IV"), keyword(call, "nonce")]
    elif qualified.startswith(CRYPTOGRAPHY_MODES) and qualified.split(".")[-1] in _IV_MODES:
        candidates = [call.args[0] if call.args else None]
        candidates += [keyword(call, "initialization_vector"), keyword(call, "nonce")]
    elif (
        isinstance(call.func, ast.Attribute) and call.func.attr == "encrypt" and len(call.args) == 3
    ):
        # AESGCM(key).encrypt(nonce, data, associated_data) and its siblings.
        candidates = [call.args[0]]
    scope = file.index.scope_of(call)
    for candidate in candidates:
        if candidate is not None and constant_bytes(candidate, scope):
            return candidate
    return None


def constant_bytes(expr: ast.AST, scope: Scope) -> bool:
    """A literal, a literal repeated (``b"\\0" * 16``), ``bytes(16)``, ``"...".encode()``,
    ``bytes.fromhex("...")``, or a name bound to one of these."""
    for _ in range(6):
        if isinstance(expr, ast.Constant):
            return isinstance(expr.value, (str, bytes)) and len(expr.value) > 0
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult):
            return any(
                isinstance(side, ast.Constant) and isinstance(side.value, (str, bytes))
                for side in (expr.left, expr.right)
            )
        if isinstance(expr, ast.Call):
            func = expr.func
            if isinstance(func, ast.Name) and func.id in ("bytes", "bytearray"):
                return all(isinstance(a, (ast.Constant, ast.List, ast.BinOp)) for a in expr.args)
            if isinstance(func, ast.Attribute) and func.attr in ("encode", "fromhex"):
                if func.attr == "encode":
                    return isinstance(func.value, ast.Constant)
                return bool(expr.args) and isinstance(expr.args[0], ast.Constant)
            return False
        if isinstance(expr, ast.Name):
            binding = scope.lookup(expr.id, position(expr))
            if binding is None or binding.kind != "assign" or binding.value is None:
                return False
            expr = binding.value
            continue
        return False
    return False
