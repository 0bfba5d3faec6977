"""Line-independent identities of findings."""

from __future__ import annotations

import hashlib
import re

_SPACE = re.compile(r"\s+")


def normalize_snippet(code: str) -> str:
    """Code with all whitespace runs folded, so re-indenting keeps the identity."""
    return _SPACE.sub(" ", code).strip()


def make_fingerprint(rule_id: str, path: str, key: str) -> str:
    """sha256 of rule, path and a symbol or normalized snippet (never a line number)."""
    # surrogateescape: a file name that is not UTF-8 still has an identity.
    text = f"{rule_id}\0{path}\0{key}"
    digest = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()
    return digest[:32]
