"""Running a native parser where its crash cannot take the scan down.

libcst's parser is native code: deep enough nesting (about 1,500 brackets, 10,000
operands in one chain) overflows its stack and kills the process with SIGSEGV, which no
``try`` can catch. Only files that the host's ``ast`` refuses ever reach it (newer
syntax, or broken code), so each such parse runs in a forked copy of this process: a
crash or a hang costs that file, never the scan. Where there is no ``fork`` the parse
runs in this process.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Done:
    value: str | None


@dataclass(frozen=True)
class Died:
    """The child crashed or ran out of time; ``why`` says which, for the diagnostic."""

    why: str


def run_isolated(work: Callable[[str], str | None], text: str, timeout: float) -> Done | Died:
    """``work(text)`` computed in a forked child, or how the child died."""
    if not hasattr(os, "fork"):
        return Done(work(text))
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, write, and leave without running any cleanup
        status = 1
        try:
            os.close(read_end)
            result = work(text)
            payload = b"-" if result is None else b"+" + result.encode("utf-8", "surrogatepass")
            view = memoryview(payload)
            while view:
                view = view[os.write(write_end, view) :]
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    chunks: list[bytes] = []
    timed_out = False
    read_all = False
    try:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([read_end], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                read_all = True
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
        # Killed unless it has said all it had to say: on a timeout, and when this
        # process is interrupted (its own time budget, a signal) while waiting.
        status = _reap(pid, kill=not read_all)
    if timed_out:
        return Died(f"took more than {timeout:g} s to parse")
    if os.WIFSIGNALED(status):
        return Died(f"the parser crashed ({signal.Signals(os.WTERMSIG(status)).name})")
    payload = b"".join(chunks)
    if os.WEXITSTATUS(status) != 0 or not payload:
        return Done(None)
    if payload[:1] == b"-":
        return Done(None)
    return Done(payload[1:].decode("utf-8", "surrogatepass"))


def _reap(pid: int, kill: bool) -> int:
    """Wait for the child (killing it first when asked) and return its wait status."""
    if kill:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            return status
        except InterruptedError:
            continue
        except ChildProcessError:
            return 0
