"""``# archguard: ignore[AG101]`` comments, read from the source text."""

from __future__ import annotations

import re

from archguard.core.facts import Suppression

# A "#" right after a quote or backtick is the suppression syntax quoted in a string or
# in documentation, not a comment.
_COMMENT = re.compile(r"(?<![\"'`])#\s*archguard:\s*(ignore-file|ignore)\b(?:\[([^\]]*)\])?")


def find_suppressions(lines: list[str]) -> tuple[Suppression, ...]:
    found = []
    for number, text in enumerate(lines, start=1):
        if "archguard:" not in text:
            continue
        match = _COMMENT.search(text)
        if match is None:
            continue
        ids = tuple(
            sorted({part.strip() for part in (match.group(2) or "").split(",") if part.strip()})
        )
        found.append(
            Suppression(
                line=number,
                rule_ids=ids,
                own_line=text.lstrip().startswith("#"),
                file_level=match.group(1) == "ignore-file",
            )
        )
    return tuple(found)
