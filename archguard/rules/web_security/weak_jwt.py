"""AG502 weak-jwt."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from archguard.core.fingerprint import normalize_snippet
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.web_security._config import (
    ConfigWrite,
    assigned_settings,
    is_false,
    mapping_entries,
    updated_settings,
)
from archguard.rules.web_security._values import Frame, LocalValues
from archguard.scan.context import DEV_NAME, FileContext
from archguard.scan.syntax import keyword, string, strings

#: Decoders that verify a signature unless told not to: callee -> library.
_DECODERS = {
    "jwt.decode": "PyJWT",
    "jwt.decode_complete": "PyJWT",
    "jwt.api_jwt.decode": "PyJWT",
    "jose.jwt.decode": "python-jose",
}
#: Encoders: callee -> (position of the payload, of the key).
_ENCODERS = {
    "jwt.encode": (0, 1),
    "jwt.api_jwt.encode": (0, 1),
    "jose.jwt.encode": (0, 1),
    "authlib.jose.jwt.encode": (1, 2),
}
_AUTHLIB_DECODE = "authlib.jose.jwt.decode"
#: Flask-JWT-Extended's token factories; ``expires_delta=False`` mints a token for ever.
_TOKEN_FACTORIES = frozenset(
    {
        "flask_jwt_extended.create_access_token",
        "flask_jwt_extended.create_refresh_token",
    }
)
#: The last part of those names, to skip other calls before resolving them.
_CALLEE_NAMES = frozenset(
    name.rsplit(".", 1)[-1] for name in (*_DECODERS, *_ENCODERS, *_TOKEN_FACTORIES)
)
#: Reading the token's own header, which the attacker writes.
_HEADER_READERS = frozenset(
    {
        "jwt.get_unverified_header",
        "jose.jwt.get_unverified_header",
        "jose.jws.get_unverified_header",
    }
)
#: Extensions that sign with ``SECRET_KEY`` when ``JWT_SECRET_KEY`` is not set.
_SECRET_KEY_USERS = ("flask_jwt", "flask_jwt_extended")
#: HMAC keys shorter than this many bytes can be brute-forced from one token (RFC 7518
#: 3.2 asks for a key at least as long as the hash output).
_MIN_KEY_BYTES = 32

_MESSAGES = {
    "jwt-verification-disabled": (
        "This token is decoded with its signature check turned off, so anyone can forge "
        "it. Remove the verification override and pass the expected algorithms."
    ),
    "jwt-decode-without-algorithms": (
        "jwt.decode is called without algorithms=, so the token header decides how it is "
        'verified (algorithm-confusion attacks). Pass the algorithms you issue, e.g. algorithms=["HS256"].'
    ),
    "jwt-none-algorithm": (
        'The "none" algorithm means an unsigned token: anyone can forge it. Sign and verify '
        "with a real algorithm such as HS256 or RS256."
    ),
    "jwt-algorithm-from-token": (
        "The algorithms passed to jwt.decode come from the token's own header, which the "
        'attacker writes ("alg": "none", or HS256 with the public key). Pass the fixed list '
        "of algorithms you issue."
    ),
    "authlib-claims-not-validated": (
        "authlib's jwt.decode checks the signature but not the claims: call "
        "claims.validate() so that expired (exp) and not-yet-valid (nbf) tokens are refused."
    ),
    "jwt-without-expiry": (
        'This token is minted without an "exp" claim, so it never expires: once leaked it '
        'works forever. Add "exp" (and keep access tokens short-lived).'
    ),
    "jwt-expiry-not-verified": (
        "The expiry check is switched off, so an expired or leaked token keeps working "
        'for ever. Leave exp verification on (PyJWT: options={"require": ["exp"]}).'
    ),
    "jwt-short-hmac-key": (
        "This HMAC key is a literal shorter than 32 bytes: a single captured token lets an "
        "attacker brute-force it offline. Load a random key of at least 32 bytes from the "
        "environment."
    ),
}
_FIXES = {
    "jwt-verification-disabled": 'jwt.decode(token, key, algorithms=["HS256"])',
    "jwt-decode-without-algorithms": 'jwt.decode(token, key, algorithms=["HS256"])',
    "jwt-none-algorithm": 'algorithms=["HS256"] (or RS256 with a key pair)',
    "jwt-algorithm-from-token": 'jwt.decode(token, key, algorithms=["HS256"])',
    "authlib-claims-not-validated": "claims = jwt.decode(token, key); claims.validate()",
    "jwt-without-expiry": 'payload["exp"] = datetime.now(timezone.utc) + timedelta(minutes=15)',
    "jwt-expiry-not-verified": 'options={"require": ["exp"]}',
    "jwt-short-hmac-key": 'key = os.environ["JWT_SECRET_KEY"]  # secrets.token_urlsafe(64)',
}
_SEVERITY = {
    "authlib-claims-not-validated": Severity.WARNING,
    "jwt-without-expiry": Severity.WARNING,
    "jwt-expiry-not-verified": Severity.WARNING,
}
_MEDIUM = frozenset({"authlib-claims-not-validated", "jwt-without-expiry"})


@dataclass(frozen=True)
class _Problem:
    shape: str
    detail: str = ""


class WeakJwt(LocalValues):
    """
    ## What it does
    Checks how JSON Web Tokens are decoded and minted with PyJWT, python-jose, authlib
    and the Flask JWT extensions:
    - decoding with the signature check disabled (`options={"verify_signature": False}`,
      PyJWT 1's `verify=False`), also when the options dict is built earlier in the
      function or the module and passed in;
    - decoding without `algorithms=` (the token then chooses its own algorithm), with
      `"none"` allowed, or with the algorithms read from the token's own header;
      signing with `algorithm="none"`;
    - authlib claims that are decoded but never `validate()`d, so `exp` and `nbf`
      are not checked;
    - tokens minted without an `exp` claim (a payload dict literal, or one built in a
      variable whose every key is known), Flask-JWT-Extended's `expires_delta=False`
      and `JWT_ACCESS_TOKEN_EXPIRES = False`; expiry checks switched off
      (`options={"verify_exp": False}`, `JWT_VERIFY_EXPIRATION = False`);
    - HMAC keys shorter than 32 bytes written as literals: in the call, in a constant
      or an environment fallback (`os.getenv("JWT_SECRET", "secret")`) that the call
      reads, or in `JWT_SECRET_KEY` (and in `SECRET_KEY` where Flask-JWT signs with it).
      Where `hardcoded-credential` or `hardcoded-signing-key` reports the same literal,
      they speak for it.

    A payload or options dict whose contents cannot be followed (a parameter, the result
    of a call, an `update()` with a computed dict) is given the benefit of the doubt.

    ## Why is this bad?
    The token is the user's identity. Without signature verification anyone can write
    `{"sub": "admin"}` and be admin. Letting the token pick its algorithm enables the
    `alg: none` and RS256-to-HS256 confusion attacks. A token without `exp` stays valid
    forever once leaked, and a short HMAC key can be brute-forced offline from a single
    token.

    ## Example
    ```python
    def current_user(token: str = Depends(oauth2_scheme)):
        payload = jwt.decode(token, settings.SECRET_KEY, options={"verify_signature": False})
        return payload["sub"]

    def issue(user):
        return jwt.encode({"sub": str(user.id)}, settings.SECRET_KEY, algorithm="HS256")
    ```

    ## Use instead
    ```python
    def current_user(token: str = Depends(oauth2_scheme)):
        payload = jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"])
        return payload["sub"]

    def issue(user):
        expires = datetime.now(timezone.utc) + timedelta(minutes=15)
        return jwt.encode({"sub": str(user.id), "exp": expires}, settings.SECRET_KEY, algorithm="HS256")
    ```
    Keep HMAC keys at least 32 random bytes long, loaded from the environment.

    ## References
    - [RFC 8725: JSON Web Token Best Current Practices](https://www.rfc-editor.org/rfc/rfc8725)
    - [PyJWT: usage](https://pyjwt.readthedocs.io/en/stable/usage.html)
    - [OWASP: JSON Web Token Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/JSON_Web_Token_for_Java_Cheat_Sheet.html)
    - [CWE-347](https://cwe.mitre.org/data/definitions/347.html)
    """

    meta = RuleMeta(
        id="AG502",
        name="weak-jwt",
        category=Category.WEAK_JWT,
        severity=Severity.ERROR,
        confidence=Confidence.HIGH,
        summary=(
            "JWTs decoded unverified or without fixed algorithms, minted without expiry, "
            "or with short keys."
        ),
        cwe=(347,),
        tags=frozenset({"security", "jwt", "authentication"}),
        security_severity=8.1,
    )
    TRIGGERS = (rb"jwt|JWT|jose",)

    VALID = (
        Valid(
            """
            import jwt
            from app.config import settings

            def current_user(token: str):
                payload = jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"])
                return payload["sub"]
            """,
        ),
        Valid(
            """
            from datetime import datetime, timedelta, timezone
            import jwt
            from app.config import settings

            def create_access_token(data: dict) -> str:
                to_encode = data.copy()
                to_encode.update({"exp": datetime.now(timezone.utc) + timedelta(minutes=15)})
                return jwt.encode(to_encode, settings.SECRET_KEY, algorithm="HS256")
            """,
            label="exp added to a copy of the caller's dict",
        ),
        Valid(
            """
            import jwt
            from app.schemas import TokenMeta

            def create_token(content: dict, key: str, expires) -> str:
                to_encode = content.copy()
                to_encode.update(TokenMeta(exp=expires).dict())
                return jwt.encode(to_encode, key, algorithm="HS256")
            """,
            label="payload completed by a computed dict: not followed",
        ),
        Valid(
            """
            import jwt

            def kid_of(token: str) -> str:
                return jwt.get_unverified_header(token)["kid"]

            def verify(token: str, keys):
                return jwt.decode(token, keys[kid_of(token)], algorithms=["RS256"])
            """,
            label="the header is read to pick a key, not the algorithm",
        ),
        Valid(
            """
            import os
            from flask import Flask
            from flask_jwt_extended import JWTManager

            app = Flask(__name__)
            app.config["JWT_SECRET_KEY"] = os.environ["JWT_SECRET_KEY"]
            app.config["SECRET_KEY"] = "dev"
            jwt = JWTManager(app)
            """,
            label="Flask-JWT-Extended signs with JWT_SECRET_KEY, which comes from the environment",
        ),
        Valid(
            """
            from authlib.jose import jwt

            def claims_of(token, key):
                claims = jwt.decode(token, key)
                claims.validate()
                return claims
            """,
        ),
    )
    INVALID = (
        Invalid(
            """
            import jwt

            DECODE_OPTIONS = {"verify_signature": False, "verify_aud": False}

            def user_id(token: str) -> str:
                return jwt.decode(token, "", options=DECODE_OPTIONS)["sub"]
            """,
            line=6,
            message="signature check turned off",
            label="options dict defined at module level",
        ),
        Invalid(
            """
            import base64, json
            import jwt

            def claims(token, key):
                header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
                alg = header["alg"]
                return jwt.decode(token, key, algorithms=[alg])
            """,
            line=7,
            message="token's own header",
        ),
        Invalid(
            """
            import jwt
            from app.config import settings

            def issue(user):
                payload = {"sub": str(user.id), "role": user.role}
                payload["iat"] = int(time.time())
                return jwt.encode(payload, settings.SECRET_KEY, algorithm="HS256")
            """,
            line=7,
            message='without an "exp" claim',
        ),
        Invalid(
            """
            import os
            import jwt

            SECRET_KEY = os.getenv("JWT_SECRET", "change-me")

            def issue(payload):
                return jwt.encode(payload, SECRET_KEY, algorithm="HS256")
            """,
            line=4,
            message="falls back",
        ),
        Invalid(
            """
            from flask import Flask
            from flask_jwt import JWT

            app = Flask(__name__)
            app.config["SECRET_KEY"] = "secret"
            jwt = JWT(app, authenticate, identity)
            """,
            line=5,
            label="Flask-JWT signs with SECRET_KEY",
        ),
        Invalid(
            """
            from flask_jwt_extended import create_access_token

            def login(user):
                return {"token": create_access_token(identity=user.id, expires_delta=False)}
            """,
            line=4,
        ),
        Invalid(
            """
            import jwt

            def payload_of(token, key):
                return jwt.decode(token, key, algorithms=["HS256"], options={"verify_exp": False})
            """,
            line=4,
            message="expiry check is switched off",
        ),
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self._calls: list[tuple[Frame, ast.Call, str]] = []
        self._claims: list[tuple[Frame, ast.Assign, str]] = []
        self._settings: list[tuple[Frame, ConfigWrite]] = []
        #: (line, shape) pairs already reported: a constant read by several calls, or a
        #: JWT_SECRET_KEY constant that is both a setting and a key.
        self._reported: set[tuple[int, str]] = set()

    # -- recording -----------------------------------------------------------------

    def call(self, node: ast.Call) -> None:
        func = node.func
        last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if last in _CALLEE_NAMES:
            callee = self.ctx.names.resolve(func)
            if callee is not None and (
                callee in _DECODERS or callee in _ENCODERS or callee in _TOKEN_FACTORIES
            ):
                self._calls.append((self.frame, node, callee))
        for write in updated_settings(node):
            self._settings.append((self.frame, write))

    def visit_Assign(self, node: ast.Assign) -> None:
        super().visit_Assign(node)
        for write in assigned_settings(node):
            self._settings.append((self.frame, write))
        value = node.value
        if (
            isinstance(value, ast.Call)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and self.ctx.names.resolve(value.func) == _AUTHLIB_DECODE
        ):
            self._claims.append((self.frame, node, node.targets[0].id))
        if not self.functions and not self._in_dev_class():
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self._top_level_setting(target.id, node.value, node)

    def _top_level_setting(self, name: str, value: ast.expr, node: ast.Assign) -> None:
        """``JWT_ACCESS_TOKEN_EXPIRES = False`` in a module or config class, and the
        entries of djangorestframework-jwt's ``JWT_AUTH = {...}``."""
        if name == "JWT_AUTH":
            for entry in mapping_entries(value):
                self._settings.append((self.frame, entry))
        elif name.startswith("JWT_"):
            self._settings.append((self.frame, ConfigWrite(name, value, node)))

    def _in_dev_class(self) -> bool:
        return any(DEV_NAME.search(c.name) for c in self.classes)

    # -- judging -------------------------------------------------------------------

    def judge(self) -> None:
        for frame, node, callee in self._calls:
            if callee in _DECODERS:
                self._judge_decode(frame, node)
            elif callee in _ENCODERS:
                self._judge_encode(frame, node, callee)
            elif is_false(keyword(node, "expires_delta")):
                self._emit(node, _Problem("jwt-without-expiry", "expires_delta=False"))
        for frame, assign, name in self._claims:
            owner = frame.owner(name) or frame
            calls = owner.method_calls.get(name, [])
            if not any(
                isinstance(c.func, ast.Attribute) and c.func.attr == "validate" for c in calls
            ):
                self._emit(assign, _Problem("authlib-claims-not-validated"))
        self._judge_settings()

    def _judge_decode(self, frame: Frame, call: ast.Call) -> None:
        options, where = self._mapping(frame, keyword(call, "options"))
        third = call.args[2] if len(call.args) > 2 else None
        algorithms = keyword(call, "algorithms") or third
        starred = any(kw.arg is None for kw in call.keywords)
        problem: _Problem | None = None
        if (
            is_false(keyword(call, "verify"))
            or is_false(third)
            or is_false(options.get("verify_signature"))
        ):
            problem = _Problem("jwt-verification-disabled", where)
        elif algorithms is not None and any(
            a.lower() == "none" for a in self._strings(frame, algorithms)
        ):
            problem = _Problem("jwt-none-algorithm")
        elif algorithms is not None and self._from_token(frame, algorithms):
            problem = _Problem("jwt-algorithm-from-token")
        elif (
            algorithms is None
            and not starred
            and (len(call.args) > 1 or keyword(call, "key") is not None)
        ):
            problem = _Problem("jwt-decode-without-algorithms")
        elif is_false(options.get("verify_exp")):
            problem = _Problem("jwt-expiry-not-verified", where)
        if problem is not None:
            self._emit(call, problem)
        self._judge_key(frame, call, _argument(call, 1, "key"))

    def _judge_encode(self, frame: Frame, call: ast.Call, callee: str) -> None:
        payload_at, key_at = _ENCODERS[callee]
        if callee.startswith("authlib"):
            header, _ = self._mapping(frame, _argument(call, 0, "header"))
            algorithm = header.get("alg")
        else:
            algorithm = _argument(call, 2, "algorithm")
        payload = _argument(call, payload_at, "claims" if "jose" in callee else "payload")
        if algorithm is not None and any(
            a.lower() == "none" for a in self._strings(frame, algorithm)
        ):
            self._emit(call, _Problem("jwt-none-algorithm"))
        elif payload is not None and self._lacks_exp(frame, payload):
            self._emit(call, _Problem("jwt-without-expiry"))
        self._judge_key(frame, call, _argument(call, key_at, "key"))

    def _judge_key(self, frame: Frame, call: ast.Call, key: ast.expr | None) -> None:
        if key is None:
            return
        if string(key) is not None:
            if _short(string(key)):
                self._emit(call, _Problem("jwt-short-hmac-key"), defer_to=("AG104",))
            return
        if not isinstance(key, ast.Name):
            return
        literal_node = self._literal_node(frame, key)
        text, fallback = self.literal(frame, key)
        if literal_node is None or text is None or not _short(text):
            return
        name = key.id
        detail = (
            f"{name} falls back to a literal of {len(text)} characters when the environment "
            "does not set it"
            if fallback
            else f"{name} is a literal of {len(text)} characters"
        )
        self._emit(
            literal_node,
            _Problem("jwt-short-hmac-key", detail),
            confidence=Confidence.MEDIUM if fallback else None,
            defer_to=("AG101", "AG104"),
        )

    def _judge_settings(self) -> None:
        writes = {write.key: (frame, write) for frame, write in self._settings}
        signs_with_secret_key = "JWT_SECRET_KEY" not in writes and any(
            self.ctx.names.imports_from(m) for m in _SECRET_KEY_USERS
        )
        for frame, write in self._settings:
            key, value = write.key, write.value
            if key == "JWT_VERIFY" and is_false(value):
                self._emit(write.node, _Problem("jwt-verification-disabled", f"{key} = False"))
            elif key in ("JWT_VERIFY_EXPIRATION", "JWT_VERIFY_EXP") and is_false(value):
                self._emit(write.node, _Problem("jwt-expiry-not-verified", f"{key} = False"))
            elif key in ("JWT_ACCESS_TOKEN_EXPIRES", "JWT_EXPIRATION_DELTA") and is_false(value):
                self._emit(write.node, _Problem("jwt-without-expiry", f"{key} = False"))
            elif key in ("JWT_ALGORITHM", "JWT_DECODE_ALGORITHMS") and any(
                a.lower() == "none" for a in self._strings(frame, value)
            ):
                self._emit(write.node, _Problem("jwt-none-algorithm", key))
            elif key == "JWT_SECRET_KEY" or (key == "SECRET_KEY" and signs_with_secret_key):
                text, fallback = self.literal(frame, value)
                if text is not None and _short(text):
                    self._emit(
                        write.node,
                        _Problem("jwt-short-hmac-key", f"{key} signs the tokens"),
                        confidence=Confidence.MEDIUM if fallback else None,
                        defer_to=("AG101", "AG104"),
                    )

    # -- what expressions hold -------------------------------------------------------

    def _mapping(self, frame: Frame, expr: ast.expr | None) -> tuple[dict[str, ast.expr], str]:
        """The known string-keyed entries of a dict passed as ``expr``, and where the
        options were written when that is not the call itself."""
        if expr is None:
            return {}, ""
        value = self.resolve(frame, expr)
        entries = {w.key: w.value for w in mapping_entries(value)}
        if isinstance(expr, ast.Name):
            owner = frame.owner(expr.id)
            if owner is not None:
                entries.update(owner.items.get(expr.id, {}))
        switched = [e for k, e in entries.items() if k.startswith("verify") and is_false(e)]
        where = ""
        if switched and switched[0].lineno != getattr(expr, "lineno", 0):
            where = f"switched off on line {switched[0].lineno}"
        return entries, where

    def _strings(self, frame: Frame, expr: ast.expr) -> tuple[str, ...]:
        value = self.resolve(frame, expr)
        if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
            return tuple(s for element in value.elts for s in strings(self.resolve(frame, element)))
        return strings(value)

    def _from_token(self, frame: Frame, expr: ast.expr) -> bool:
        """Whether the algorithms are read from the token: ``header["alg"]``,
        ``header.get("alg")`` or ``jwt.get_unverified_header(token)``, directly or
        through local names."""
        pending = [expr]
        seen = 0
        while pending and seen < 32:
            seen += 1
            for node in ast.walk(pending.pop()):
                if isinstance(node, ast.Subscript) and string(node.slice) == "alg":
                    return True
                if isinstance(node, ast.Call):
                    func = node.func
                    if (
                        isinstance(func, ast.Attribute)
                        and func.attr == "get"
                        and node.args
                        and string(node.args[0]) == "alg"
                    ):
                        return True
                    if self.ctx.names.resolve(func) in _HEADER_READERS:
                        return True
                if isinstance(node, ast.Name):
                    values = self.values_of(frame, node.id)
                    if values:
                        pending.extend(values)
        return False

    def _lacks_exp(self, frame: Frame, payload: ast.expr) -> bool:
        """True only when every key the payload can hold is known and none is exp."""
        if isinstance(payload, (ast.Dict, ast.Call)):
            keys = _literal_keys(payload)
            return keys is not None and "exp" not in keys
        if not isinstance(payload, ast.Name):
            return False
        values = self.values_of(frame, payload.id)
        owner = frame.owner(payload.id)
        if not values or owner is None:
            return False
        for value in values:
            keys = _literal_keys(value)
            if keys is None or "exp" in keys:
                return False
        if "exp" in owner.items.get(payload.id, {}):
            return False
        for call in owner.method_calls.get(payload.id, []):
            method = call.func.attr if isinstance(call.func, ast.Attribute) else ""
            if method in ("update", "setdefault", "__setitem__", "__ior__"):
                added = _literal_keys(call) if method == "update" else _first_string(call)
                if added is None or "exp" in added:
                    return False
        return True

    def _literal_node(self, frame: Frame, name: ast.Name) -> ast.expr | None:
        """The literal a name's one value holds, as a node: the string itself, or the
        fallback of an environment lookup."""
        values = self.values_of(frame, name.id)
        if values is None or len(values) != 1:
            return None
        value = values[0]
        if string(value) is not None:
            return value
        if isinstance(value, ast.Call):
            for candidate in (*value.args[1:2], *(kw.value for kw in value.keywords)):
                if string(candidate) is not None:
                    return candidate
        return None

    # -- reporting -------------------------------------------------------------------

    def _emit(
        self,
        node: ast.AST,
        problem: _Problem,
        *,
        confidence: Confidence | None = None,
        defer_to: tuple[str, ...] = (),
    ) -> None:
        place = (getattr(node, "lineno", 0), problem.shape)
        if place in self._reported:
            return
        self._reported.add(place)
        message = _MESSAGES[problem.shape]
        if problem.detail:
            message = f"{message} ({problem.detail})"
        shape = problem.shape
        self.report(
            node,
            message,
            symbol=f"{shape}\0{normalize_snippet(self.source_line(node))}",
            severity=_SEVERITY.get(shape, Severity.ERROR),
            confidence=confidence or (Confidence.MEDIUM if shape in _MEDIUM else None),
            fix=_FIXES[shape],
            shape=shape,
            defer_to=defer_to,
        )


def _argument(call: ast.Call, position: int, name: str) -> ast.expr | None:
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    if len(positional) > position and len(positional) == len(call.args):
        return positional[position]
    return keyword(call, name)


def _literal_keys(expr: ast.expr) -> set[str] | None:
    """The keys of a dict literal or ``dict(...)`` call (or the dict an ``update()``
    call adds), or None when one of them is not a known string."""
    if isinstance(expr, ast.Dict):
        keys = set()
        for key in expr.keys:
            text = string(key) if key is not None else None
            if text is None:
                return None
            keys.add(text)
        return keys
    if isinstance(expr, ast.Call):
        func = expr.func
        is_dict = isinstance(func, ast.Name) and func.id == "dict"
        is_update = isinstance(func, ast.Attribute) and func.attr == "update"
        if not (is_dict or is_update):
            return None
        keys = set()
        for kw in expr.keywords:
            if kw.arg is None:
                return None
            keys.add(kw.arg)
        for arg in expr.args:
            inner = _literal_keys(arg)
            if inner is None:
                return None
            keys |= inner
        return keys
    return None


def _first_string(call: ast.Call) -> set[str] | None:
    text = string(call.args[0]) if call.args else None
    return None if text is None else {text}


def _short(text: str | None) -> bool:
    """A literal key too short to resist brute force. The empty string is no key at all:
    it goes with verification switched off, which is reported as such."""
    return bool(text) and len(str(text).encode("utf-8")) < _MIN_KEY_BYTES
