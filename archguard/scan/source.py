"""Turning a file's bytes into text, or saying clearly why that is not possible."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from archguard.core.outcomes import Diagnostic, DiagnosticKind

# PEP 263: a coding declaration in a comment on line 1 or 2.
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


@dataclass(frozen=True)
class Text:
    text: str


def decode_source(path: str, data: bytes, max_size: int) -> Text | Diagnostic:
    """The file's text, or a diagnostic saying why it is not analysed."""
    if len(data) > max_size:
        return too_large(path, len(data), max_size)
    if b"\0" in data[:8192]:
        return Diagnostic(
            path, DiagnosticKind.BINARY, "skipped: binary content (NUL bytes)", level="note"
        )
    encoding = _declared_encoding(data) or "utf-8"
    try:
        text = data.decode("utf-8-sig" if encoding.lower() in ("utf-8", "utf8") else encoding)
    except LookupError:
        return Diagnostic(
            path,
            DiagnosticKind.NOT_UTF8,
            f"not analysed: unknown source encoding '{encoding}'",
            level="error",
        )
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return Diagnostic(
            path,
            DiagnosticKind.NOT_UTF8,
            f"not analysed: not valid {encoding} (byte 0x{data[exc.start]:02x} on line {line})",
            line=line,
            level="error",
        )
    return Text(text)


def too_large(path: str, size: int, max_size: int) -> Diagnostic:
    return Diagnostic(
        path,
        DiagnosticKind.TOO_LARGE,
        f"skipped: {size:,} bytes is over the {max_size:,}-byte limit "
        "(max-file-size in the settings)",
        level="note",
    )


def _declared_encoding(data: bytes) -> str | None:
    for line in data.split(b"\n", 2)[:2]:
        match = _CODING.match(line)
        if match:
            name = match.group(1).decode("ascii", "replace")
            try:
                return codecs.lookup(name).name
            except LookupError:
                return name
    return None
