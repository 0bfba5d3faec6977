"""Accounts seeded by SQL text: which value of an ``INSERT`` goes into which column.

``INSERT INTO users VALUES (1, 'admin', 'admin')`` ships a default account whose
password is in the code. The columns come from the statement's own column list or,
without one, from a ``CREATE TABLE`` of the same table in the same file. Values are
either SQL string literals or parameter markers (``?``, ``%s``, ``:name``) filled from
the call's parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_INSERT = re.compile(
    r"\binsert\s+(?:or\s+\w+\s+)?into\s+[`\"\[]?(?P<table>\w+)[`\"\]]?\s*"
    r"(?:\((?P<columns>[^)]*)\))?\s*values\s*",
    re.IGNORECASE,
)
_CREATE = re.compile(
    r"\bcreate\s+table\s+(?:if\s+not\s+exists\s+)?[`\"\[]?(?P<table>\w+)[`\"\]]?\s*\(",
    re.IGNORECASE,
)
_CONSTRAINTS = frozenset({"primary", "foreign", "unique", "check", "constraint", "key", "index"})
_PARAMETER = re.compile(r"\?|%s|:\w+|\$\d+|%\(\w+\)s")


@dataclass(frozen=True)
class Insert:
    table: str
    #: Column names in the statement's order; None when it names none.
    columns: tuple[str, ...] | None
    #: Each row's values as written: SQL literals or parameter markers.
    rows: tuple[tuple[str, ...], ...]


def tables(sql: str) -> dict[str, tuple[str, ...]]:
    """Column names of each ``CREATE TABLE`` in ``sql``, lower-cased table -> columns."""
    found: dict[str, tuple[str, ...]] = {}
    for match in _CREATE.finditer(sql):
        body = _balanced(sql, match.end() - 1)
        if body is None:
            continue
        columns = []
        for definition in _split(body):
            words = definition.split()
            if not words or words[0].lower() in _CONSTRAINTS:
                continue
            columns.append(_unquote_name(words[0]))
        found[match.group("table").lower()] = tuple(columns)
    return found


def inserts(sql: str) -> list[Insert]:
    found = []
    for match in _INSERT.finditer(sql):
        columns = match.group("columns")
        rows = []
        position = match.end()
        while True:
            while position < len(sql) and sql[position] in " \t\r\n,":
                position += 1
            if position >= len(sql) or sql[position] != "(":
                break
            body = _balanced(sql, position)
            if body is None:
                break
            rows.append(tuple(_split(body)))
            position += len(body) + 2
        if rows:
            names = (
                tuple(_unquote_name(c) for c in _split(columns)) if columns is not None else None
            )
            found.append(Insert(match.group("table").lower(), names, tuple(rows)))
    return found


def literal(token: str) -> str | None:
    """The text of a single-quoted SQL string literal, else None."""
    token = token.strip()
    if len(token) >= 2 and token[0] == token[-1] == "'":
        return token[1:-1].replace("''", "'")
    return None


def is_parameter(token: str) -> bool:
    return _PARAMETER.fullmatch(token.strip()) is not None


def _unquote_name(name: str) -> str:
    return name.strip().strip('`"[]')


def _balanced(text: str, open_at: int) -> str | None:
    """The text inside the parenthesis that opens at ``open_at``, quotes respected."""
    depth = 0
    quote = ""
    for i in range(open_at, len(text)):
        char = text[i]
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return text[open_at + 1 : i]
    return None


def _split(text: str) -> list[str]:
    """Top-level comma-separated parts, quotes and parentheses respected."""
    parts: list[str] = []
    depth = 0
    quote = ""
    start = 0
    for i, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    last = text[start:].strip()
    if last or parts:
        parts.append(last)
    return parts
