"""AG101 hardcoded-credential."""

from __future__ import annotations

import ast

from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.secrets._detect import (
    credential_kind,
    credential_part,
    find_token,
    looks_like_secret,
    looks_strong,
    redact,
    string_value,
)
from archguard.scan.file_rule import FileRule


class HardcodedCredential(FileRule):
    """
    ## What it does
    Finds passwords, secret keys, API keys and tokens written into the code as string
    literals under a credential-like name: in assignments (module, class and instance
    attributes, Django settings such as `SECRET_KEY` and `DATABASES` passwords, Flask's
    `app.config["SECRET_KEY"]`), keyword arguments, default argument values, dictionary
    literals, `auth=(user, password)` tuples and comparisons against a literal.

    Only the end of a name counts (`DB_PASSWORD`, `stripe_api_key`, `client_secret`), so
    `TOKEN_URL`, `password_field` or `PASSWORD_RESET_TIMEOUT` are never flagged.
    Values read from the environment, settings objects or secret managers are not
    literals and stay silent, as do empty strings and obvious placeholders
    (`"changeme"`, `"<your-key>"`, `"${VAR}"`, `"dummy"`, `"example"`). Findings in
    tests and fixtures are reported one severity lower.

    ## Why is this bad?
    A credential in source code is readable by everyone who can read the repository,
    its forks, CI logs and every backup, and it stays in git history after it is
    removed. Generated backends often ship the `SECRET_KEY` or database password that
    the assistant wrote while prototyping; a leaked Django or Flask secret key lets an
    attacker forge sessions and password-reset tokens (CWE-798).

    ## Example
    ```python
    SECRET_KEY = "django-insecure-8x#k2!v@q0z^m4r$w7e1t9y3u5i6o"
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "PASSWORD": "S3cure!Pass"}}
    ```

    ## Use instead
    ```python
    import os

    SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql",
                             "PASSWORD": os.environ["DB_PASSWORD"]}}
    ```
    Then rotate the value that was committed: removing it from the code does not remove
    it from git history.

    ## References
    - https://cwe.mitre.org/data/definitions/798.html
    - https://owasp.org/Top10/A07_2021-Identification_and_Authentication_Failures/
    - https://docs.djangoproject.com/en/stable/ref/settings/#secret-key
    """

    meta = RuleMeta(
        id="AG101",
        name="hardcoded-credential",
        category=Category.HARDCODED_SECRET,
        severity=Severity.ERROR,
        confidence=Confidence.HIGH,
        summary="A password, secret key, API key or token is written into the code.",
        cwe=(798,),
        tags=frozenset({"security", "secrets"}),
        security_severity=7.5,
    )
    TRIGGERS = (
        rb"(?i:passw|pwd|passphrase|secret|token|apikey|credential|authorization|_pass\b"
        rb"|(?:api|access|private|signing|encryption|master|jwt|auth|client|app|hmac|license"
        rb"|session)[-_]?key|\bauth\s*=)",
    )

    VALID = (
        Valid('SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]', path="config/settings.py"),
        Valid(
            """
            import os
            SECRET_KEY = os.getenv("SECRET_KEY")
            API_KEY = settings.STRIPE_API_KEY
            """,
        ),
        Valid('SECRET_KEY = "changeme"\nAPI_KEY = "<your-api-key>"\nTOKEN = "${TOKEN}"\n'),
        Valid('DB_PASSWORD = ""\nclient_secret = "your-client-secret-here"\n'),
        Valid('TOKEN_URL = "https://auth.example.org/oauth/token"\nPASSWORD_MIN_LENGTH = 12\n'),
        Valid(
            """
            from django import forms

            class LoginForm(forms.Form):
                password = forms.CharField(widget=forms.PasswordInput)
            """,
            path="accounts/forms.py",
        ),
        Valid(
            """
            from pydantic import BaseModel

            class UserCreate(BaseModel):
                email: str
                password: str
            """,
        ),
        Valid('errors = {"password": "This field is required."}\n'),
        Valid('password_field = "password"\nlabel = _("Password")\n'),
        Valid('hashed = {"password": "pbkdf2_sha256$600000$abc$def="}\n'),
        Valid('TOKEN_TYPE = "bearer"\nauth_header = "Authorization"\n'),
        Valid(
            """
            class Category(str, Enum):
                HARDCODED_SECRET = "hardcoded-secret"
                API_KEY = "api_key"
            """,
            label="enum members named after their value",
        ),
        Valid(
            """
            from django.db import migrations, models

            class Migration(migrations.Migration):
                operations = [migrations.AddField("user", "api_token", models.CharField(default="a8f5f167f44f4964e6c998dee827110c", max_length=64))]
            """,
            path="accounts/migrations/0002_user_api_token.py",
            label="ids and hashes in migrations",
        ),
    )
    INVALID = (
        Invalid(
            'SECRET_KEY = "django-insecure-8x#k2!v@q0z^m4r$w7e1t9y3u5i6o"\n',
            line=1,
            path="mysite/settings.py",
            message="SECRET_KEY",
        ),
        Invalid(
            """
            DATABASES = {
                "default": {
                    "ENGINE": "django.db.backends.postgresql",
                    "NAME": "shop",
                    "PASSWORD": "S3cure!Pass",
                }
            }
            """,
            line=5,
            path="shop/settings.py",
        ),
        Invalid('app.config["SECRET_KEY"] = "a-very-long-random-string-1234"\n', line=1),
        Invalid('app.secret_key = "f3b9c2d1e8a7456b"\n', line=1),
        Invalid(
            """
            class Settings:
                stripe_api_key: str = "rk_prod_51HqLyjWDarjtT1zdp7dc"
            """,
            line=2,
        ),
        Invalid('client = Client(api_key="a1b2c3d4e5f6g7h8i9j0")\n', line=1),
        Invalid(
            """
            def connect(host, user="admin", password="hunter22"):
                return psycopg2.connect(host=host, user=user, password=password)
            """,
            line=1,
        ),
        Invalid('resp = requests.get(url, auth=("admin", "P@ssw0rd!"))\n', line=1),
        Invalid('headers = {"Authorization": "Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0"}\n', line=1),
        Invalid(
            """
            def check(password):
                return password == "letmein123"
            """,
            line=2,
        ),
        Invalid(
            """
            class Config:
                SECRET_KEY = os.environ.get("SECRET_KEY") or "you-will-never-guess"
            """,
            line=2,
            path="config.py",
            message="fallback",
        ),
        Invalid(
            'user = User.objects.create_user("alice", password="alice-pass-2024")\n',
            line=1,
            path="tests/test_views.py",
            label="in tests: still reported, one severity lower",
        ),
    )

    def _check(self, name: str, value_node: ast.expr, symbol: str) -> None:
        if self.ctx.is_migration:
            return
        kind = credential_kind(name)
        if kind is None:
            return
        fallback = _fallback_literal(value_node)
        if fallback is not None:
            value_node = fallback
        value = string_value(value_node)
        if value is None or not looks_like_secret(value, kind, name) or find_token(value):
            return  # known token formats are AG102's, with a better message
        secret = credential_part(value)
        strong = kind == "password" or looks_strong(secret)
        confidence = Confidence.HIGH if strong and fallback is None else Confidence.MEDIUM
        where = " (the fallback when the environment has no value)" if fallback is not None else ""
        severity = self.meta.severity.lowered() if self.ctx.is_test else self.meta.severity
        self.report(
            value_node,
            f"Hardcoded {'password' if kind == 'password' else 'secret'} in `{name}`: "
            f"the string literal {redact(secret)} is committed with the code{where}.",
            symbol=symbol,
            severity=severity,
            confidence=confidence,
            fix=f"Read `{name}` from the environment or a secret manager "
            f'(for example `os.environ["{name.upper()}"]`) and rotate the committed value.',
        )

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._target(target, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._target(node.target, node.value)

    def _target(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self._check(target.id, value, target.id)
        elif isinstance(target, ast.Attribute):
            self._check(target.attr, value, target.attr)
        elif isinstance(target, ast.Subscript):
            key = string_value(target.slice)
            if key is not None:
                self._check(key, value, f"[{key}]")

    def visit_Call(self, node: ast.Call) -> None:
        callee = self.ctx.names.resolve(node.func) or ""
        for arg in node.keywords:
            if arg.arg is None:
                continue
            keyword = arg.arg
            if keyword == "auth" and isinstance(arg.value, ast.Tuple) and len(arg.value.elts) == 2:
                password = arg.value.elts[1]
                if isinstance(password, ast.Starred):
                    password = password.value
                self._check("password", password, f"{callee}(auth)")
            else:
                self._check(keyword, arg.value, f"{callee}({keyword}=)")

    def visit_arguments(self, node: ast.arguments) -> None:
        """Parameters with a default, of functions and lambdas."""
        positional = [*node.posonlyargs, *node.args]
        defaults: list[tuple[ast.arg, ast.expr | None]] = [
            *zip(positional[len(positional) - len(node.defaults) :], node.defaults, strict=True),
            *zip(node.kwonlyargs, node.kw_defaults, strict=True),
        ]
        for param, default in defaults:
            if default is not None:
                self._check(param.arg, default, f"param {param.arg}")

    def visit_Dict(self, node: ast.Dict) -> None:
        for key_node, value in zip(node.keys, node.values, strict=True):
            if key_node is None:
                continue  # **mapping
            key = string_value(key_node)
            if key is not None:
                self._check(key, value, f"[{key}]")

    def visit_Compare(self, node: ast.Compare) -> None:
        if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            return
        left, right = node.left, node.comparators[0]
        for subject, literal in ((left, right), (right, left)):
            name = _subject_name(subject)
            if name is not None:
                self._check(name, literal, f"{name} ==")


def _fallback_literal(value: ast.expr) -> ast.expr | None:
    """The literal in ``os.environ.get("X") or "literal"``: used whenever the variable
    is missing, which is exactly how a development secret reaches production."""
    if not isinstance(value, ast.BoolOp) or not isinstance(value.op, ast.Or):
        return None
    # ``a or b or c`` is one BoolOp here; it reads as ``(a or b) or c``.
    right = value.values[-1]
    left_is_string = len(value.values) == 2 and string_value(value.values[0]) is not None
    if string_value(right) is not None and not left_is_string:
        return right
    return None


def _subject_name(expr: ast.expr) -> str | None:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return None
