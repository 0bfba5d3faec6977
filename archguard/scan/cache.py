"""Per-file results cached by content hash.

An entry's key covers the file's bytes, its path and module name, and a salt naming the
archguard code and the enabled file rules, so an entry is only ever reused for exactly
the same input. Writes go to a temporary file renamed into place, so two scans running
at once never see half an entry; anything unreadable is treated as a miss and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import TypeVar, cast

from archguard.core.findings import Finding
from archguard.core.outcomes import FileOutcome
from archguard.scan.analyze import FileJob
from archguard.scan.codec import (
    decode_findings,
    decode_outcome,
    decode_value,
    encode,
    encode_outcome,
)

_LAYOUT = "v1"
_TIMED_OUT = {"timed_out": True}


class TimedOut:
    """A cache entry saying that the engine ran out of time on this content."""


T = TypeVar("T")


def code_signature() -> str:
    """A hash of archguard's own sources: any change to the tool invalidates the cache."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class FileCache:
    def __init__(self, directory: Path, salt: str) -> None:
        self.directory = directory
        self.salt = salt
        self._ready = False

    def key(self, job: FileJob) -> str:
        digest = hashlib.sha256()
        for part in (self.salt, job.path, job.module, str(job.is_package)):
            digest.update(part.encode("utf-8", "surrogateescape"))
            digest.update(b"\0")
        digest.update(job.data)
        return digest.hexdigest()

    def _entry(self, key: str) -> Path:
        return self.directory / _LAYOUT / key[:2] / f"{key}.json"

    def get(self, key: str) -> FileOutcome | None:
        try:
            return decode_outcome(json.loads(self._entry(key).read_bytes()))
        except (OSError, ValueError, TypeError, KeyError, RecursionError):
            return None

    def put(self, key: str, outcome: FileOutcome) -> None:
        self._write(key, encode_outcome(outcome))

    def key_of(self, path: str, data: bytes) -> str:
        """The key of a file that is not a Python module (a template)."""
        digest = hashlib.sha256()
        for part in (self.salt, path):
            digest.update(part.encode("utf-8", "surrogateescape"))
            digest.update(b"\0")
        digest.update(data)
        return digest.hexdigest()

    def get_value(self, key: str, hint: type[T]) -> T | None:
        """Another input's facts (a template's), as ``put_value`` stored them."""
        try:
            return cast(T, decode_value(json.loads(self._entry(key).read_bytes()), hint))
        except (OSError, ValueError, TypeError, KeyError, RecursionError):
            return None

    def put_value(self, key: str, value: object) -> None:
        self._write(key, encode(value))

    def get_findings(self, key: str) -> tuple[Finding, ...] | TimedOut | None:
        """The pattern engine's entries: the findings Semgrep reported for a file, or
        the record that it ran out of time on exactly this content."""
        try:
            data = json.loads(self._entry(key).read_bytes())
            if data == _TIMED_OUT:
                return TimedOut()
            return decode_findings(data)
        except (OSError, ValueError, TypeError, KeyError, RecursionError):
            return None

    def put_findings(self, key: str, findings: tuple[Finding, ...]) -> None:
        self._write(key, encode(findings))

    def put_timed_out(self, key: str) -> None:
        """Record that an engine gave up on this content: a warm scan reports it again
        instead of spending the time again (editing the file changes the key)."""
        self._write(key, _TIMED_OUT)

    def _write(self, key: str, value: object) -> None:
        target = self._entry(key)
        try:
            self._prepare()
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(value, handle, separators=(",", ":"))
            os.replace(tmp, target)
        except OSError:
            # A read-only checkout still scans; it just does not get faster.
            return

    def _prepare(self) -> None:
        if self._ready:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        ignore = self.directory / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Created by archguard; safe to delete.\n*\n", encoding="utf-8")
        tag = self.directory / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text(
                "Signature: 8a477f597d28d172789f06886806bc55\n# archguard cache\n",
                encoding="utf-8",
            )
        self._ready = True
