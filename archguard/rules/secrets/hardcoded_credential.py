"""AG101 hardcoded-credential."""

from __future__ import annotations

import ast
import re

from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.secrets._detect import (
    credential_kind,
    credential_part,
    credential_verdict,
    env_fallback,
    find_token,
    looks_like_secret,
    looks_strong,
    name_words,
    redact,
    string_value,
)
from archguard.rules.secrets._sql_seeds import inserts, is_parameter, literal, tables
from archguard.scan.context import DEV_NAME, FileContext
from archguard.scan.scoped_rule import Scope, ScopedRule
from archguard.scan.syntax import dotted


class HardcodedCredential(ScopedRule):
    """
    ## What it does
    Finds passwords, secret keys, API keys and tokens written into the code as string
    literals under a credential-like name: in assignments (module, class and instance
    attributes, Django settings such as `SECRET_KEY` and `DATABASES` passwords, Flask's
    `app.secret_key` and `app.config["SECRET_KEY"]`), keyword arguments, default
    argument values, dictionary literals, `auth=(user, password)` tuples, comparisons
    against a literal, and the fallback of an environment lookup
    (`os.environ.get("SECRET_KEY", "dev-secret")`, `os.getenv(...) or "..."`).

    A framework's signing key (`SECRET_KEY`, `secret_key`, `JWT_SECRET_KEY`,
    `SIGNING_KEY`, `WTF_CSRF_SECRET_KEY`...) is reported whatever it holds: `"secret"`,
    `"dev"`, `"you-will-never-guess"` or `"changeme"` are the keys the application
    signs with, and the more guessable the key, the more the message says so. Other
    credentials are reported when the value looks like one: empty strings, placeholders
    (`"<your-key>"`, `"${VAR}"`, `"dummy"`), prose, hashes, file names and account
    markers (`password = "LDAP"`) stay silent.

    A credential word may sit anywhere in the name when the words after it only qualify
    the value (`SECRET_KEY_HMAC`, `SECRET_COOKIE_KEY`, `DB_PASSWORD_PROD`), so
    `TOKEN_URL`, `password_field`, `password_reset_token_ttl` or `SECRET_KEY_FALLBACKS`
    are never flagged.

    Seeded accounts are found too: a password passed by position to a function of the
    same file or to Django's `create_user`/`create_superuser`, LDAP binds and `login(user,
    password)` calls, and SQL `INSERT` literals (the columns from the statement or from a
    `CREATE TABLE` in the file), including rows given as a list of tuples to
    `executemany`. Members of enums and development or test config classes
    (`class TestingConfig`) are not reported; files outside production (tests, seed
    scripts, dev settings) are left out by the path policy.

    ## Why is this bad?
    A credential in source code is readable by everyone who can read the repository,
    its forks, CI logs and every backup, and it stays in git history after it is
    removed. Generated backends often ship the `SECRET_KEY` or database password that
    the assistant wrote while prototyping; a leaked Django or Flask secret key lets an
    attacker forge sessions and password-reset tokens (CWE-798), and a dictionary word
    used as the key is found offline from a single session cookie or token. A default
    account seeded with a known password is a way in on every installation.

    ## Example
    ```python
    SECRET_KEY = "django-insecure-8x#k2!v@q0z^m4r$w7e1t9y3u5i6o"
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "PASSWORD": "S3cure!Pass"}}
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "dev-secret")
    ```

    ## Use instead
    ```python
    import os

    SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql",
                             "PASSWORD": os.environ["DB_PASSWORD"]}}
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]  # fails at start-up when unset
    ```
    Then rotate the value that was committed: removing it from the code does not remove
    it from git history.

    ## References
    - https://cwe.mitre.org/data/definitions/798.html
    - https://owasp.org/Top10/A07_2021-Identification_and_Authentication_Failures/
    - https://docs.djangoproject.com/en/stable/ref/settings/#secret-key
    - https://flask.palletsprojects.com/en/stable/config/#SECRET_KEY
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
    TRIGGER_WORDS = (
        b"passw", b"pwd", b"passphrase", b"secret", b"token", b"apikey", b"credential",
        b"authorization", b"_pass", b"auth=", b"auth =", b"create_user", b"create_superuser",
        b"bind(", b"bind_s(", b".login(",
        *(
            prefix + sep + b"key"
            for prefix in (
                b"api", b"access", b"private", b"signing", b"encryption", b"master", b"jwt",
                b"auth", b"client", b"app", b"hmac", b"license", b"session",
            )
            for sep in (b"", b"_", b"-")
        ),
    )  # fmt: skip

    VALID = (
        Valid('SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]', path="config/settings.py"),
        Valid(
            """
            import os
            SECRET_KEY = os.getenv("SECRET_KEY")
            API_KEY = settings.STRIPE_API_KEY
            JWT_SECRET = os.getenv("JWT_SECRET", "")
            """,
        ),
        Valid('API_KEY = "<your-api-key>"\nTOKEN = "${TOKEN}"\nSECRET_KEY = "{{ secret_key }}"\n'),
        Valid('DB_PASSWORD = ""\nclient_secret = "your-client-secret-here"\n'),
        Valid('TOKEN_URL = "https://auth.example.org/oauth/token"\nPASSWORD_MIN_LENGTH = 12\n'),
        Valid(
            """
            PASSWORD_RESET_TOKEN_TTL = "3600"
            password_reset_url = "/accounts/password/reset/"
            SECRET_KEY_ENV_VAR = "DJANGO_SECRET_KEY"
            api_key_header_name = "X-Api-Key"
            """,
            label="names about a credential, not holding one",
        ),
        Valid(
            """
            import os

            SECRET_KEY = os.getenv("PAPERLESS_SECRET_KEY")
            if SECRET_KEY == "change-me":
                raise RuntimeError("Set PAPERLESS_SECRET_KEY to a random value")
            """,
            path="paperless/settings.py",
            label="a placeholder compared, to refuse it",
        ),
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
                SECRET_KEY = "secret-key"
            """,
            label="enum members named after their value",
        ),
        Valid(
            """
            def create_ldap_user(db, attributes):
                return db.users.create({"username": attributes["uid"], "password": "LDAP"})

            def can_reset(user):
                return user.password != "LDAP"
            """,
            label="an account marker, not a password",
        ),
        Valid(
            """
            from pydantic_settings import BaseSettings

            class PostgresProvider(BaseSettings):
                POSTGRES_USER: str = "mealie"
                POSTGRES_PASSWORD: str = "mealie"
                POSTGRES_SERVER: str = "postgres"
                POSTGRES_PORT: str = "5432"
            """,
            label="a local database container's account, as docker-compose declares it",
        ),
        Valid(
            """
            import os

            DB_HOST = os.getenv("DB_HOST", "db")
            DB_USER = os.getenv("DB_USER", "paperless")
            DB_PASSWORD = os.getenv("DB_PASSWORD", "paperless")
            """,
            path="app/settings.py",
            label="the same, read from the environment",
        ),
        Valid(
            """
            class ProductionConfig:
                SECRET_KEY = os.environ["SECRET_KEY"]

            class TestingConfig(ProductionConfig):
                SECRET_KEY = "AAAAAAAAAAAAAAAAAAAA"
            """,
            path="app/config.py",
            label="a test config class",
        ),
        Valid(
            """
            def determine_secrets(data_dir, secret, production):
                return (data_dir / secret).read_text()

            SECRETS = {"SECRET": determine_secrets(DATA_DIR, ".secret", PRODUCTION)}
            """,
            label="a file name, not a secret",
        ),
        Valid(
            """
            import sqlite3

            def init(con):
                con.execute("CREATE TABLE users(UserId INT, UserName TEXT, Password TEXT)")
                con.execute("INSERT INTO users VALUES(1,'admin','c7f96bc2560a7b9a9e9e52573fda3246')")

            def register(con, username, password_hash):
                con.execute("INSERT INTO users (UserName, Password) VALUES (?, ?)", (username, password_hash))
            """,
            label="digests and request values in SQL",
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
            from flask import Flask

            app = Flask(__name__)
            app.config['SECRET_KEY'] = 'secret'
            """,
            line=4,
            message="guessable",
            label="a dictionary word as the JWT and session key",
        ),
        Invalid(
            """
            app = Flask(__name__)
            app.secret_key = "SUPERSECRETKEY"
            app.config.update(dict(SECRET_KEY="woopie", SESSION_COOKIE_HTTPONLY=True))
            """,
            line=(2, 3),
            message="guessable",
        ),
        Invalid(
            """
            class Config:
                SECRET_KEY = os.environ.get("SECRET_KEY") or "you-will-never-guess"
                WTF_CSRF_SECRET_KEY = "you will never guess"
            """,
            line=(2, 3),
            path="config.py",
        ),
        Invalid(
            """
            import os

            SECRET_KEY = os.environ.get("SECRET_KEY", "dev-secret")
            WEBHOOK_SECRET = os.getenv("WEBHOOK_SECRET", "whsec-9f8e7d6c5b4a")
            """,
            line=(3, 4),
            message="fallback",
        ),
        Invalid('SECRET_KEY = "changeme"\n', line=1, message="placeholder"),
        Invalid(
            """
            SECRET_KEY_HMAC = "k3Yq8vL2xN7pR4tW9zB6"
            SECRET_COOKIE_KEY = "p9Xw2Lm7Qz4Rt8Vn3Kd6"
            """,
            line=(1, 2),
            label="the credential word anywhere in the name",
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
            from django.apps import AppConfig

            class AccountsConfig(AppConfig):
                def ready(self):
                    from accounts.models import User
                    User.objects.create_user("ops", email="ops@example.com", password="password123")
                    User.objects.create_superuser("admin", "admin@example.com", "admin2024")
            """,
            line=(6, 7),
            path="accounts/apps.py",
            message="password",
            label="default accounts created at start-up",
        ),
        Invalid(
            """
            def create_admin_user(email, password, full_name):
                db.add(User(email=email, hashed_password=hash_password(password), name=full_name))

            def init_app():
                create_admin_user("admin@example.com", "admin123", "Admin User")
            """,
            line=5,
            label="a password passed by position to a function of the file",
        ),
        Invalid(
            """
            import ldap

            conn = ldap.initialize("ldap://ldap.internal")
            conn.simple_bind_s("cn=ldapadmin,ou=accounts,dc=com", "mysecret")
            """,
            line=4,
        ),
        Invalid(
            """
            def init_db(cur):
                cur.execute("CREATE TABLE users(UserId INT, UserName TEXT, Password TEXT)")
                cur.execute("INSERT INTO users VALUES(1,'admin','admin')")
                cur.execute("INSERT INTO accounts (username, password, role) VALUES ('ops', 'Sup3rOps!', 'admin')")
            """,
            line=(3, 4),
            message="seeded",
            label="SQL INSERT literals",
        ),
        Invalid(
            """
            def seed_users(con):
                users = [('Michael', '07RYbe$!9y11'),
                         ('Adam', '07RYbe$!9y12')]
                con.executemany('INSERT INTO users(username, password) VALUES (?,?)', users)
            """,
            line=(2, 3),
            label="rows given as a list of tuples",
        ),
        Invalid(
            'user = User.objects.create_user("alice", password="alice-pass-2024")\n',
            line=1,
            path="tests/test_views.py",
            label="in tests: the rule reports it; the path policy leaves it out",
        ),
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self._reported: set[int] = set()
        #: String literals that hold SQL, for the seeds read when the file is done.
        self._sql: list[tuple[ast.Constant, str]] = []
        #: ``execute(sql, params)`` calls: (SQL literal, parameters).
        self._executions: list[tuple[ast.Constant, ast.expr]] = []
        #: The last list or tuple literal bound to each plain name.
        self._literal_lists: dict[str, ast.expr] = {}
        #: Parameter names of the file's functions, by simple name.
        self._signatures: dict[str, list[str]] = {}
        #: Calls of plain names or ``self.``/``cls.`` methods, to match to the above.
        self._local_calls: list[tuple[str, ast.Call]] = []

    def visit_Module(self, node: ast.Module) -> None:
        self._service_defaults(_assignments(node.body))

    def entered(self, node: Scope) -> None:
        if isinstance(node, ast.ClassDef):
            self._service_defaults(_assignments(node.body))
        else:
            params = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
            if params and params[0] in ("self", "cls"):
                params = params[1:]
            self._signatures.setdefault(node.name, params)

    def _silenced(self) -> bool:
        """Enum members (``API_KEY = "api_key"``) and development or test config
        classes (``class TestingConfig``), which no production request reads."""
        return any(DEV_NAME.search(cls.name) or _is_enum(cls) for cls in self.classes)

    def _check(
        self, name: str, value_node: ast.expr, symbol: str, *, compared: bool = False
    ) -> None:
        if self.ctx.is_migration or self._silenced():
            return
        if credential_kind(name) is None:
            fallback = env_fallback(value_node, self.ctx.names)
            if fallback is None or fallback[0] is None or credential_kind(fallback[0]) is None:
                return
            name = fallback[0]  # KEY = os.getenv("JWT_SECRET", "..."): the variable names it
        fallback = env_fallback(value_node, self.ctx.names)
        if fallback is not None:
            value_node = fallback[1]
        value = string_value(value_node)
        if value is None or id(value_node) in self._reported:
            return
        verdict = credential_verdict(name, value, compared=compared)
        if verdict is None:
            return
        self._reported.add(id(value_node))
        secret = credential_part(value)
        where = " (the fallback when the environment has no value)" if fallback else ""
        fix = (
            f"Read `{name}` from the environment or a secret manager "
            f'(for example `os.environ["{name.upper()}"]`) and rotate the committed value.'
        )
        if verdict.signing_key:
            weak = f"; it is guessable ({verdict.weakness})" if verdict.weakness else ""
            self.report(
                value_node,
                f"Hardcoded signing key in `{name}`: {redact(value)} is committed with the "
                f"code{where}{weak}. Whoever knows it can forge sessions, tokens and "
                "signed links.",
                symbol=symbol,
                confidence=Confidence.HIGH,
                fix=f"Read `{name}` from the environment with no fallback (fail at start-up "
                "when it is missing), use at least 32 random bytes "
                "(`python -c 'import secrets; print(secrets.token_urlsafe(48))'`), and "
                "rotate the committed key.",
            )
            return
        strong = verdict.kind == "password" or looks_strong(secret)
        confidence = Confidence.HIGH if strong and not fallback else Confidence.MEDIUM
        severity = self.meta.severity.lowered() if self.ctx.is_test else self.meta.severity
        self.report(
            value_node,
            f"Hardcoded {'password' if verdict.kind == 'password' else 'secret'} in "
            f"`{name}`: the string literal {redact(secret)} is committed with the "
            f"code{where}.",
            symbol=symbol,
            severity=severity,
            confidence=confidence,
            fix=fix,
        )

    def _seed(self, column: str, node: ast.expr, value: str, symbol: str) -> None:
        """A value that a seed puts into a password column."""
        if credential_kind(column) != "password" or id(node) in self._reported:
            return
        if not looks_like_secret(value, "password", column) or find_token(value):
            return
        self._reported.add(id(node))
        self.report(
            node,
            f"Hardcoded password seeded into `{symbol}`: {redact(value)} is committed with "
            "the code, and every installation starts with this account and password.",
            symbol=symbol,
            fix="Create initial accounts with a password read from the environment or "
            "generated at first start (and shown once), or force a change at first login.",
        )

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._target(target, node.value)
            if isinstance(target, ast.Name):
                if isinstance(node.value, (ast.List, ast.Tuple)):
                    self._literal_lists[target.id] = node.value
                else:
                    self._literal_lists.pop(target.id, None)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._target(node.target, node.value)

    def _service_defaults(self, pairs: list[tuple[str, ast.expr]]) -> None:
        """Connection settings whose default password is the user name
        (``POSTGRES_USER = "app"``, ``POSTGRES_PASSWORD = "app"``): the account of a
        local database container, as docker-compose files declare it, not a secret.
        Marked as reported so that they stay silent."""
        words = {w for name, _ in pairs for w in name_words(name)}
        if not words & _CONNECTION_WORDS:
            return
        users = set()
        for name, value in pairs:
            if name_words(name)[-1:] in (["user"], ["username"], ["login"]):
                literal = self._literal(value)
                if literal is not None:
                    users.add(literal.lower())
        for name, value in pairs:
            if credential_kind(name) == "password":
                fallback = env_fallback(value, self.ctx.names)
                node = fallback[1] if fallback else value
                literal = string_value(node)
                if literal is not None and literal.lower() in users:
                    self._reported.add(id(node))

    def _literal(self, value: ast.expr) -> str | None:
        fallback = env_fallback(value, self.ctx.names)
        return string_value(fallback[1] if fallback else value)

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
        func = node.func
        method = func.attr if isinstance(func, ast.Attribute) else None
        if method in ("create_user", "create_superuser") and len(node.args) >= 3:
            # Django's UserManager: create_user(username, email=None, password=None).
            self._check("password", node.args[2], f"{method}(password)")
        called = method or (func.id if isinstance(func, ast.Name) else "")
        position = _POSITIONAL_PASSWORDS.get(called)
        if position is not None and len(node.args) == position + 1:
            self._check("password", node.args[position], f"{called}(password)")
        if isinstance(func, ast.Name):
            self._local_calls.append((func.id, node))
        elif isinstance(func, ast.Attribute) and dotted(func.value) in ("self", "cls"):
            self._local_calls.append((func.attr, node))
        if method in ("execute", "executemany") and node.args:
            sql = node.args[0]
            if isinstance(sql, ast.Constant) and isinstance(sql.value, str) and len(node.args) > 1:
                self._executions.append((sql, node.args[1]))

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and _SQL_HINT.search(node.value):
            self._sql.append((node, node.value))

    def leave_Module(self, node: ast.Module) -> None:
        if self.ctx.is_migration:
            return
        for name, call in self._local_calls:
            params = self._signatures.get(name)
            if params is None:
                continue
            for param, arg in zip(params, call.args, strict=False):
                if isinstance(arg, ast.Starred):
                    break
                self._check(param, arg, f"{name}({param})")
        columns: dict[str, tuple[str, ...]] = {}
        for _, text in self._sql:
            columns.update(tables(text))
        parameters = {id(sql): params for sql, params in self._executions}
        for constant, text in self._sql:
            for insert in inserts(text):
                names = insert.columns or columns.get(insert.table)
                if not names:
                    continue
                for index, column in enumerate(names):
                    if credential_kind(column) != "password":
                        continue
                    symbol = f"{insert.table}.{column}"
                    for row in insert.rows:
                        if index >= len(row):
                            continue
                        value = literal(row[index])
                        if value is not None:
                            self._seed(column, constant, value, symbol)
                        elif is_parameter(row[index]) and id(constant) in parameters:
                            marker = sum(is_parameter(t) for t in row[:index])
                            self._seed_parameters(parameters[id(constant)], marker, column, symbol)

    def _seed_parameters(self, params: ast.expr, index: int, column: str, symbol: str) -> None:
        """``executemany(sql, users)`` with ``users = [("admin", "admin123"), ...]``."""
        if isinstance(params, ast.Name):
            bound = self._literal_lists.get(params.id)
            if bound is None:
                return
            params = bound
        if not isinstance(params, (ast.List, ast.Tuple)):
            return
        rows = (
            params.elts
            if all(isinstance(e, (ast.List, ast.Tuple)) for e in params.elts)
            else [params]
        )
        for row in rows:
            if isinstance(row, (ast.List, ast.Tuple)) and index < len(row.elts):
                value = string_value(row.elts[index])
                if value is not None:
                    self._seed(column, row.elts[index], value, symbol)

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
        pairs = [
            (key, value)
            for key, value in (
                (string_value(k) if k is not None else None, v)
                for k, v in zip(node.keys, node.values, strict=True)
            )
            if key is not None
        ]
        self._service_defaults(pairs)
        for key, value in pairs:
            self._check(key, value, f"[{key}]")

    def visit_Compare(self, node: ast.Compare) -> None:
        if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            return
        left, right = node.left, node.comparators[0]
        for subject, literal_node in ((left, right), (right, left)):
            name = _subject_name(subject)
            if name is not None:
                self._check(name, literal_node, f"{name} ==", compared=True)


#: Calls whose last positional argument is a password, with its position: LDAP binds,
#: ``smtplib``/``ftplib``/``imaplib`` logins, requests' basic and digest auth.
_POSITIONAL_PASSWORDS = {
    "simple_bind_s": 1,
    "simple_bind": 1,
    "bind_s": 1,
    "login": 1,
    "HTTPBasicAuth": 1,
    "HTTPDigestAuth": 1,
}
_CONNECTION_WORDS = frozenset({"host", "hostname", "port", "server", "engine", "dsn"})
_SQL_HINT = re.compile(r"(?i)\b(?:insert\s|create\s+table)")
_ENUM_BASES = re.compile(r"(?:^|\.)(?:\w*Enum|\w*Choices|Flag|IntFlag)$")


def _assignments(body: list[ast.stmt]) -> list[tuple[str, ast.expr]]:
    """(name, value) of the plain-name assignments of a module or class body."""
    return [
        (target.id, stmt.value)
        for stmt in body
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None
        for target in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
        if isinstance(target, ast.Name)
    ]


def _is_enum(cls: ast.ClassDef) -> bool:
    return any(_ENUM_BASES.search(dotted(base) or "") for base in cls.bases)


def _subject_name(expr: ast.expr) -> str | None:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return None
