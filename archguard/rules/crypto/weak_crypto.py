"""AG505 weak-crypto."""

from __future__ import annotations

import ast

from archguard.core.fingerprint import normalize_snippet
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.crypto._ciphers import cipher_findings
from archguard.rules.crypto._flow import FileIndex, simple_statement
from archguard.rules.crypto._hashing import hash_findings
from archguard.rules.crypto._randomness import predictable_secrets
from archguard.rules.crypto._sinks import uses
from archguard.rules.crypto._verdict import File, Verdict
from archguard.scan.file_rule import FileRule


class WeakCrypto(FileRule):
    """
    ## What it does
    Finds cryptography that looks right and is not:
    - tokens, one-time codes, reset codes, API keys, session ids, nonces and salts made
      with the `random` module (or `uuid.uuid1()`), judged by where the value goes: a
      name, attribute, keyword or dictionary key that says it is a secret, a session or
      cookie entry, or the return value of a function named like `generate_api_key`;
      helpers of the same file are followed, so `user.api_key = rand_str(32)` counts
      when `rand_str` returns `random.choice` output;
    - MD5 and SHA-1 (`hashlib.md5`, `hashlib.new("sha1")`, `Crypto.Hash.MD5.new()`,
      `cryptography`'s `hashes.SHA1()`): reported when the digest becomes a token,
      signature, session id or cookie, and also when nothing says what it is for; a
      digest named or fed as a checksum, cache key, ETag or file hash stays silent, and
      so does `usedforsecurity=False`;
    - a password hashed with any fast hash (MD5, SHA-1, SHA-256, SHA-512, BLAKE2),
      also through a helper of the same file (`self._make_hash(self.password)`);
      the finding points at the password as related information, since such a
      password is little better than one stored in plain text (`plaintext-password`);
    - the DES, 3DES, RC2, RC4, Blowfish and CAST ciphers, ECB mode, and RSA or DSA
      keys shorter than 2048 bits;
    - IVs and nonces written as literals (also through a constant);
    - TLS certificate checks switched off (`verify=False`, aiohttp's `ssl=False`,
      `ssl._create_unverified_context()`, `CERT_NONE`, `check_hostname = False`),
      deprecated protocols (SSLv3, TLS 1.0 and 1.1, also re-enabled through
      `options &= ~ssl.OP_NO_SSLv3`) and broken cipher suites in `set_ciphers`.

    ## Why is this bad?
    `random` is a Mersenne Twister: after 624 observed outputs every future "token" is
    known, and far fewer suffice for short codes. MD5 and SHA-1 collide on demand, and an
    unkeyed MD5 of a user name is a session id anyone can compute. A fast hash of a
    password is cracked at billions of guesses a second on one GPU. DES and RC4 are
    broken; ECB leaks patterns of the plaintext; a fixed IV or nonce turns CBC into a
    dictionary and destroys GCM's integrity. Without certificate checks any network
    attacker can read and change the traffic.

    ## Example
    ```python
    def start_password_reset(user):
        user.reset_code = str(random.randint(100000, 999999))
        requests.post(SMS_URL, json={"to": user.phone}, verify=False, timeout=5)
    ```

    ## Use instead
    ```python
    def start_password_reset(user):
        user.reset_code = f"{secrets.randbelow(10**6):06d}"
        requests.post(SMS_URL, json={"to": user.phone}, timeout=5)
    ```

    ## References
    - [Python docs: secrets](https://docs.python.org/3/library/secrets.html)
    - [OWASP: Cryptographic Storage Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Cryptographic_Storage_Cheat_Sheet.html)
    - [OWASP: Password Storage Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html)
    - [CWE-330](https://cwe.mitre.org/data/definitions/330.html), [CWE-327](https://cwe.mitre.org/data/definitions/327.html), [CWE-328](https://cwe.mitre.org/data/definitions/328.html), [CWE-916](https://cwe.mitre.org/data/definitions/916.html), [CWE-295](https://cwe.mitre.org/data/definitions/295.html)
    """

    meta = RuleMeta(
        id="AG505",
        name="weak-crypto",
        category=Category.WEAK_CRYPTO,
        severity=Severity.ERROR,
        confidence=Confidence.HIGH,
        summary=(
            "Tokens from random, MD5/SHA-1 or fast password hashes, DES/RC4/ECB, static IVs, "
            "TLS verification turned off."
        ),
        cwe=(327, 328, 330, 916, 295),
        tags=frozenset({"security", "cryptography"}),
        security_severity=7.4,
    )
    TRIGGERS = (
        rb"random|uuid1|hashlib|hmac|Crypto|cryptography|pyDes|\bssl\b|verify\s*=\s*False"
        rb"|verify_ssl|CERT_NONE|\bRSA\b|\brsa\b",
    )

    VALID = (
        Valid(
            """
            import secrets

            def start_password_reset(user):
                user.reset_code = f"{secrets.randbelow(10**6):06d}"
                user.save()
            """,
            label="codes from secrets",
        ),
        Valid(
            """
            import random

            def retry_delay(attempt):
                delay = 2**attempt + random.uniform(0, 1)
                return delay

            def pick_replica(replicas):
                return random.choice(replicas)

            def sample_for_review(orders):
                return random.sample(orders, 10)
            """,
            label="random for jitter, load spreading and sampling",
        ),
        Valid(
            """
            import random, string

            def make_cache_key(prefix):
                cache_key = prefix + "".join(random.choices(string.ascii_lowercase, k=8))
                return cache_key
            """,
            label="a random cache key is not a secret",
        ),
        Valid(
            """
            import hashlib

            def file_checksum(path):
                h = hashlib.md5()
                with open(path, "rb") as f:
                    for chunk in iter(lambda: f.read(65536), b""):
                        h.update(chunk)
                return h.hexdigest()

            def etag_for(body: bytes) -> str:
                return hashlib.sha1(body, usedforsecurity=False).hexdigest()

            def gravatar_url(email):
                digest = hashlib.md5(email.strip().lower().encode()).hexdigest()
                return f"https://www.gravatar.com/avatar/{digest}"
            """,
            label="MD5 and SHA-1 as checksums",
        ),
        Valid(
            """
            import hashlib, secrets

            def issue_api_key(user):
                raw = secrets.token_urlsafe(32)
                user.api_key_digest = hashlib.sha256(raw.encode()).hexdigest()
                return raw
            """,
            label="SHA-256 of a random token is how tokens should be stored",
        ),
        Valid(
            """
            import base64, bcrypt, hashlib

            def hash_password(password: str) -> bytes:
                prehashed = base64.b64encode(hashlib.sha256(password.encode()).digest())
                return bcrypt.hashpw(prehashed, bcrypt.gensalt())
            """,
            label="a pre-hash fed to bcrypt",
        ),
        Valid(
            """
            import os
            from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

            def encrypt(key, data):
                iv = os.urandom(16)
                encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
                return iv + encryptor.update(data) + encryptor.finalize()
            """,
            label="a fresh IV per message",
        ),
        Valid(
            """
            import requests
            from django.conf import settings

            def fetch_internal(url):
                return requests.get(url, timeout=10, verify=settings.INTERNAL_CA_BUNDLE).json()
            """,
            label="verify pointed at a CA bundle",
        ),
        Valid(
            """
            import jwt

            def claims(token):
                return jwt.decode(token, verify=False)
            """,
            label="not an HTTP client (weak-jwt's business)",
        ),
    )
    INVALID = (
        Invalid(
            """
            import random

            def start_password_reset(user):
                user.reset_code = str(random.randint(100000, 999999))
                user.save()
            """,
            line=4,
            message="random.randint",
        ),
        Invalid(
            """
            import random, string

            def generate_api_key():
                return "".join(random.choice(string.ascii_letters + string.digits) for _ in range(40))

            def create_client(user):
                user.api_key = generate_api_key()
            """,
            line=4,
            message="generate_api_key",
        ),
        Invalid(
            """
            import random, string

            def rand_str(n):
                return "".join(random.choice(string.ascii_letters) for _ in range(n))

            def create_client(user):
                user.api_key = rand_str(40)
            """,
            line=7,
            message="rand_str()",
        ),
        Invalid(
            """
            import random
            from flask import session

            def remember(user_id):
                cookie = f"rememberMe{user_id}"
                value = str(random.random())[2:]
                session[cookie] = value
            """,
            line=7,
            label="a random value stored as a session credential",
        ),
        Invalid(
            """
            import hashlib
            from flask import make_response

            def login(username):
                res = make_response("ok")
                res.set_cookie("sessionid", hashlib.sha1(username.encode()).hexdigest())
                return res
            """,
            line=6,
            message="SHA-1",
        ),
        Invalid(
            """
            import hashlib

            def store(data):
                h = hashlib.new("md5")
                h.update(data)
                return h.digest()
            """,
            line=4,
            label="MD5 with nothing to say it is only a checksum",
        ),
        Invalid(
            """
            import hashlib

            class Password:
                def __init__(self, password):
                    self.password = password

                def get_hashed_password(self):
                    return self._make_hash(self.password)

                def _make_hash(self, string):
                    return hashlib.sha256(string).hexdigest()
            """,
            line=11,
            message="fast hash",
            label="a fast hash of a password through a helper",
        ),
        Invalid(
            """
            from Crypto.Cipher import AES

            def encrypt(key, data):
                return AES.new(key, AES.MODE_ECB).encrypt(data)
            """,
            line=4,
            message="ECB",
        ),
        Invalid(
            """
            from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

            IV = b"0123456789abcdef"

            def encrypt(key, data):
                return Cipher(algorithms.AES(key), modes.CBC(IV)).encryptor().update(data)
            """,
            line=6,
            message="IV",
        ),
        Invalid(
            """
            import httpx

            def partner_client(base_url):
                return httpx.Client(base_url=base_url, verify=False)
            """,
            line=4,
            message="verify=False",
        ),
        Invalid(
            """
            import ssl

            ctx = ssl.SSLContext(ssl.PROTOCOL_SSLv23)
            ctx.options &= ~ssl.OP_NO_SSLv3
            """,
            line=4,
            message="SSLv3",
        ),
    )

    def visit_Module(self, node: ast.Module) -> None:
        index = FileIndex.of(node)
        file = File(self.ctx.path, self.ctx.names, index, index.parents)
        found = uses(index)
        verdicts = [
            *cipher_findings(file, node),
            *predictable_secrets(file, found),
            *hash_findings(file, node, found),
        ]
        done: set[tuple[str, int]] = set()
        for verdict in verdicts:
            at = simple_statement(verdict.node, file.parents)
            if (verdict.shape, id(at)) not in done:
                done.add((verdict.shape, id(at)))
                self._emit(at, verdict)

    def _emit(self, at: ast.AST, verdict: Verdict) -> None:
        first_line = self.ctx.code(at).split("\n", 1)[0]
        self.report(
            at,
            verdict.message,
            # The shape and the first line of code, as the Semgrep version of this rule
            # had it: baselines made with it keep matching.
            symbol=f"{verdict.shape}\0{normalize_snippet(first_line)}",
            shape=verdict.shape,
            severity=verdict.severity,
            confidence=verdict.confidence,
            fix=verdict.fix,
            related=verdict.related,
        )
