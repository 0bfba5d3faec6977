"""No secret value in the facts, and so none in the cache.

The domain facts keep literal values where rules need them: a settings class's
attributes, its keywords and decorators, the arguments of module-level constructors. A
literal there under a credential's name (``SECRET_KEY: str = "..."``, ``password="..."``)
and the password of a connection URL are replaced before the facts leave the per-file
pass, so
they never reach the cache directory (which lives inside the repository and may be
shared by CI caches); a cold and a warm scan see the same facts. Nothing reads those
values: the secret rules work on the file's tree, in the same pass.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from enum import Enum
from typing import Any, TypeVar

from archguard.core.orm import OrmFacts
from archguard.core.web import WebFacts

#: Names that hold credentials (as the secret rules read them, more broadly).
_CREDENTIAL = re.compile(
    r"secret|passw|passwd|pwd|token|api_?key|apikey|private_?key|credential|signing|"
    r"access_?key|auth_?key|client_?key|encryption_?key|fernet|salt|dsn",
    re.IGNORECASE,
)
#: ``scheme://user:password@host``: the password part.
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][\w+.-]*://[^/:@\s]*:)(?P<password>[^@\s/]+)(?=@)", re.I)
#: Facts that pair a name with the literal given to it.
_NAMED = frozenset({"ClassAttribute", "Keyword", "Variable"})
#: Fields that hold literal text.
_LITERAL_FIELDS = frozenset({"text", "args"})

T = TypeVar("T")


def redact(web: WebFacts | None, orm: OrmFacts | None) -> tuple[WebFacts | None, OrmFacts | None]:
    """The facts with credential literals replaced where facts keep literals: classes
    (settings classes, models, schemas) and module-level constructor calls."""
    if orm is not None:
        classes = redacted(orm.classes)
        if classes is not orm.classes:
            orm = dataclasses.replace(orm, classes=classes)
    if web is not None:
        variables = redacted(web.variables)
        if variables is not web.variables:
            web = dataclasses.replace(web, variables=variables)
    return web, orm


def redacted(value: T) -> T:
    """``value`` (facts) with credential literals replaced; the same object when there
    was nothing to replace."""
    return _walk(value, False, "")  # type: ignore[no-any-return]


def _walk(value: Any, sensitive: bool, field: str) -> Any:
    if isinstance(value, Enum) or value is None or isinstance(value, (int, float, bool)):
        return value
    if isinstance(value, str):
        if sensitive and field in _LITERAL_FIELDS and value:
            return _mask(value)
        return _URL_PASSWORD.sub(r"\g<head>****", value) if "://" in value else value
    if isinstance(value, tuple):
        items = [_walk(item, sensitive, field) for item in value]
        changed = any(new is not old for new, old in zip(items, value, strict=True))
        return tuple(items) if changed else value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = getattr(value, "name", None)
        if type(value).__name__ in _NAMED and isinstance(name, str):
            sensitive = sensitive or bool(_CREDENTIAL.search(name))
        changes = {}
        for item in dataclasses.fields(value):
            if item.name == "name":
                continue
            old = getattr(value, item.name)
            new = _walk(old, sensitive, item.name)
            if new is not old:
                changes[item.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value


def _mask(text: str) -> str:
    """A stand-in that tells equal values apart without revealing any of them."""
    return f"<redacted:{hashlib.sha256(text.encode('utf-8', 'surrogateescape')).hexdigest()[:12]}>"
