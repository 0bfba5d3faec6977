"""What the secret rules share: credential names, placeholders, strength, redaction."""

from __future__ import annotations

import ast
import math
import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from archguard.scan.syntax import Names, dotted, keyword

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
#: A stand-in that marks an account rather than a password: "LDAP", "OIDC", "SSO".
_SENTINEL = re.compile(r"[A-Z]{2,8}")
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[0-9a-fA-F]{128}")
_TEMPLATE = re.compile(r"\$\{[^}]*\}|\{\{[^}]*\}\}|\{%[^%]*%\}|%\([^)]*\)s|^\$[A-Za-z_]+$")
#: Where a secret is kept rather than the secret: ".secret", "./keys/jwt.pem".
_FILE_NAME = re.compile(
    r"\.{1,2}/|\.[\w-]+$|[\w./-]+\.(?:json|pem|key|txt|crt|cer|p12|pfx|env|ya?ml|cfg|ini|der|jks)$"
)
_DESCRIBES_PASSWORD = re.compile(r"(?i)[a-z _.-]*password[a-z _.-]*")
_MESSAGE_KEY = re.compile(r"[a-z_]+(?:\.[a-z_-]+)+")
_URL_PARAMETER = re.compile(r"https?://[^\s?#]*\?(?:[^\s#]*&)?[\w.-]+=$")
_WORDS_ONLY = re.compile(r"[A-Za-z][A-Za-z ,.!'_-]*")
_AUTH_SCHEME = re.compile(r"^(?:Bearer|Token|Basic|Bot|ApiKey)\s+(\S+)$", re.IGNORECASE)


def name_words(name: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(name)]


#: Words that may follow a credential word without changing what the name holds:
#: ``SECRET_KEY_HMAC``, ``SECRET_COOKIE_KEY``, ``API_KEY_V2``, ``DB_PASSWORD_PROD``.
#: Any other word after it says the name holds something about the credential (its
#: lifetime, URL, field, label, path, length...), not the credential itself.
_TAIL_WORDS = frozenset(
    {
        "key", "keys", "hmac", "value", "val", "str", "string", "bytes", "b", "hex",
        "base", "raw", "plain", "plaintext", "prod", "production", "live", "default",
        "old", "new", "current", "primary", "secondary", "cookie", "cookies", "session",
        "signing", "sign", "signature", "encryption", "encrypt", "jwt", "app", "api",
        "salt", "pepper", "seed", "aes", "hs", "v", "for", "main", "master", "global",
        "admin", "root", "user", "service", "internal", "server", "csrf", "auth",
    }
)  # fmt: skip
#: The only words that may follow a password word for the name to hold a password
#: (``password_salt`` holds a secret of another kind).
_PASSWORD_TAIL = frozenset(
    {"value", "val", "str", "string", "plain", "plaintext", "raw", "default", "old", "new",
     "current", "prod", "production", "admin", "root", "user"}
)  # fmt: skip


def _credential_word(words: list[str], i: int) -> str | None:
    word = words[i]
    if word in _PASSWORD_WORDS and (word != "pass" or (i == len(words) - 1 and i > 0)):
        return "password"
    if word in _LAST_WORDS:
        return "secret"
    if word == "key" and i > 0 and words[i - 1] in _KEY_QUALIFIERS:
        return "secret"
    return None


def credential_kind(name: str) -> str | None:
    """'password' or 'secret' when ``name`` names a credential, else None.

    A credential word may sit anywhere in the name as long as the words after it only
    qualify the value (``SECRET_KEY_HMAC``, ``SECRET_COOKIE_KEY``, ``DB_PASSWORD``);
    ``TOKEN_URL``, ``password_field``, ``password_reset_token_ttl`` and
    ``SECRET_KEY_FALLBACKS`` name something else.
    """
    lowered = name.lower()
    if lowered in _CREDENTIAL_HEADERS:
        return "secret"
    words = name_words(name)
    for i in range(len(words) - 1, -1, -1):
        tail = words[i + 1 :]
        if any(not (w in _TAIL_WORDS or w.isdigit()) for w in tail):
            break  # a word that is no qualifier: nothing before it can be the value
        kind = _credential_word(words, i)
        if kind == "password" and not all(w in _PASSWORD_TAIL or w.isdigit() for w in tail):
            kind = "secret"
        if kind is not None:
            return kind
    return None


def signing_key_name(name: str) -> bool:
    """Names whose value a framework uses as its signing or encryption key: Django's and
    Flask's ``SECRET_KEY`` (and ``WTF_CSRF_SECRET_KEY``, ``JWT_SECRET_KEY``,
    ``SECRET_KEY_HMAC``...), ``secret_key`` attributes, ``SIGNING_KEY``, ``JWT_SECRET``.
    Whatever such a value is, it is the key: a guessable one is worse, not harmless."""
    words = name_words(name)
    if credential_kind(name) is None:
        return False
    pairs = set(pairwise(words))
    if ("secret", "key") in pairs or ("signing", "key") in pairs:
        return True
    return bool(words) and words[-1] in ("secret", "key") and "jwt" in words


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
    if value.startswith(("http://", "https://", "/")) or _FILE_NAME.match(value):
        return False
    if _MESSAGE_KEY.fullmatch(value):
        return False  # "errors.invalid_password": a message or translation key
    secret = credential_part(value)
    if kind == "password":
        if _SENTINEL.fullmatch(secret) or _HEX_DIGEST.fullmatch(secret):
            # password = "LDAP" marks an account that logs in elsewhere; 32 or 40 hex
            # digits are a stored digest, not the password.
            return False
        # "new-password", "not-his-password": test data describing itself; but
        # "password123" is the password people really choose.
        return len(secret) >= 3 and not _DESCRIBES_PASSWORD.fullmatch(secret)
    # Tokens and keys: a lowercase identifier or a constant's name ("API_TOKEN") names
    # a secret rather than holding one.
    return len(secret) >= 8 and not re.fullmatch(r"[a-z_]+|[A-Z_]+", secret)


def is_template(value: str) -> bool:
    """A value some templating step fills in (``${SECRET}``, ``{{ secret }}``)."""
    return _TEMPLATE.search(value) is not None


def key_weakness(value: str) -> str | None:
    """Why a signing key is guessable, or None for a long random one."""
    if is_placeholder(value):
        return "a placeholder, used as the key as it stands"
    if len(value) < 16:
        return f"only {len(value)} characters long"
    if _WORDS_ONLY.fullmatch(value):
        return "made of words"
    if entropy(value) < 3.0:
        return "low in randomness"
    return None


@dataclass(frozen=True)
class Verdict:
    """Why a literal under a name is a hardcoded credential."""

    #: "password" or "secret".
    kind: str
    #: The name's value is a framework's signing or encryption key.
    signing_key: bool
    #: Why the key is guessable (signing keys only), else None.
    weakness: str | None


def credential_verdict(name: str, value: str, *, compared: bool = False) -> Verdict | None:
    """Whether ``name = value`` hardcodes a credential. A signing key is reported
    whatever it holds, except nothing and a template marker; other credentials only
    when the value looks like one. ``compared``: the literal is compared with the name
    (``SECRET_KEY == "change-me"`` checks for a placeholder, it does not set one)."""
    kind = credential_kind(name)
    if kind is None or find_token(value):
        return None  # known token formats are AG102's, with a better message
    if signing_key_name(name) and not compared:
        if not value.strip() or is_template(value) or value == name:
            return None
        if re.fullmatch(r"[A-Za-z_]+", value) and _letters(value) == _letters(name):
            return None  # the name of the setting: SECRET_KEY = "secret_key"
        return Verdict(kind, True, key_weakness(value))
    if not looks_like_secret(value, kind, name):
        return None
    return Verdict(kind, False, None)


_ENV_READERS = frozenset(
    {"os.getenv", "os.environ.get", "os.environ.setdefault", "os.getenvb", "decouple.config"}
)
#: Environment helpers that are not imported names: django-environ's ``env =
#: environ.Env()``, python-decouple's ``config``, project helpers.
_ENV_HELPERS = frozenset({"env", "env.str", "env.bytes", "getenv", "environ.get", "get_env"})
_ENV_VAR = re.compile(r"[A-Z][A-Z0-9_]*")


def env_fallback(value: ast.expr, names: Names) -> tuple[str | None, ast.expr] | None:
    """(variable, literal) for the literal used when the environment has no value:
    ``os.getenv("X", "literal")``, ``os.environ.get("X") or "literal"``,
    ``env("X", default="literal")``. A development secret reaches production this way."""
    if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or):
        # ``a or b or c`` is one BoolOp here; it reads as ``(a or b) or c``.
        right = value.values[-1]
        left_is_string = len(value.values) == 2 and string_value(value.values[0]) is not None
        if string_value(right) is not None and not left_is_string:
            first = value.values[0]
            variable = None
            if isinstance(first, ast.Call):
                found = env_fallback(first, names)
                variable = found[0] if found else _env_variable(first, names)
            return variable, right
        return None
    if not isinstance(value, ast.Call):
        return None
    variable = _env_variable(value, names)
    if variable is None:
        return None
    default = value.args[1] if len(value.args) > 1 else keyword(value, "default")
    if default is None or string_value(default) is None:
        return None
    return variable, default


def _env_variable(call: ast.Call, names: Names) -> str | None:
    callee = names.resolve(call.func) or dotted(call.func) or ""
    if callee not in _ENV_READERS and callee not in _ENV_HELPERS:
        return None
    first = call.args[0] if call.args else keyword(call, "key")
    variable = string_value(first)
    return variable if variable is not None and _ENV_VAR.fullmatch(variable) else None


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
            if provider == "JSON Web Token" and _URL_PARAMETER.search(value, 0, match.start()):
                continue  # a signed link's grant (?token=eyJ...), shared with every viewer
            return provider, token
    return None
