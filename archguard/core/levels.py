"""Severity, confidence and category: the closed vocabularies every finding uses."""

from __future__ import annotations

from enum import Enum


class Severity(str, Enum):
    """How bad a finding is; maps one to one onto SARIF levels."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def lowered(self) -> Severity:
        """One step less severe; a note stays a note."""
        return {Severity.ERROR: Severity.WARNING}.get(self, Severity.NOTE)


_SEVERITY_RANK = {Severity.NOTE: 1, Severity.WARNING: 2, Severity.ERROR: 3}


class Confidence(str, Enum):
    """How sure the rule is that the finding is real; maps onto SARIF precision."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return {Confidence.LOW: 1, Confidence.MEDIUM: 2, Confidence.HIGH: 3}[self]


class Category(str, Enum):
    """What kind of problem a finding is.

    One meaning per value: when a new kind of problem appears, add a member rather than
    reusing one whose meaning is close.
    """

    HARDCODED_SECRET = "hardcoded-secret"
    MISSING_AUTHZ = "missing-authz"
    IDOR = "idor"
    MISSING_RATE_LIMIT = "missing-rate-limit"
    SQL_INJECTION = "sql-injection"
    WEAK_JWT = "weak-jwt"
    INSECURE_COOKIE = "insecure-cookie"
    DEBUG_ENDPOINT = "debug-endpoint"
    WEAK_CRYPTO = "weak-crypto"
    PLAINTEXT_PASSWORD = "plaintext-password"
    INSECURE_FILE_UPLOAD = "insecure-file-upload"
    INSECURE_DESERIALIZATION = "insecure-deserialization"
    MISSING_TIMEOUT = "missing-timeout"
    N_PLUS_ONE = "n-plus-one"
    UNBOUNDED_QUERY = "unbounded-query"
    DB_CONNECTION = "db-connection"
    TRANSACTION = "transaction"
    FLAT_ARCHITECTURE = "flat-architecture"
    FAT_HANDLER = "fat-handler"
    CROSS_LAYER_IMPORT = "cross-layer-import"
    IMPORT_CYCLE = "import-cycle"
    HUB_MODULE = "hub-module"
    SERVICE_BOUNDARY = "service-boundary"
    DUPLICATED_LOGIC = "duplicated-logic"
    #: Errors swallowed or turned into success.
    ERROR_HANDLING = "error-handling"
    #: Missing or unusable logs and health signals.
    OBSERVABILITY = "observability"
    #: Secrets or personal data written to logs.
    SENSITIVE_LOGGING = "sensitive-logging"
    #: Retries, timeouts and resource reuse that decide how failures spread.
    RESILIENCE = "resilience"
    #: Work that goes wrong when a message or webhook is delivered twice.
    IDEMPOTENCY = "idempotency"
    #: A rule from the user's own Semgrep rule pack: the pack, not archguard, says what
    #: kind of problem it is.
    CUSTOM = "custom"
