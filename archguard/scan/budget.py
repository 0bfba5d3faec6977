"""Each file's time budget.

A file that takes longer than its budget to analyse (a pathological generated module, a
construct that makes some visitor go quadratic) must not hold up the scan: when the
budget runs out, ``OverBudget`` is raised in the analysing thread and the per-file pass
turns it into a ``too-complex`` diagnostic. The budget counts the process's CPU time
(``ITIMER_PROF``), not the wall clock, so a busy machine does not turn into timeouts and
the same tree gives the same report.

Signals reach only the main thread, which is where the CLI and the pool's workers
analyse files; elsewhere (a library caller's thread, a platform without ``setitimer``)
files run without a time limit, still bounded by the depth budget.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class OverBudget(BaseException):
    """The file's time is up. A BaseException, so that no ``except Exception`` on the
    way (an extractor guarding itself) can swallow it."""


def _expire(signum: int, frame: FrameType | None) -> None:
    raise OverBudget


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise ``OverBudget`` in this thread once it has used ``seconds`` of CPU time."""
    if (
        seconds <= 0
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    previous = signal.signal(signal.SIGPROF, _expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
