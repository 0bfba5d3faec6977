"""Glob patterns over repo-relative POSIX paths, as users write them in settings.

``*`` and ``?`` stay within one path segment, ``**`` spans any number of segments, and a
pattern without a slash matches a file or directory name anywhere (gitignore style).
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    pat = pattern.strip().rstrip("/")
    anchored = "/" in pat
    pat = pat.lstrip("/")
    out = []
    i = 0
    while i < len(pat):
        c = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pat.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        out.append({"*": "[^/]*", "?": "[^/]"}.get(c, re.escape(c)))
        i += 1
    body = "".join(out)
    prefix = "" if anchored else "(?:.*/)?"
    # A match on a directory covers everything below it.
    return re.compile(f"{prefix}{body}(?:/.*)?")


def matches(pattern: str, path: str) -> bool:
    return _compile(pattern).fullmatch(path) is not None


def matches_any(patterns: tuple[str, ...], path: str) -> bool:
    return any(matches(p, path) for p in patterns)
