"""AG104 hardcoded-signing-key."""

from __future__ import annotations

import ast

from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.secrets._detect import (
    credential_verdict,
    env_fallback,
    is_template,
    key_weakness,
    redact,
    string_value,
)
from archguard.scan.context import FileContext
from archguard.scan.scoped_rule import Scope, ScopedRule

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


class HardcodedSigningKey(ScopedRule):
    """
    ## What it does
    Finds signing and encryption keys passed as literals straight into the calls that
    use them: `jwt.encode(payload, "secret")` and `jwt.decode` (PyJWT and python-jose),
    authlib's `jwt`, itsdangerous serializers and signers, `hmac.new` and `Fernet`.
    Names resolve through the module's imports, so `from jwt import encode` and
    `import jwt as pyjwt` are recognised too. The key may also reach the call through a
    plain name bound to a literal in the same function or module (`key = "..."`), or be
    the fallback of an environment lookup (`os.getenv("JWT_SECRET", "dev")`).

    Any literal is reported, however weak: `"secret"` or `"changeme"` is the key the
    tokens are signed with, and the message says when it is guessable. A literal bound
    to a credential name (`SECRET_KEY = "..."`) is reported once, at the assignment, by
    AG101.

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
        Valid(
            """
            import jwt

            def make_token(user, settings):
                key = settings.JWT_KEY
                return jwt.encode({"sub": user.id}, key, algorithm="HS256")
            """,
            label="a name bound to settings",
        ),
        Valid(
            """
            import jwt

            SECRET_KEY = "k9Xv2LmQ8rT4wZ7yN3pB"

            def make_token(user):
                return jwt.encode({"sub": user.id}, SECRET_KEY, algorithm="HS256")
            """,
            label="AG101 reports the assignment; no second finding",
        ),
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
        Invalid(
            'import jwt\ntoken = jwt.encode(payload, "changeme", algorithm="HS256")\n',
            line=2,
            message="guessable",
            label="a placeholder is still the key",
        ),
        Invalid(
            """
            import jwt

            key = "secret"

            def decode(token):
                return jwt.decode(token, key, algorithms=["HS256"])
            """,
            line=3,
            message="through `key`",
            label="a bare name bound to a literal",
        ),
        Invalid(
            """
            import os
            import jwt

            def verify(token):
                return jwt.decode(token, os.getenv("JWT_SECRET", "dev"), algorithms=["HS256"])
            """,
            line=5,
            message="fallback",
        ),
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        #: Literals bound to plain names, per enclosing function (None: the module):
        #: ``key = "..."`` then ``jwt.encode(payload, key)``.
        self._bound: list[dict[str, tuple[ast.expr, bool]]] = [{}]

    def entered(self, node: Scope) -> None:
        if not isinstance(node, ast.ClassDef):
            self._bound.append({})

    def leaving(self, node: Scope) -> None:
        if not isinstance(node, ast.ClassDef):
            self._bound.pop()

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self._bind(target.id, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.target, ast.Name) and node.value is not None:
            self._bind(node.target.id, node.value)

    def _bind(self, name: str, value: ast.expr) -> None:
        fallback = env_fallback(value, self.ctx.names)
        literal = fallback[1] if fallback else value
        scope = self._bound[-1] if not self.classes or self.function else None
        if scope is None:
            return  # class attributes are not plain names in a function
        if string_value(literal) is not None:
            scope[name] = (literal, fallback is not None)
        else:
            scope.pop(name, None)

    def _resolve(self, name: str) -> tuple[ast.expr, bool] | None:
        local = self._bound[-1].get(name)
        if local is not None:
            return local
        return self._bound[0].get(name) if name not in self._bound[-1] else None

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
        fallback = env_fallback(key_arg, self.ctx.names)
        literal: ast.expr = fallback[1] if fallback else key_arg
        from_env = fallback is not None
        via = ""
        if isinstance(key_arg, ast.Name):
            bound = self._resolve(key_arg.id)
            if bound is None:
                return
            literal, from_env = bound
            value = string_value(literal)
            if value is None or credential_verdict(key_arg.id, value) is not None:
                return  # a credential name: AG101 reports the assignment
            via = f" through `{key_arg.id}`"
        value = string_value(literal)
        if value is None or not value.strip() or is_template(value):
            return
        weakness = key_weakness(value)
        where = " (the fallback when the environment has no value)" if from_env else ""
        weak = f"; it is guessable ({weakness})" if weakness else ""
        self.report(
            literal,
            f"Literal key passed to `{callee}`{via}: {redact(value)} signs or encrypts "
            f"with a key that is in the source code{where}{weak}.",
            symbol=f"{callee}:{keyword}",
            confidence=Confidence.HIGH,
            fix="Load the key from settings that read the environment or a secret manager; "
            "use at least 32 random bytes and rotate the committed one.",
        )
