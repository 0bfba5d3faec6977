"""Hashes used where they fail: MD5 and SHA-1 for security, fast hashes for passwords,
and unkeyed hashes as signatures."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from archguard.core.levels import Confidence, Severity
from archguard.rules.crypto._flow import (
    Origin,
    Scope,
    Tracer,
    argument_for,
    literal_text,
    position,
    simple_statement,
)
from archguard.rules.crypto._passwords import password_tracer
from archguard.rules.crypto._primitives import (
    BROKEN_HASHES,
    hash_algorithm,
    hmac_digest,
    is_secure_random_call,
)
from archguard.rules.crypto._randomness import non_security_path
from archguard.rules.crypto._sinks import Use, is_credential_use
from archguard.rules.crypto._verdict import File, Verdict
from archguard.rules.crypto._words import (
    is_non_security_name,
    is_secret_name,
    is_security_name,
    words,
)
from archguard.scan.syntax import keyword

KDFS = (
    "bcrypt.",
    "argon2.",
    "passlib.",
    "hashlib.pbkdf2_hmac",
    "hashlib.scrypt",
    "werkzeug.security.generate_password_hash",
    "django.contrib.auth.hashers.make_password",
    "cryptography.hazmat.primitives.kdf.",
    "nacl.pwhash.",
)
#: Call names that say a hash input is a file or a stream, not a secret.
_CONTENT_READS = frozenset(
    {"read", "read_bytes", "read_text", "readline", "readlines", "getvalue", "iter_content",
     "chunks", "open", "tobytes", "dumps", "urlencode"}
)  # fmt: skip
_PASSWORD_FIX = (
    "Hash passwords with a slow, salted password hash: bcrypt, argon2 or scrypt "
    "(werkzeug's generate_password_hash, Django's make_password, passlib's CryptContext)."
)
#: Words of an input that keys a hash: ``sha256(SECRET_KEY + data)`` is a (weak) MAC.
_KEY_WORDS = frozenset({"secret", "key", "salt", "pepper", "private", "signing", "hmac"})
#: Calls through which a digest stays the digest.
_DIGEST_KEEPERS = frozenset(
    {"hexdigest", "digest", "finalize", "copy", "encode", "decode", "upper", "lower", "str",
     "bytes", "format", "join", "b64encode", "urlsafe_b64encode", "b32encode", "b16encode",
     "hexlify", "force_str", "force_bytes", "force_text", "int", "strip", "replace"}
)  # fmt: skip
_CONSTANT_TIME = ("hmac.compare_digest", "secrets.compare_digest")
_CACHE_HEADERS = ("etag", "if-none-match", "if-match", "content-md5", "digest")


@dataclass
class _Hash:
    call: ast.Call
    algorithm: str
    inputs: list[ast.expr]
    used_as: list[Use] = field(default_factory=list)
    #: Compared with a value the client sent (a cookie, a header, a parameter).
    checked: bool = False


def hash_findings(file: File, tree: ast.Module, uses: list[Use]) -> list[Verdict]:
    hashes, macs = _collect(file, tree)
    if not hashes and not macs:
        return []
    sources = set(hashes) | set(macs)
    tracer = Tracer(
        file.index,
        lambda node, scope: id(node) in sources,
        lambda call, scope: not _keeps_digest(call, file),
    )
    mac_uses: dict[int, list[Use]] = {}
    for use in uses:
        origin = tracer.origin(use.value)
        if origin is None or origin.helper is not None:
            continue
        if id(origin.node) in hashes:
            hashes[id(origin.node)].used_as.append(use)
        else:
            mac_uses.setdefault(id(origin.node), []).append(use)
    for checked in _checked_against_request(file, tree, tracer):
        if checked in hashes:
            hashes[checked].checked = True
    prehashes = _fed_to_kdf(file, tree, tracer)
    passwords = password_tracer(file.index, file.names)
    found: list[Verdict] = []
    for item in hashes.values():
        verdict = _judge(file, item, passwords, id(item.call) in prehashes)
        if verdict is not None:
            found.append(verdict)
    for call, digest in macs.values():
        # HMAC-SHA1 is not broken the way SHA-1 is; only a MAC that makes a signature or
        # token is worth moving to SHA-256.
        secret_uses = [
            u
            for u in mac_uses.get(id(call), [])
            if isinstance(u.node, (ast.Assign, ast.AnnAssign)) and is_security_name(u.name)
        ]
        if secret_uses:
            found.append(_broken(call, digest, secret_uses[0], high=False))
    return found


def _collect(
    file: File, tree: ast.Module
) -> tuple[dict[int, _Hash], dict[int, tuple[ast.Call, str]]]:
    hashes: dict[int, _Hash] = {}
    macs: dict[int, tuple[ast.Call, str]] = {}
    updates: list[ast.Call] = []
    for node in file.index.all(ast.Call):
        if (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == "update"
            and isinstance(node.func.value, ast.Name)
            and node.args
        ):
            updates.append(node)
        scope = file.index.scope_of(node)
        made = hash_algorithm(node, file.names, scope)
        if made is not None:
            algorithm, data = made
            hashes[id(node)] = _Hash(node, algorithm, [data] if data is not None else [])
            continue
        digest = hmac_digest(node, file.names, scope)
        if digest is not None and digest in BROKEN_HASHES:
            macs[id(node)] = (node, digest)
    # ``h = hashlib.md5(); h.update(data)``: what ``update`` feeds counts as input.
    for update in updates:
        receiver = update.func.value if isinstance(update.func, ast.Attribute) else None
        if not isinstance(receiver, ast.Name):
            continue
        binding = file.index.binding(receiver)
        fed: ast.expr | None = binding.value if binding is not None else None
        if isinstance(fed, ast.Call) and id(fed) not in hashes and fed.args:
            fed = fed.args[0]  # cryptography: hashes.Hash(hashes.SHA256()).update(...)
        if fed is not None and id(fed) in hashes:
            hashes[id(fed)].inputs.append(update.args[0])
    return hashes, macs


def _judge(file: File, item: _Hash, passwords: Tracer, prehash: bool) -> Verdict | None:
    call, algorithm = item.call, item.algorithm
    usedforsecurity = keyword(call, "usedforsecurity")
    if usedforsecurity is not None and not (
        isinstance(usedforsecurity, ast.Constant) and usedforsecurity.value is True
    ):
        return None  # the author said what the digest is for
    if file.under(call, ("padding.OAEP", "padding.MGF1", ".OAEP", ".MGF1")):
        return None  # SHA-1 inside OAEP and MGF1 is not a collision risk
    if not prehash and not file.under(call, KDFS):
        for data in item.inputs:
            password = passwords.origin(data)
            if password is not None:
                return _password(call, algorithm, password.node)
        site = _password_through_helper(file, call, item.inputs, passwords)
        if site is not None:
            return _password(call, algorithm, site, through_helper=True)
    input_names = {n for data in item.inputs for n in _names_in(data, file, follow=False)}
    behind = {n for data in item.inputs for n in _names_in(data, file, follow=True)}
    if any(is_non_security_name(u.name) for u in item.used_as):
        return None
    if algorithm not in BROKEN_HASHES:
        return _unkeyed(file, item, input_names)
    security = [u for u in item.used_as if is_credential_use(u) or is_security_name(u.name)]
    if security:
        return _broken(call, algorithm, security[0], high=True)
    if item.checked or file.under(call, (".sign", ".verify")):
        return _broken(call, algorithm, None, high=True)
    if any(is_non_security_name(n) or n in _CONTENT_READS for n in input_names) or any(
        is_non_security_name(n) for n in behind
    ):
        return None
    if any(is_secret_name(n) for n in input_names):
        return _broken(call, algorithm, None, high=True)
    scope = file.index.scope_of(call)
    context = [f.name for f in _functions(scope)]
    if scope.cls is not None:
        context.append(scope.cls.name)
    if any(is_non_security_name(n) for n in context) or non_security_path(file.path):
        return None
    if _truncated(simple_statement(call, file.parents), call):
        return None  # a short digest (``hexdigest()[:8]``) is an identifier, not a secret
    if any(is_security_name(n) for n in context):
        return _broken(call, algorithm, None, high=True)
    return Verdict(
        "weak-hash",
        call,
        f"{label(algorithm)} is broken (collisions can be computed), and nothing here says "
        "this digest is only a checksum.",
        "Use SHA-256 or better (hmac with SHA-256 for a signature); if the digest is only a "
        "checksum or cache key, pass usedforsecurity=False to say so.",
        severity=Severity.WARNING,
        confidence=Confidence.MEDIUM,
    )


def _unkeyed(file: File, item: _Hash, input_names: set[str]) -> Verdict | None:
    """A fast hash of data the client knows, put in a session cookie or checked against
    one: a "signature" anyone can compute."""
    cookies = [u for u in item.used_as if u.store and is_credential_use(u)]
    if not cookies and not item.checked:
        return None
    if any(set(words(n)) & _KEY_WORDS for n in input_names):
        return None  # keyed (badly, perhaps), but not forgeable by anyone
    names = file.names
    secure = Tracer(
        file.index,
        lambda node, scope: isinstance(node, ast.Call) and is_secure_random_call(node, names),
        lambda call, scope: False,
    )
    if any(secure.origin(data) is not None for data in item.inputs):
        return None  # a digest of a random token
    where = f" for {cookies[0].what}" if cookies else " to check a value the client sent"
    return Verdict(
        "unkeyed-hash-signature",
        item.call,
        f"A plain {label(item.algorithm)} of data the client knows is used as a signature"
        f"{where}: anyone can compute it and forge the value.",
        "Sign with a secret key, hmac.new(SECRET_KEY, data, 'sha256'), and compare with "
        "hmac.compare_digest; or keep the data server-side in a session.",
    )


def _broken(call: ast.Call, algorithm: str, use: Use | None, *, high: bool) -> Verdict:
    becomes = f" to make {use.what}" if use is not None else " for a security purpose"
    return Verdict(
        "broken-hash-for-token",
        call,
        f"{label(algorithm)} is broken (collisions can be computed) and is used{becomes}.",
        "Use secrets.token_urlsafe() for tokens and session ids, and "
        "hmac.new(key, msg, 'sha256') for signatures.",
        confidence=None if high else Confidence.MEDIUM,
    )


def _password(
    call: ast.Call, algorithm: str, password: ast.AST, *, through_helper: bool = False
) -> Verdict:
    where = (
        f" (the password is passed in at line {getattr(password, 'lineno', 0)})"
        if through_helper
        else ""
    )
    return Verdict(
        "password-fast-hash",
        call,
        f"A password is hashed with {label(algorithm)}, a fast hash that GPUs try billions "
        f"of times a second{where}.",
        _PASSWORD_FIX,
        related=(
            (
                password,
                "the password hashed here is little better than stored in plain text "
                "(plaintext-password, CWE-256, CWE-916)",
            ),
        ),
    )


def _password_through_helper(
    file: File, call: ast.Call, inputs: list[ast.expr], passwords: Tracer
) -> ast.AST | None:
    """A helper of this file that hashes one of its parameters, called with a password:
    ``def _make_hash(self, string): return sha256(string)`` and
    ``self._make_hash(self.password)``."""
    scope = file.index.scope_of(call)
    function = scope.function
    if function is None:
        return None
    params = Tracer(file.index, _is_param, lambda c, s: False)
    hashed: set[str] = set()
    for data in inputs:
        origin = params.origin(data, scope)
        if isinstance(origin, Origin) and isinstance(origin.node, ast.Name):
            hashed.add(origin.node.id)
    for caller, site in file.index.call_sites(function):
        for param in sorted(hashed):
            arg = argument_for(site, function, param)
            if arg is not None and passwords.origin(arg, caller) is not None:
                return arg
    return None


def _fed_to_kdf(file: File, tree: ast.Module, tracer: Tracer) -> set[int]:
    """Hashes whose digest goes into bcrypt, argon2 or PBKDF2: a pre-hash (which lifts
    bcrypt's 72-byte limit) is not how the password is stored."""
    fed: set[int] = set()
    for node in file.index.all(ast.Call):
        qualified = file.names.resolve(node.func) or ""
        if not qualified.startswith(KDFS):
            continue
        for arg in (*node.args, *(kw.value for kw in node.keywords)):
            origin = tracer.origin(arg)
            if origin is not None:
                fed.add(id(origin.node))
    return fed


def _checked_against_request(file: File, tree: ast.Module, hashes: Tracer) -> set[int]:
    """Hashes compared (``==``, ``!=``, ``compare_digest``) with a value read from the
    request, other than a cache validator (``If-None-Match``)."""
    requests = Tracer(file.index, _request_read, lambda c, s: False)
    checked: set[int] = set()
    for node in file.index.all(ast.Compare, ast.Call):
        pairs: list[tuple[ast.expr, ast.expr]] = []
        if (
            isinstance(node, ast.Compare)
            and len(node.ops) == 1
            and isinstance(node.ops[0], (ast.Eq, ast.NotEq))
        ):
            pairs = [(node.left, node.comparators[0])]
        elif (
            isinstance(node, ast.Call)
            and len(node.args) == 2
            and (file.names.resolve(node.func) or "") in _CONSTANT_TIME
        ):
            pairs = [(node.args[0], node.args[1])]
        for left, right in pairs:
            for ours, theirs in ((left, right), (right, left)):
                origin = hashes.origin(ours)
                if origin is None or origin.helper is not None:
                    continue
                if requests.origin(theirs) is not None and not _cache_header(theirs):
                    checked.add(id(origin.node))
    return checked


def _request_read(node: ast.AST, scope: Scope) -> bool:
    head = node
    while isinstance(head, (ast.Attribute, ast.Subscript, ast.Call)):
        head = head.func if isinstance(head, ast.Call) else head.value
    return head is not node and isinstance(head, ast.Name) and head.id in ("request", "req")


def _cache_header(expr: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and n.value.lower() in _CACHE_HEADERS
        for n in ast.walk(expr)
    )


def label(algorithm: str) -> str:
    """``sha256`` -> SHA-256, ``sha3_512`` -> SHA3-512, ``blake2b`` -> BLAKE2b."""
    if algorithm in ("sha", "sha1"):
        return "SHA-1"
    if algorithm.startswith("blake2"):
        return "BLAKE2" + algorithm[-1]
    if algorithm.startswith("sha3_"):
        return "SHA3-" + algorithm[5:]
    if algorithm.startswith("sha") and algorithm[3:].replace("_", "").isdigit():
        return "SHA-" + algorithm[3:].replace("_", "/")
    return algorithm.upper().replace("_", "-")


def _names_in(expr: ast.AST, file: File, *, follow: bool) -> set[str]:
    """The names an input is made of; with ``follow``, also those of what the local
    names it reads were assigned (one assignment back): ``data = fp.read(); h.update(data)``
    is made of ``fp``."""
    found: set[str] = set()
    pending: list[ast.AST] = [expr]
    for depth in range(2 if follow else 1):
        following: list[ast.AST] = []
        for item in pending:
            for node in ast.walk(item):
                if isinstance(node, ast.Name):
                    found.add(node.id)
                    binding = file.index.binding(node) if depth == 0 else None
                    if binding is not None and binding.value is not None:
                        following.append(binding.value)
                elif isinstance(node, ast.Attribute):
                    found.add(node.attr)
                elif isinstance(node, ast.Subscript):
                    key = literal_text(node.slice)
                    if key:
                        found.add(key)
        pending = following
    return found


def _keeps_digest(call: ast.Call, file: File) -> bool:
    """Calls that pass a digest on as it is (formatting, encoding), or build the hash
    object it comes from: a digest handed to any other call has become something else."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name in _DIGEST_KEEPERS:
        return True
    qualified = file.names.resolve(func) or ""
    return qualified.endswith(("hashes.Hash", "hmac.HMAC", "hmac.new"))


def _truncated(statement: ast.AST, call: ast.Call) -> bool:
    """``...hexdigest()[:8]``: a digest cut to a few characters."""
    for node in ast.walk(statement):
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.slice, ast.Slice)
            and node.slice.lower is None
            and isinstance(node.slice.upper, ast.Constant)
            and isinstance(node.slice.upper.value, int)
            and node.slice.upper.value <= 16
            and any(n is call for n in ast.walk(node.value))
        ):
            return True
    return False


def _functions(scope: Scope) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    found = []
    current: Scope | None = scope
    while current is not None:
        if current.function is not None:
            found.append(current.function)
        current = current.parent
    return found


def _is_param(node: ast.AST, scope: Scope) -> bool:
    if not isinstance(node, ast.Name):
        return False
    binding = scope.lookup(node.id, position(node))
    return binding is not None and binding.kind == "param" and scope.function is not None
