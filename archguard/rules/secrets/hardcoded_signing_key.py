"""AG104 hardcoded-signing-key."""

from __future__ import annotations

import ast

from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.secrets._detect import is_placeholder, redact, string_value
from archguard.scan.file_rule import FileRule

#: Qualified callee -> (position of the key argument, its keyword name).
_SIGNERS: dict[str, tuple[int, str]] = {
    "jwt.encode": (1, "key"),
    "jwt.decode": (1, "key"),
    "jose.jwt.encode": (1, "key"),
    "jose.jwt.decode": (1, "key"),
    "authlib.jose.jwt.encode": (2, "key"),
    "authlib.jose.jwt.decode": (1, "key"),
    "itsdangerous.URLSafeTimedSerializer": (0, "secret_key"),
    "itsdangerous.URLSafeSerializer": (0, "secret_key"),
    "itsdangerous.TimedSerializer": (0, "secret_key"),
    "itsdangerous.Serializer": (0, "secret_key"),
    "itsdangerous.Signer": (0, "secret_key"),
    "itsdangerous.TimestampSigner": (0, "secret_key"),
    "hmac.new": (0, "key"),
    "hmac.digest": (0, "key"),
    "cryptography.fernet.Fernet": (0, "key"),
}


class HardcodedSigningKey(FileRule):
    """
    ## What it does
    Finds signing and encryption keys passed as literals straight into the calls that
    use them: `jwt.encode(payload, "secret")` and `jwt.decode` (PyJWT and python-jose),
    authlib's `jwt`, itsdangerous serializers and signers, `hmac.new` and `Fernet`.
    Names resolve through the module's imports, so `from jwt import encode` and
    `import jwt as pyjwt` are recognised too.

    ## Why is this bad?
    Whoever knows the key can mint tokens the application accepts as genuine: log in as
    any user, extend any session, forge any signed link. A literal key is known to
    everyone with read access to the repository, and it is usually the same in every
    environment (CWE-798, CWE-321).

    ## Example
    ```python
    token = jwt.encode({"sub": user.id}, "my-secret", algorithm="HS256")
    ```

    ## Use instead
    ```python
    token = jwt.encode({"sub": user.id}, settings.JWT_SECRET_KEY, algorithm="HS256")
    ```
    with `JWT_SECRET_KEY` loaded from the environment and at least 32 random bytes long.

    ## References
    - https://cwe.mitre.org/data/definitions/321.html
    - https://cwe.mitre.org/data/definitions/798.html
    - https://pyjwt.readthedocs.io/en/stable/usage.html
    """

    meta = RuleMeta(
        id="AG104",
        name="hardcoded-signing-key",
        category=Category.HARDCODED_SECRET,
        severity=Severity.ERROR,
        confidence=Confidence.HIGH,
        summary="A token signing or encryption key is passed as a literal.",
        cwe=(798, 321),
        tags=frozenset({"security", "secrets", "jwt"}),
        security_severity=8.1,
    )
    TRIGGERS = (rb"jwt|itsdangerous|hmac|[Ff]ernet",)

    VALID = (
        Valid(
            """
            import jwt
            from app.config import settings

            def make_token(user_id):
                return jwt.encode({"sub": user_id}, settings.SECRET_KEY, algorithm="HS256")
            """,
        ),
        Valid(
            """
            import hmac, os
            digest = hmac.new(os.environb[b"WEBHOOK_SECRET"], body, "sha256").hexdigest()
            """,
        ),
        Valid('result = encode({"a": 1}, "not-a-jwt-call")\n', label="unrelated encode()"),
        Valid('token = jwt.encode(payload, "changeme", algorithm="HS256")\n', label="placeholder"),
    )
    INVALID = (
        Invalid(
            """
            import jwt

            def create_access_token(data: dict) -> str:
                return jwt.encode(data, "s3cr3t-jwt-k3y", algorithm="HS256")
            """,
            line=4,
            message="jwt.encode",
        ),
        Invalid(
            """
            from jose import jwt

            payload = jwt.decode(token, key="another-s3cret", algorithms=["HS256"])
            """,
            line=3,
        ),
        Invalid(
            """
            from itsdangerous import URLSafeTimedSerializer

            serializer = URLSafeTimedSerializer("reset-password-salt-key")
            """,
            line=3,
        ),
        Invalid('import hmac\nsig = hmac.new(b"webhook-signing-key", body, "sha256")\n', line=2),
    )

    def visit_Call(self, node: ast.Call) -> None:
        callee = self.ctx.names.resolve(node.func)
        if callee is None or callee not in _SIGNERS:
            return
        position, keyword = _SIGNERS[callee]
        positional = [a for a in node.args if not isinstance(a, ast.Starred)]
        key_arg = None
        if len(positional) > position:
            key_arg = positional[position]
        for arg in node.keywords:
            if arg.arg == keyword:
                key_arg = arg.value
        if key_arg is None:
            return
        value = string_value(key_arg)
        if value is None or is_placeholder(value):
            return
        severity = self.meta.severity.lowered() if self.ctx.is_test else self.meta.severity
        self.report(
            key_arg,
            f"Literal key passed to `{callee}`: {redact(value)} signs or encrypts with a key "
            "that is in the source code.",
            symbol=f"{callee}:{keyword}",
            severity=severity,
            confidence=Confidence.HIGH if len(value) >= 8 else Confidence.MEDIUM,
            fix="Load the key from settings that read the environment or a secret manager; "
            "use at least 32 random bytes and rotate the committed one.",
        )
