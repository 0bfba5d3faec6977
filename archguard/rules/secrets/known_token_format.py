"""AG102 known-token-format."""

from __future__ import annotations

import ast
from itertools import pairwise

from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.secrets._detect import find_token, redact, string_value
from archguard.scan.context import FileContext
from archguard.scan.file_rule import FileRule


class KnownTokenFormat(FileRule):
    """
    ## What it does
    Finds string literals that contain a credential in a format its issuer made
    recognisable: AWS access key ids, GitHub and GitLab tokens, Slack tokens and
    webhooks, Stripe live keys, Google API keys, OpenAI and Anthropic API keys, SendGrid
    and Twilio keys, PEM private-key blocks and literal JSON Web Tokens. The name the
    literal is assigned to does not matter; the format is the evidence.

    Documentation examples such as AWS's `AKIAIOSFODNN7EXAMPLE` and runs of `x` are
    ignored, and so is a JSON Web Token in a URL's query (`...jpg?token=eyJ...`): a
    signed link's grant, given to everyone who sees the link. Findings in tests and fixtures are reported one severity lower.

    ## Why is this bad?
    These tokens are live credentials for third-party accounts: code hosting, cloud
    infrastructure, payments, messaging and paid AI APIs. Automated scanners harvest
    them from public repositories within minutes of a push, and whoever holds one acts
    as your service (CWE-798).

    ## Example
    ```python
    openai_client = OpenAI(api_key="sk-proj-Xk2...")        # a real key, pasted in
    GITHUB_TOKEN = "ghp_4Qv8yR2mN6tL0sK9wE3pZ7uB1cX5dF8hJ2kM"
    ```

    ## Use instead
    ```python
    openai_client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])
    GITHUB_TOKEN = os.environ["GITHUB_TOKEN"]
    ```
    Revoke the committed token at its issuer first: it must be treated as compromised.

    ## References
    - https://cwe.mitre.org/data/definitions/798.html
    - https://docs.github.com/en/code-security/secret-scanning/introduction/supported-secret-scanning-patterns
    """

    meta = RuleMeta(
        id="AG102",
        name="known-token-format",
        category=Category.HARDCODED_SECRET,
        severity=Severity.ERROR,
        confidence=Confidence.HIGH,
        summary="A string literal holds an API key or token in a provider's known format.",
        cwe=(798,),
        tags=frozenset({"security", "secrets"}),
        security_severity=8.5,
        # A live token is leaked from a test or a script as much as from a view.
        outside_production=Severity.WARNING,
    )
    TRIGGER_WORDS = (
        b"akia", b"asia", b"abia", b"acca", b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_",
        b"github_pat_", b"glpat-", b"xoxa-", b"xoxb-", b"xoxp-", b"xoxo-", b"xoxs-", b"xoxr-",
        b"hooks.slack.com", b"sk_live_", b"rk_live_", b"aiza", b"sk-", b"sg.",
        b"private key", b"eyj",
    )  # fmt: skip
    TRIGGERS = (rb"SK[0-9a-f]{32}",)

    VALID = (
        Valid('AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"\n', label="AWS documentation example"),
        Valid('GITHUB_TOKEN = os.environ["GITHUB_TOKEN"]\n'),
        Valid('stripe.api_key = "sk_test_51H8xYzExampleKeyForDocs"\n', label="test-mode key"),
        Valid('PEM_HEADER = "-----BEGIN CERTIFICATE-----"\n'),
        Valid('token = "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"\n'),
        Valid('model = "sk-learn-style-name"\n'),
        Valid(
            'AVATAR = "https://images.example-cdn.com/f/3e2/pikachu.jpg?token=eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1cm46YXBwOjdlMGQx.MLpVI785Bl0H8UKlTJeqil4l2Dr2lERfgkYCrotQ4Yg"\n',
            label="a signed link's token, shared with everyone who sees the image",
        ),
    )
    INVALID = (
        Invalid(
            'GITHUB_TOKEN = "ghp_4Qv8yR2mN6tL0sK9wE3pZ7uB1cX5dF8hJ2kM"\n', line=1, message="GitHub"
        ),
        Invalid(
            """
            import boto3

            s3 = boto3.client(
                "s3",
                aws_access_key_id="AKIA4F7Q2M9XK3LP8ZTW",
            )
            """,
            line=5,
            message="AWS",
        ),
        Invalid('stripe.api_key = "sk_live_51HqLyjWDarjtT1zdp7dcXQ9aB"\n', line=1),
        Invalid(
            'client = OpenAI(api_key="sk-proj-8fJ2kL9mN3pQ6rS1tU4vW7xY0zA5bC8dE2fG6hJ9kL3mN7pQ")\n',
            line=1,
        ),
        Invalid(
            '''
            PRIVATE_KEY = """-----BEGIN RSA PRIVATE KEY-----
            MIIEowIBAAKCAQEA7Zq3x9GfT2kLmN8pQ4rS6tU1vW3xY5zA7bC9dE2fG4hJ6kL8
            -----END RSA PRIVATE KEY-----"""
            ''',
            line=1,
            message="private key",
        ),
        Invalid(
            'SLACK_WEBHOOK = os.getenv("SLACK_WEBHOOK", "https://hooks.slack.com/services/T024BE7LD/B01ABCDEF12/k9Xv2LmQ8rT4wZ7yN3pB6sHc")\n',
            line=1,
            label="a real token as an environment fallback is still a leak",
        ),
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        #: Text parts of f-strings that Python before 3.12 places at the start of the
        #: whole f-string, with where they really start.
        self._part_starts: dict[ast.AST, tuple[int, int]] = {}

    def _check(self, node: ast.AST, value: str) -> None:
        found = find_token(value)
        if found is None:
            return
        provider, token = found
        severity = self.meta.severity.lowered() if self.ctx.is_test else self.meta.severity
        self.report(
            node,
            f"{provider} in a string literal: {redact(token)} is committed with the code.",
            symbol=f"{provider}:{len(token)}",
            severity=severity,
            fix=f"Revoke this {provider} at its issuer, then load it from the environment "
            "or a secret manager.",
        )

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        for field, part in pairwise(node.values):
            if (
                isinstance(field, ast.FormattedValue)
                and isinstance(part, ast.Constant)
                and (part.lineno, part.col_offset) == (node.lineno, node.col_offset)
            ):
                self._part_starts[part] = _after_field(field)

    def visit_Constant(self, node: ast.Constant) -> None:
        """String and bytes literals, and the text parts of f-strings."""
        value = string_value(node)
        if value is None:
            return
        start = self._part_starts.get(node)
        if start is not None:
            # Report the text where it starts, as on Python 3.12+.
            node = ast.Constant(
                value=node.value,
                lineno=start[0],
                col_offset=start[1],
                end_lineno=node.end_lineno,
                end_col_offset=node.end_col_offset,
            )
        self._check(node, value)


def _after_field(field: ast.FormattedValue) -> tuple[int, int]:
    """Where the text after a replacement field starts: just after the ``}`` that
    follows the field's last expression (which, unlike the f-string's own parts, has its
    real position before Python 3.12)."""
    exprs = [field.value]
    if isinstance(field.format_spec, ast.JoinedStr):
        exprs += [v.value for v in field.format_spec.values if isinstance(v, ast.FormattedValue)]
    last = max(exprs, key=lambda e: (e.end_lineno or e.lineno, e.end_col_offset or 0))
    return last.end_lineno or last.lineno, (last.end_col_offset or 0) + 1
