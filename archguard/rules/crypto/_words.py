"""What a name says a value is for: a secret, a password, or something harmless.

The crypto rules cannot know what a value means, but code names it: ``reset_token``,
``createSessionId``, ``api_key``, ``cache_key``, ``status_code``. Names are split into
lower-case words (snake_case and camelCase alike) and judged by their last meaningful
word, because that is the noun: ``token_type`` and ``reset_token_expiry`` are not
tokens, ``csrf_token`` and ``new_api_key_value`` are.
"""

from __future__ import annotations

import re
from functools import lru_cache

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

#: Trailing words that say how a value is held, not what it is: ``token_str``.
_HOLDERS = frozenset(
    {"value", "val", "str", "string", "raw", "plain", "hex", "bytes", "b64", "text", "new",
     "tmp", "temp", "s", "data", "digest", "hexdigest"}
)  # fmt: skip
#: Words that name a secret on their own when they end a name.
_SECRET_NOUNS = frozenset(
    {"token", "tokens", "otp", "totp", "hotp", "nonce", "salt", "secret", "secrets",
     "passcode", "passphrase", "pin", "csrf", "xsrf", "apikey", "apikeys", "credential",
     "credentials", "signature", "sig", "hmac", "verifier", "sessionid", "sessid",
     "password", "passwd", "pwd", "pw", "pass", "sid", "cookie", "jti"}
)  # fmt: skip
#: Words before ``key`` that make it a secret key rather than a dict or cache key.
_SECRET_KEY_QUALIFIERS = frozenset(
    {"api", "secret", "private", "signing", "sign", "access", "encryption", "encrypt",
     "crypt", "crypto", "session", "license", "licence", "auth", "hmac", "jwt", "app",
     "master", "aes", "fernet", "recovery", "activation", "invite", "invitation", "reset",
     "verification", "verify", "confirm", "confirmation", "client", "user", "account",
     "shared", "symmetric", "cipher", "server", "webhook", "otp", "totp", "mfa",
     "remember", "unsubscribe", "login", "magic"}
)  # fmt: skip
#: Words before ``code`` that make it something other than a secret code.
_PUBLIC_CODE_QUALIFIERS = frozenset(
    {"status", "country", "currency", "zip", "postal", "post", "lang", "language", "color",
     "colour", "area", "error", "exit", "http", "response", "return", "region", "phone",
     "dial", "iso", "locale", "product", "item", "sku", "airport", "city", "state",
     "source", "qr", "bar", "barcode", "hs", "tax", "unit", "op", "opcode", "event",
     "reason", "result", "ret", "char", "key", "icon", "emoji", "category", "type",
     "class", "department", "branch", "bank", "swift", "routing", "course", "room",
     "short", "lookup", "ref", "reference", "internal", "external", "display", "html",
     "python", "source_code", "program", "exec", "byte", "bytecode", "hash", "shard"}
)  # fmt: skip
#: Words before ``id`` that make an identifier a bearer secret.
_SECRET_ID_QUALIFIERS = frozenset({"session", "sess", "auth", "login", "remember"})
#: ``remember_me``, ``rememberMe``: a persistent-login value.
_REMEMBER = "remember"


@lru_cache(maxsize=4096)
def words(name: str) -> tuple[str, ...]:
    """``createSessionId`` -> (create, session, id); ``API_KEY`` -> (api, key)."""
    out: list[str] = []
    for part in re.split(r"[^A-Za-z0-9]+", name):
        if not part:
            continue
        if part.isupper() or part.islower():
            out.append(part.lower())
        else:
            out.extend(w.lower() for w in _CAMEL.findall(part))
    return tuple(out)


#: Words that start a phrase about the input: ``create_cache_key_from_token`` makes a
#: cache key, ``get_token_for_user`` a token.
_PREPOSITIONS = frozenset({"from", "for", "of", "by", "with", "to", "in", "on", "per"})


def _meaningful(parts: tuple[str, ...]) -> tuple[str, ...]:
    for i, part in enumerate(parts):
        if i > 0 and part in _PREPOSITIONS:
            parts = parts[:i]
            break
    trimmed = list(parts)
    while len(trimmed) > 1 and trimmed[-1] in _HOLDERS:
        trimmed.pop()
    return tuple(trimmed)


@lru_cache(maxsize=4096)
def is_secret_name(name: str, *, bare_key: bool = False) -> bool:
    """Whether a variable, attribute, key or function name says it holds a token, code,
    key, password or session id. A bare ``key`` counts only with ``bare_key``: on its
    own it is as often a dict or cache key."""
    parts = _meaningful(words(name))
    if not parts:
        return False
    last = parts[-1]
    before = parts[-2] if len(parts) > 1 else ""
    if last in _SECRET_NOUNS:
        # ``pass`` alone is too common a word (``pass_count``); it counts only
        # after a qualifier such as ``user_pass`` or ``db_pass``.
        return last != "pass" or bool(before)
    if last in ("key", "keys"):
        return before in _SECRET_KEY_QUALIFIERS or (bare_key and len(parts) == 1)
    if last in ("code", "codes"):
        return before not in _PUBLIC_CODE_QUALIFIERS
    if last == "id":
        return before in _SECRET_ID_QUALIFIERS
    if last == "me" and before == _REMEMBER:
        return True
    return _REMEMBER in parts


#: Words that name a password itself (not its hash, its reset or its rules).
_PASSWORD_NOUNS = frozenset({"password", "passwd", "pwd", "pw", "passphrase", "passwort"})
#: Words that, anywhere in a password name, say it is not the password itself.
_NOT_THE_PASSWORD = frozenset(
    {"hash", "hashed", "digest", "encrypted", "enc", "encoded", "crypt", "bcrypt", "salt",
     "salted", "reset", "forget", "forgot", "forgotten", "token", "length", "len",
     "policy", "changed", "expires", "expiry", "expired", "expiration", "at", "date",
     "time", "url", "link", "field", "label", "hint", "min", "max", "strength", "rules",
     "validator", "validators", "required", "count", "attempts", "history", "manager",
     "context", "ctx", "hasher", "file", "form", "set", "is", "has", "needs", "must",
     "enabled", "auth", "method", "type", "mode", "widget", "input", "placeholder",
     "schema", "error", "errors", "message", "msg", "pattern", "regex", "complexity",
     "score", "age", "last", "updated", "verifier", "check", "checker", "mask", "masked"}
)  # fmt: skip


@lru_cache(maxsize=4096)
def is_password_name(name: str) -> bool:
    """``password``, ``new_password``, ``user_pwd``, ``passwordConfirm``; not
    ``password_hash``, ``hashed_password``, ``password_reset_token`` or ``min_password_length``."""
    parts = words(name)
    # ``pass`` names a password only as the noun ending a name (``pass``, ``user_pass``).
    if not any(p in _PASSWORD_NOUNS for p in parts) and not (parts and parts[-1] == "pass"):
        return False
    return not any(p in _NOT_THE_PASSWORD for p in parts)


#: Words that say a hash is a checksum, a cache or lookup key, or an identifier of
#: content: uses where MD5 and SHA-1 do no harm.
_NON_SECURITY = frozenset(
    {"cache", "cached", "caching", "etag", "etags", "checksum", "checksums", "crc",
     "fingerprint", "fingerprints", "dedup", "dedupe", "deduplicate", "duplicate",
     "duplicates", "file", "files", "filename", "filenames", "path", "paths", "chunk",
     "chunks", "content", "contents", "gravatar", "avatar", "avatars", "identicon",
     "color", "colour", "bucket", "buckets", "shard", "shards", "partition", "lock",
     "slug", "url", "urls", "uri", "image", "images", "thumbnail", "thumbnails", "asset",
     "assets", "static", "version", "versions", "revision", "commit", "schema", "query",
     "queries", "sql", "memo", "memoize", "key",
     "keys", "id", "ids", "ident", "identifier", "uid", "guid", "uuid", "name", "names",
     "label", "tag", "tags", "row", "rows", "record", "document", "documents",
     "blob", "object", "digest_of", "download", "upload", "attachment", "media", "seed",
     "sample", "sampling", "ab", "experiment", "variant", "cohort", "rollout", "legacy",
     "compat", "checksum_of", "integrity", "sri", "stable", "deterministic", "short",
     "shorten", "anonymize", "anonymise", "pseudonym", "pseudonymize", "email", "emails",
     "filelike", "fileobj", "fobj", "fp", "fh", "stream", "buffer", "buf"}
)  # fmt: skip


def is_non_security_name(name: str) -> bool:
    """Whether a name says a hash is used as a checksum or lookup key, not for secrecy
    (``cache_key``, ``file_digest``; not ``session_id`` or ``api_key``)."""
    parts = _meaningful(words(name))
    return any(p in _NON_SECURITY for p in parts) and not is_security_name(name)


def is_security_name(name: str) -> bool:
    """A secret, a password, or a signing, login or session purpose."""
    if is_secret_name(name) or is_password_name(name):
        return True
    return any(
        p in ("sign", "signed", "signing", "login", "authenticate", "session", "verify")
        for p in words(name)
    )
