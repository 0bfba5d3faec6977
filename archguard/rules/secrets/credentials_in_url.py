"""AG103 credentials-in-url."""

from __future__ import annotations

import ast
import re
from urllib.parse import unquote

from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.secrets._detect import is_placeholder, redact, string_value
from archguard.scan.context import FileContext
from archguard.scan.file_rule import FileRule
from archguard.scan.syntax import arguments_in_order

_URL_WITH_PASSWORD = re.compile(
    r"\b(?P<scheme>[a-z][a-z0-9+.-]*)://(?P<user>[^/\s:@]*):(?P<password>[^@\s/]+)@(?P<host>[^/\s:?#]*)",
    re.IGNORECASE,
)
_LOCAL_HOSTS = frozenset(
    {"localhost", "127.0.0.1", "0.0.0.0", "::1", "db", "postgres", "mysql", "redis", "mongo"}
)
_ENV_READERS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault", "environ.get"})


class CredentialsInUrl(FileRule):
    """
    ## What it does
    Finds connection URLs with a password written inline, such as
    `postgresql://app:S3cret@db.internal/shop` in `SQLALCHEMY_DATABASE_URL`,
    `DATABASE_URL`, Celery broker or Redis URLs, including when the URL is the fallback
    value of `os.getenv(...)`. Placeholders (`user:password@`, `${DB_PASSWORD}`,
    `<password>`) are ignored. URLs that point at a local development host
    (`localhost`, `127.0.0.1`, a compose service such as `db`) are reported as warnings
    with medium confidence; findings in tests are one severity lower.

    ## Why is this bad?
    Whoever reads the code gets the database or broker password, and connection strings
    are also echoed in logs and error pages. A fallback in `os.getenv("DATABASE_URL",
    "postgresql://...")` silently connects production to whatever the code says when the
    variable is missing (CWE-798).

    ## Example
    ```python
    SQLALCHEMY_DATABASE_URL = "postgresql://shop:Tr0ub4dor@db.internal:5432/shop"
    ```

    ## Use instead
    ```python
    SQLALCHEMY_DATABASE_URL = os.environ["DATABASE_URL"]
    ```

    ## References
    - https://cwe.mitre.org/data/definitions/798.html
    - https://12factor.net/config
    """

    meta = RuleMeta(
        id="AG103",
        name="credentials-in-url",
        category=Category.HARDCODED_SECRET,
        severity=Severity.ERROR,
        confidence=Confidence.HIGH,
        summary="A connection URL carries a password inline.",
        cwe=(798,),
        tags=frozenset({"security", "secrets"}),
        security_severity=7.5,
    )
    TRIGGERS = (rb"://[^/\s:@'\"]*:[^@\s/'\"]+@",)

    VALID = (
        Valid('DATABASE_URL = os.environ["DATABASE_URL"]\n'),
        Valid(
            'DATABASE_URL = "postgresql://user:password@localhost:5432/app"\n', label="placeholder"
        ),
        Valid('BROKER_URL = "redis://localhost:6379/0"\n'),
        Valid('DATABASE_URL = f"postgresql://{user}:{password}@{host}/{name}"\n'),
        Valid('url = "postgresql://app:${DB_PASSWORD}@db.internal/app"\n'),
        Valid('DOCS = "see https://docs.example.org/a:b@c for details"\n'),
    )
    INVALID = (
        Invalid(
            'SQLALCHEMY_DATABASE_URL = "postgresql://shop:Tr0ub4dor@db.internal:5432/shop"\n',
            line=1,
            message="shop@db.internal",
        ),
        Invalid(
            """
            import os

            DATABASE_URL = os.getenv("DATABASE_URL", "postgresql://app:kX9#mQ2v@prod-db.example.com/app")
            """,
            line=3,
        ),
        Invalid('CELERY_BROKER_URL = "amqp://guest:w7Hn2Kq9@localhost:5672//"\n', line=1),
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self._env_fallbacks: set[ast.AST] = set()
        #: The text parts of f-strings: not string literals of their own.
        self._fstring_parts: set[ast.AST] = set()

    def visit_Call(self, node: ast.Call) -> None:
        if self.ctx.names.resolve(node.func) in _ENV_READERS:
            self._env_fallbacks.update(value for _, value in arguments_in_order(node)[1:])

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        self._fstring_parts.update(node.values)

    def visit_Constant(self, node: ast.Constant) -> None:
        if node in self._fstring_parts:
            return
        value = string_value(node)
        if value is None:
            return
        for match in _URL_WITH_PASSWORD.finditer(value):
            password = unquote(match.group("password"))
            if is_placeholder(password) or password.lower() == match.group("user").lower():
                continue
            host = match.group("host").lower()
            local = host in _LOCAL_HOSTS
            severity = Severity.WARNING if local else self.meta.severity
            if self.ctx.is_test:
                severity = severity.lowered()
            where = (
                " (the fallback of an environment lookup)" if node in self._env_fallbacks else ""
            )
            self.report(
                node,
                f"Password inline in a {match.group('scheme')} URL for "
                f"{_account(match.group('user'), host)}{where}: {redact(password)}.",
                symbol=f"{match.group('scheme')}://{match.group('user')}@{host}",
                severity=severity,
                confidence=Confidence.MEDIUM if local else Confidence.HIGH,
                fix="Read the whole URL (or at least the password) from the environment or a "
                "secret manager, and rotate the committed password.",
            )
            return


def _account(user: str, host: str) -> str:
    return f"{user}@{host or '?'}" if user else (host or "?")
