"""What the secret rules share: credential names, placeholders, strength, redaction."""

from __future__ import annotations

import ast
import math
import re
from collections import Counter

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")

#: A name is credential-like when its last word is one of these...
_LAST_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "credentials",
        "credential",
        "secretkey",
        "authorization",
        "privatekey",
    }
)
#: ...or its last two words are "<one of these> key".
_KEY_QUALIFIERS = frozenset(
    {
        "api",
        "secret",
        "access",
        "private",
        "signing",
        "encryption",
        "master",
        "jwt",
        "auth",
        "client",
        "app",
        "hmac",
        "license",
        "session",
    }
)
_PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "passphrase", "pass"})
_CREDENTIAL_HEADERS = frozenset({"authorization", "x-api-key", "api-key", "x-auth-token"})

_PLACEHOLDER_EXACT = frozenset(
    {
        "",
        "none",
        "null",
        "nil",
        "undefined",
        "secret",
        "password",
        "passwd",
        "pwd",
        "token",
        "key",
        "apikey",
        "api_key",
        "changeme",
        "change_me",
        "change-me",
        "changeit",
        "todo",
        "fixme",
        "tbd",
        "redacted",
        "hidden",
        "notset",
        "not-set",
        "not_set",
        "pass",
        "empty",
        "default",
        "string",
        "str",
        "value",
    }
)
_PLACEHOLDER_PARTS = re.compile(
    r"your[-_ ]?|example|dummy|placeholder|change[-_ ]?me|change[-_ ]?this|replace[-_ ]?(?:me|this|with)"
    r"|insert[-_ ]|fake|sample|wrong|invalid|incorrect|(?<![a-z])test|xxx|\.\.\.|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}"
    r"|%\([^)]*\)s|^\$[A-Z_]+$|^\{[^}]*\}$|todo|fixme|redacted",
    re.IGNORECASE,
)
_HASHED = re.compile(
    r"^(?:pbkdf2_|argon2|bcrypt|scrypt|\$2[aby]?\$|\$argon2|\$6\$|\$5\$|sha1\$|md5\$)"
)
_AUTH_SCHEME = re.compile(r"^(?:Bearer|Token|Basic|Bot|ApiKey)\s+(\S+)$", re.IGNORECASE)


def name_words(name: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(name)]


def credential_kind(name: str) -> str | None:
    """'password' or 'secret' when ``name`` names a credential, else None.

    Only the end of the name counts: ``api_key`` and ``DB_PASSWORD`` are credentials,
    ``TOKEN_URL``, ``password_field`` and ``SECRET_KEY_FALLBACKS`` are not.
    """
    lowered = name.lower()
    if lowered in _CREDENTIAL_HEADERS:
        return "secret"
    words = name_words(name)
    if not words:
        return None
    last = words[-1]
    if last in _PASSWORD_WORDS and (last != "pass" or len(words) > 1):
        return "password"
    if last in _LAST_WORDS:
        return "secret"
    if last == "key" and len(words) > 1 and words[-2] in _KEY_QUALIFIERS:
        return "secret"
    return None


def string_value(node: ast.AST | None) -> str | None:
    """The value of a plain string or bytes literal (implicit concatenation included)."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bytes):
            return value.decode("latin-1")
        if isinstance(value, str):
            return value
    return None


def is_placeholder(value: str) -> bool:
    stripped = value.strip()
    if stripped.lower() in _PLACEHOLDER_EXACT or len(set(stripped.lower())) <= 2:
        return True
    return _PLACEHOLDER_PARTS.search(stripped) is not None


def is_prose(value: str) -> bool:
    """Messages and labels ("Invalid password.") rather than credentials."""
    return len(value.split()) >= 3 or (" " in value.strip() and not _AUTH_SCHEME.match(value))


def credential_part(value: str) -> str:
    """The secret part of an auth header value ("Bearer abc" -> "abc")."""
    match = _AUTH_SCHEME.match(value.strip())
    return match.group(1) if match else value


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def looks_strong(value: str) -> bool:
    """Long and random enough to be a generated key rather than a word."""
    return len(value) >= 16 and entropy(value) >= 3.0


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def looks_like_secret(value: str, kind: str, name: str = "") -> bool:
    """Whether a literal under a credential name is worth reporting."""
    if is_placeholder(value) or is_prose(value) or _HASHED.match(value):
        return False
    if name and _letters(value) == _letters(name):
        return False  # an enum member or a key name: HARDCODED_SECRET = "hardcoded-secret"
    if value.startswith(("http://", "https://", "/")):
        return False
    secret = credential_part(value)
    if kind == "password":
        # "new-password", "not-his-password": test data describing itself.
        return len(secret) >= 3 and "password" not in secret.lower()
    # Tokens and keys: a short lowercase word is an identifier, not a key.
    return len(secret) >= 8 and not re.fullmatch(r"[a-z_]+|[A-Z_]+", secret)


def redact(value: str) -> str:
    """A form safe to print: a few leading characters and the length, never the value.

    Four characters are shown only for values of 16 characters or more; shorter values
    show proportionally fewer, so that a short password is not half given away.
    """
    shown = value[: min(4, len(value) // 4)]
    return f"'{shown}…' ({len(value)} chars)"


#: Token formats with a recognisable prefix or shape: (provider, pattern).
TOKEN_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("AWS access key id", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
        ("GitHub token", r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b"),
        ("GitHub fine-grained token", r"\bgithub_pat_[A-Za-z0-9_]{60,}"),
        ("GitLab token", r"\bglpat-[A-Za-z0-9_-]{20}\b"),
        ("Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
        (
            "Slack webhook",
            r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{20,}",
        ),
        ("Stripe live key", r"\b(?:sk|rk)_live_[0-9A-Za-z]{20,}"),
        ("Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
        ("Anthropic API key", r"\bsk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,}"),
        (
            "OpenAI API key",
            r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}",
        ),
        ("OpenAI API key", r"\bsk-proj-[A-Za-z0-9_-]{40,}"),
        ("SendGrid API key", r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b"),
        ("Twilio API key", r"\bSK[0-9a-f]{32}\b"),
        (
            "private key",
            r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----",
        ),
        ("JSON Web Token", r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    )
)


def find_token(value: str) -> tuple[str, str] | None:
    """(provider, token) for the first known token format in ``value`` that is not a
    documentation example."""
    for provider, pattern in TOKEN_FORMATS:
        for match in pattern.finditer(value):
            token = match.group(0)
            body = token.split("_", 1)[-1] if provider != "private key" else value
            if provider != "private key" and (is_placeholder(token) or len(set(body)) < 6):
                continue
            if provider == "private key" and "..." in value:
                continue
            return provider, token
    return None
