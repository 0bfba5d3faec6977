"""The cryptographic primitives the crypto rules recognise, by qualified name."""

from __future__ import annotations

import ast

from archguard.rules.crypto._flow import Scope, literal_text, position
from archguard.scan.syntax import Names, keyword

#: ``random`` module functions: a Mersenne Twister, predictable from its outputs.
WEAK_RANDOM = frozenset(
    {"random", "randint", "randrange", "choice", "choices", "sample", "getrandbits",
     "uniform", "randbytes", "normalvariate", "gauss", "triangular", "betavariate",
     "expovariate", "gammavariate", "lognormvariate", "paretovariate", "vonmisesvariate",
     "weibullvariate", "binomialvariate"}
)  # fmt: skip
_NUMPY_RANDOM = frozenset(
    {"rand", "randn", "randint", "random", "random_sample", "choice", "bytes", "permutation",
     "uniform", "integers"}
)  # fmt: skip
#: Calls whose result is unpredictable whatever their arguments.
_SECURE_RANDOM_PREFIXES = (
    "secrets.",
    "random.SystemRandom",
    "Crypto.Random.",
    "Cryptodome.Random.",
    "nacl.utils.random",
)
_SECURE_RANDOM = frozenset(
    {"os.urandom", "uuid.uuid4", "django.utils.crypto.get_random_string",
     "cryptography.fernet.Fernet.generate_key", "os.getrandom", "ssl.RAND_bytes"}
)  # fmt: skip


def is_weak_random_call(call: ast.AST, names: Names, scope: Scope) -> bool:
    """``random.choice(...)``, ``from random import randint; randint(...)``,
    ``numpy.random.randint(...)``, ``uuid.uuid1()`` and methods of a ``random.Random``
    instance; not ``random.SystemRandom().choice(...)``."""
    if not isinstance(call, ast.Call):
        return False
    qualified = names.resolve(call.func)
    if qualified is not None:
        module, _, function = qualified.rpartition(".")
        if module == "random":
            return function in WEAK_RANDOM
        if module == "numpy.random":
            return function in _NUMPY_RANDOM
        return qualified == "uuid.uuid1"
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in WEAK_RANDOM:
        return False
    receiver: ast.AST | None = func.value
    if isinstance(receiver, ast.Name):
        binding = scope.lookup(receiver.id, position(receiver))
        receiver = binding.value if binding is not None else None
    return isinstance(receiver, ast.Call) and names.resolve(receiver.func) in (
        "random.Random",
        "numpy.random.default_rng",
        "numpy.random.RandomState",
    )


def is_secure_random_call(call: ast.Call, names: Names) -> bool:
    head: ast.AST = call.func
    while isinstance(head, ast.Attribute):
        head = head.value
        if isinstance(head, ast.Call):
            if is_secure_random_call(head, names):
                return True
            head = head.func
    qualified = names.resolve(call.func) or ""
    return qualified in _SECURE_RANDOM or qualified.startswith(_SECURE_RANDOM_PREFIXES)


#: hashlib's general-purpose hashes: fast by design, so wrong for passwords.
FAST_HASHES = frozenset(
    {"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256",
     "sha3_384", "sha3_512", "blake2b", "blake2s", "shake_128", "shake_256", "md4", "md2",
     "sha", "ripemd160", "sm3", "sha512_224", "sha512_256", "md5-sha1"}
)  # fmt: skip
#: Broken for collision resistance: forgeable signatures, colliding tokens.
BROKEN_HASHES = frozenset({"md5", "sha1", "md4", "md2", "sha", "md5-sha1", "md5_sha1"})
_HASH_MODULES = ("Crypto.Hash.", "Cryptodome.Hash.")
_CRYPTOGRAPHY_HASHES = "cryptography.hazmat.primitives.hashes."


def hash_algorithm(
    call: ast.Call, names: Names, scope: Scope
) -> tuple[str, ast.expr | None] | None:
    """The algorithm (lower case) of a call that makes a hash object or digest, with the
    data it is given at once (None when fed later through ``update``)."""
    qualified = names.resolve(call.func)
    if qualified is None:
        return None
    if qualified.startswith("hashlib."):
        name = qualified[len("hashlib.") :]
        if name == "new":
            algorithm = _algorithm_name(call.args[0] if call.args else keyword(call, "name"), scope)
            data = call.args[1] if len(call.args) > 1 else keyword(call, "data")
            return (algorithm, data) if algorithm else None
        if name in FAST_HASHES:
            return name, call.args[0] if call.args else keyword(call, "string")
        return None
    if qualified.startswith(_HASH_MODULES) and qualified.endswith(".new"):
        module = qualified.split(".")[2].lower()
        module = {"sha": "sha1"}.get(module, module)
        if module in FAST_HASHES or module.replace("_", "") in ("sha3256", "sha3512"):
            return module, call.args[0] if call.args else keyword(call, "data")
        return None
    if qualified.startswith(_CRYPTOGRAPHY_HASHES):
        name = qualified[len(_CRYPTOGRAPHY_HASHES) :].lower()
        if name in FAST_HASHES:
            return name, None
    return None


def _algorithm_name(expr: ast.AST | None, scope: Scope) -> str | None:
    """``"md5"``, a name bound to it, or the default of a configuration lookup
    (``config.get("hash", "md5")``)."""
    text = literal_text(expr, scope)
    if text is None and isinstance(expr, ast.Name):
        binding = scope.lookup(expr.id, position(expr))
        expr = binding.value if binding is not None else None
    if text is None and isinstance(expr, ast.Call) and len(expr.args) >= 2:
        func = expr.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if called in ("get", "getenv", "getProperty"):
            text = literal_text(expr.args[1], scope)
    return text.lower().replace("-", "_") if text else None


def hmac_digest(call: ast.Call, names: Names, scope: Scope) -> str | None:
    """The digest of ``hmac.new(key, msg, digestmod)`` / ``hmac.digest`` / ``HMAC(...)``,
    lower case, when it is written as ``hashlib.sha1`` or ``"sha1"``."""
    qualified = names.resolve(call.func)
    if qualified not in ("hmac.new", "hmac.digest", "hmac.HMAC"):
        return None
    digest = call.args[2] if len(call.args) > 2 else keyword(call, "digestmod")
    if digest is None:
        digest = keyword(call, "digest")
    if digest is None:
        return None
    named = names.resolve(digest)
    if named is not None and named.startswith("hashlib."):
        return named[len("hashlib.") :]
    text = literal_text(digest, scope)
    return text.lower() if text else None


_CIPHER_MODULES = ("Crypto.Cipher.", "Cryptodome.Cipher.")
#: Ciphers broken or with blocks too small for today's data volumes.
WEAK_CIPHERS = {"DES": "DES", "DES3": "3DES", "ARC4": "RC4", "ARC2": "RC2",
                "Blowfish": "Blowfish", "CAST": "CAST", "XOR": "XOR"}  # fmt: skip
_CRYPTOGRAPHY_ALGORITHMS = (
    "cryptography.hazmat.primitives.ciphers.algorithms.",
    "cryptography.hazmat.decrepit.ciphers.algorithms.",
)
WEAK_CRYPTOGRAPHY_CIPHERS = {"TripleDES": "3DES", "ARC4": "RC4", "Blowfish": "Blowfish",
                             "CAST5": "CAST5", "IDEA": "IDEA", "SEED": "SEED", "RC2": "RC2"}  # fmt: skip
CRYPTOGRAPHY_MODES = "cryptography.hazmat.primitives.ciphers.modes."


def weak_cipher(call: ast.Call, names: Names) -> str | None:
    """What is weak about a cipher construction: the cipher itself, or ECB mode."""
    qualified = names.resolve(call.func)
    if qualified is None:
        return None
    if qualified.startswith(_CIPHER_MODULES) and qualified.endswith(".new"):
        cipher = qualified.split(".")[2]
        if cipher in WEAK_CIPHERS:
            return WEAK_CIPHERS[cipher]
        mode = call.args[1] if len(call.args) > 1 else keyword(call, "mode")
        mode_name = names.resolve(mode) if mode is not None else None
        if mode_name is not None and mode_name.endswith(".MODE_ECB"):
            return f"{cipher} in ECB mode"
        if isinstance(mode, ast.Constant) and mode.value == 1:
            return f"{cipher} in ECB mode"
        return None
    for prefix in _CRYPTOGRAPHY_ALGORITHMS:
        if qualified.startswith(prefix):
            name = qualified[len(prefix) :]
            return WEAK_CRYPTOGRAPHY_CIPHERS.get(name)
    if qualified == CRYPTOGRAPHY_MODES + "ECB":
        return "ECB mode"
    if qualified in ("pyDes.des", "pyDes.triple_des"):
        return "DES" if qualified.endswith(".des") else "3DES"
    return None


def cipher_module(call: ast.Call, names: Names) -> bool:
    """``AES.new(...)`` and the other PyCryptodome (and PyCrypto) cipher factories."""
    qualified = names.resolve(call.func) or ""
    return qualified.startswith(_CIPHER_MODULES) and qualified.endswith(".new")
