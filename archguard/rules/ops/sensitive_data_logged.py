"""AG704 sensitive-data-logged."""

from __future__ import annotations

import ast
import re

from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.rules.ops._loggers import LoggerAwareRule
from archguard.scan.syntax import arguments_in_order, dotted, string

#: The credential word must end the name: ``password`` and ``reset_token`` are
#: secrets, ``password_changed_at`` and ``token_count`` are not.
_SECRET_NAME = re.compile(
    r"(?i)(^|_)(password|passwd|pwd|secret|token|api_?key|private_?key|client_secret|"
    r"card_?number|cvv|cvc|ssn|authorization|otp|pin_code)$"
)
_BODY_ATTRS = frozenset(
    {"json", "data", "body", "POST", "form", "headers", "META", "values", "files"}
)
_BODY_METHODS = frozenset({"get_json", "json", "body", "form", "get_data"})
#: Calls that make a value safe to log (a length, a flag, a mask).
_SAFE_WRAPPERS = re.compile(
    r"(?i)^(len|bool|type|id|hash|mask\w*|redact\w*|\w*_masked|last4|sha\d+|hashlib\..*)$"
)
_PASSTHROUGH = frozenset({"str", "repr", "format", "dict", "json.dumps"})


class SensitiveDataLogged(LoggerAwareRule):
    """
    ## What it does
    Finds logging calls (and `print()`) that write a secret or a whole request:

    - a variable or attribute whose name ends with a credential word (`password`,
      `token`, `api_key`, `secret`, `card_number`, `cvv`, `ssn`, `authorization`...),
      passed as an argument, inside an f-string, or through `str()` / `repr()`;
    - a whole request body or header set: `request.json`, `request.get_json()`,
      `request.data`, `request.body`, `request.POST`, `request.form`,
      `request.headers`, `request.META`, `await request.json()`.

    Values passed through `len()`, `bool()`, a `mask...` / `redact...` helper or a hash
    are fine. Names such as `password_changed_at` or `token_type` do not count: the
    credential word must end the name.

    ## Why is this bad?
    Logs are copied to log shippers, third-party services, backups and laptops, and
    are read by far more people than the database. A password logged at sign-up, a
    bearer token in the headers, a card number in a JSON body: each is a breach that
    no access control protects, and under GDPR and PCI DSS logging them is a
    reportable incident. Request bodies also carry whatever the client sent next
    year, not only the fields you had in mind today.

    ## Example
    ```python
    @router.post("/login")
    async def login(request: Request):
        payload = await request.json()
        logger.info("login attempt %s", payload)
        logger.debug(f"password={payload['password']}")
    ```

    ## Use instead
    ```python
    @router.post("/login")
    async def login(form: LoginForm):
        logger.info("login attempt for %s", form.username)
    ```

    ## References
    - https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html#data-to-exclude
    - https://cwe.mitre.org/data/definitions/532.html
    - https://owasp.org/Top10/A09_2021-Security_Logging_and_Monitoring_Failures/
    """

    meta = RuleMeta(
        id="AG704",
        name="sensitive-data-logged",
        category=Category.SENSITIVE_LOGGING,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="A log call writes a password, token or other secret, or a whole request body.",
        cwe=(532,),
        tags=frozenset({"security", "logging", "privacy"}),
        security_severity=5.5,
    )
    TRIGGER_WORDS = (
        b"passw", b"pwd", b"secret", b"token", b"apikey", b"api_key", b"privatekey",
        b"private_key", b"cardnumber", b"card_number", b"cvv", b"cvc", b"ssn",
        b"authorization", b"otp", b"pin_code",
    )  # fmt: skip
    TRIGGERS = (
        rb"request\.(?:json|data|body|POST|form|headers|META|values|files|get_json|get_data)",
    )

    VALID = (
        Valid(
            """
            import logging
            logger = logging.getLogger(__name__)

            def login(username, password):
                logger.info("login attempt for %s", username)
                logger.debug("password length %d", len(password))
                logger.info("password_changed_at=%s", user.password_changed_at)
            """,
        ),
        Valid(
            """
            def refresh(session, token_type):
                logger.info("refreshing a %s token for %s", token_type, session.user_id)
                logger.info("api key %s", mask_secret(settings.API_KEY))
            """,
        ),
        Valid(
            """
            def create(request):
                logger.info("order from %s with %d items", request.user.id, len(request.data["items"]))
            """,
            label="one field and a count, not the body",
        ),
    )
    INVALID = (
        Invalid(
            """
            import logging
            logger = logging.getLogger(__name__)

            def register(email, password):
                logger.info("registering %s with %s", email, password)
                logger.debug(f"reset token: {user.reset_token}")
            """,
            line=(5, 6),
            message="to the logs",
        ),
        Invalid(
            """
            from flask import request

            @bp.route("/webhooks/stripe", methods=["POST"])
            def stripe_webhook():
                current_app.logger.info("stripe event %s", request.get_json())
                logger.debug("headers: %s", request.headers)
            """,
            line=(5, 6),
            message="request",
        ),
        Invalid(
            """
            @router.post("/login")
            async def login(request: Request):
                logger.info("login attempt %s", await request.json())
                print("auth header", request.headers["Authorization"])
            """,
            line=(3, 4),
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        is_print = self.ctx.names.resolve(node.func) == "builtins.print"
        if not is_print and self.log_method(node) is None:
            return
        for name, value in arguments_in_order(node):
            if name is not None and name not in ("extra",):
                continue
            found = self._sensitive(value)
            if found is not None:
                what, confidence = found
                call = "print()" if is_print else (dotted(node.func) or "the logger") + "()"
                self.report(
                    node,
                    f"{call} writes {what} to the logs, where everyone with log access (and "
                    "every log service) can read it. Log an identifier or a masked form instead.",
                    symbol=what,
                    confidence=confidence,
                    fix='logger.info("login attempt for %s", username)',
                )
                return

    def _sensitive(self, expr: ast.expr) -> tuple[str, Confidence] | None:
        """What secret ``expr`` carries, looking through f-strings, ``%`` tuples,
        containers, subscripts and str()/repr(), but not through other calls."""
        if isinstance(expr, ast.Await):
            return self._sensitive(expr.value)
        if isinstance(expr, ast.JoinedStr):
            for part in expr.values:
                if isinstance(part, ast.FormattedValue):
                    found = self._sensitive(part.value)
                    if found:
                        return found
            return None
        if isinstance(expr, (ast.Tuple, ast.List)):
            for element in expr.elts:
                found = self._sensitive(
                    element.value if isinstance(element, ast.Starred) else element
                )
                if found:
                    return found
            return None
        if isinstance(expr, ast.Dict):
            for key_expr, value in zip(expr.keys, expr.values, strict=True):
                if key_expr is not None:
                    key = string(key_expr)
                    if key is not None and _SECRET_NAME.search(key):
                        return f"'{key}'", Confidence.HIGH
                    found = self._sensitive(value)
                    if found:
                        return found
            return None
        if isinstance(expr, ast.BinOp):
            return self._sensitive(expr.left) or self._sensitive(expr.right)
        if isinstance(expr, ast.Subscript):
            text = string(expr.slice)
            if text is not None and _SECRET_NAME.search(text):
                return f"'{text}'", Confidence.HIGH
            return (
                self._body(expr.value) and ("a request header or body field", Confidence.MEDIUM)
            ) or None
        if isinstance(expr, ast.Call):
            name = dotted(expr.func) or ""
            arguments = arguments_in_order(expr)
            if name in _PASSTHROUGH and arguments:
                return self._sensitive(arguments[0][1])
            if (
                isinstance(expr.func, ast.Attribute)
                and expr.func.attr in _BODY_METHODS
                and self._is_request(expr.func.value)
            ):
                return "the whole request body", Confidence.MEDIUM
            return None
        if isinstance(expr, (ast.Name, ast.Attribute)):
            if self._body(expr):
                return "the whole request body or headers", Confidence.MEDIUM
            name = expr.id if isinstance(expr, ast.Name) else expr.attr
            if _SECRET_NAME.search(name) and not _SAFE_WRAPPERS.match(name):
                return f"`{name}`", Confidence.HIGH
        return None

    def _is_request(self, expr: ast.expr) -> bool:
        qualified = self.ctx.names.resolve(expr) or ""
        text = dotted(expr) or ""
        return qualified in ("flask.request", "quart.request") or text in (
            "request",
            "self.request",
        )

    def _body(self, expr: ast.expr) -> bool:
        return (
            isinstance(expr, ast.Attribute)
            and expr.attr in _BODY_ATTRS
            and self._is_request(expr.value)
        )
