"""Code excerpts around findings, with anything that may be a secret blanked out.

Reports that show source must not become the place a detected secret leaks from, so
excerpts err on the side of hiding: on a secret finding's lines every string literal
and token-like run is blanked, and elsewhere any string on a line that names a
credential, or that looks like a token or a URL with a password, is blanked too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from archguard.core.findings import Finding
from archguard.core.levels import Category

MASK = "•••"
CONTEXT = 2
MAX_LINE = 160

_STRING = re.compile(
    r"""(?P<prefix>[rRbBuUfF]{0,2})(?P<quote>'''|\"\"\"|'|")(?P<body>.*?)(?:(?P=quote)|$)"""
)
_CREDENTIAL_WORD = re.compile(
    r"(?i)pass(?:wd|word)?|secret|token|api[_-]?key|private|credential|auth|bearer|dsn|signing"
)
_TOKENISH = re.compile(r"[A-Za-z0-9_\-+/=.]{16,}")
_TOKEN_PART = re.compile(r"[A-Za-z0-9_\-+=]{16,}")
_URL_PASSWORD = re.compile(r"(://[^/\s:@'\"]*:)[^@\s'\"]+@")


@dataclass(frozen=True)
class Excerpt:
    first_line: int
    lines: tuple[str, ...]
    #: The finding's own lines, for highlighting.
    marked: frozenset[int]


def _looks_like_token(text: str) -> bool:
    return (
        bool(_TOKENISH.fullmatch(text))
        and any(c.isdigit() for c in text)
        and any(c.isalpha() for c in text)
    )


def _holds_token(body: str) -> bool:
    """A token-like run anywhere in the string: a webhook URL's key, an API key."""
    return any(_looks_like_token(m.group(0)) for m in _TOKEN_PART.finditer(body))


def redact(line: str, *, force: bool) -> str:
    """The line with secret-looking strings blanked; ``force`` blanks every string."""
    strict = force or bool(_CREDENTIAL_WORD.search(line))

    def blank(match: re.Match[str]) -> str:
        body = match.group("body")
        if not body or not (strict or _holds_token(body) or _URL_PASSWORD.search(body)):
            return match.group(0)
        closing = (
            match.group("quote")
            if match.group(0).endswith(match.group("quote"))
            and len(match.group(0)) > len(match.group("prefix")) + len(match.group("quote"))
            else ""
        )
        return f"{match.group('prefix')}{match.group('quote')}{MASK}{closing}"

    out = _STRING.sub(blank, line)
    out = _URL_PASSWORD.sub(lambda m: m.group(1) + MASK + "@", out)
    if force:
        out = _TOKENISH.sub(lambda m: MASK if _looks_like_token(m.group(0)) else m.group(0), out)
    return out


def excerpts(findings: Iterable[Finding], sources: Mapping[str, bytes]) -> dict[str, Excerpt]:
    """Fingerprint -> the lines around the finding's location."""
    findings = list(findings)
    secret_lines: dict[str, set[int]] = {}
    for f in findings:
        if f.category is Category.HARDCODED_SECRET:
            secret_lines.setdefault(f.location.path, set()).update(
                range(f.location.line, f.location.end_line + 1)
            )
    split: dict[str, list[str]] = {}
    out: dict[str, Excerpt] = {}
    for f in findings:
        loc = f.location
        if loc.path not in sources:
            continue
        if loc.path not in split:
            split[loc.path] = sources[loc.path].decode("utf-8", "replace").splitlines()
        lines = split[loc.path]
        if not lines or loc.line < 1:
            continue
        last_marked = min(max(loc.end_line, loc.line), loc.line + 6)
        first = max(1, loc.line - CONTEXT)
        last = min(len(lines), last_marked + CONTEXT)
        forced = secret_lines.get(loc.path, set())
        shown = []
        for number in range(first, last + 1):
            text = redact(lines[number - 1], force=number in forced)
            shown.append(text if len(text) <= MAX_LINE else text[:MAX_LINE] + "…")
        out[f.fingerprint] = Excerpt(
            first, tuple(shown), frozenset(range(loc.line, last_marked + 1))
        )
    return out
