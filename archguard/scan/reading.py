"""Reading a discovered file: only a regular file, and never more than the size limit.

The file is opened without blocking (a FIFO swapped in after discovery cannot stall the
scan), its type and size are checked on the open descriptor, and a file over
``max-file-size`` is skipped before a byte of it is read: a 1 GB generated module costs
a ``stat``, not gigabytes of memory.
"""

from __future__ import annotations

import os
import stat

from archguard.core.outcomes import Diagnostic, DiagnosticKind, Failed, Skipped
from archguard.scan.source import too_large

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def read_source(root: str, path: str, max_size: int) -> bytes | Skipped | Failed:
    """The bytes of ``root/path``, or the outcome that says why they were not read."""
    try:
        fd = os.open(f"{root}/{path}", _FLAGS)
    except OSError as exc:
        return _unreadable(path, exc)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return Skipped(
                path,
                Diagnostic(
                    path,
                    DiagnosticKind.NOT_REGULAR,
                    "skipped: not a regular file: not read",
                    level="note",
                ),
            )
        if info.st_size > max_size:
            return Skipped(path, too_large(path, info.st_size, max_size))
        chunks = []
        remaining = max_size + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as exc:
        return _unreadable(path, exc)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_size:  # it grew after the stat
        return Skipped(path, too_large(path, len(data), max_size))
    return data


def _unreadable(path: str, exc: OSError) -> Failed:
    return Failed(
        path,
        Diagnostic(
            path,
            DiagnosticKind.UNREADABLE,
            f"not analysed: cannot read: {exc.strerror or exc}",
            level="error",
        ),
    )
