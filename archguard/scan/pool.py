"""Running the per-file pass over many files, on every core when it pays off.

The workers are plain processes, each fed a few jobs at a time over its own pipe and
answering job by job, so the parent always knows which file a worker was analysing.
When a worker dies (a native crash, the out-of-memory killer), that one file gets a
diagnostic, the rest of its batch goes to the other workers, and a fresh worker takes
its place: a job is never re-run in the parent process, whose death would lose the
whole scan. Workers die with the parent: they are stopped when the scan ends in any
way (an exception, SIGINT, SIGTERM turned into an exception by the CLI), on Linux the
kernel kills them when the parent is killed outright, and elsewhere they notice
within a second that their parent is gone.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess

from archguard.core.outcomes import Diagnostic, DiagnosticKind, Failed, FileOutcome
from archguard.scan.analyze import FileJob, FilePass, analyze
from archguard.scan.cache import FileCache

#: Below this many files a pool costs more to start than it saves.
_PARALLEL_THRESHOLD = 24
_CHUNK = 8
#: How often a worker with nothing to do checks that its parent is still alive.
_ORPHAN_CHECK = 1.0

_worker_pass: FilePass | None = None
_worker_cache: FileCache | None = None


def _init_worker(spec: FilePass, cache: FileCache | None) -> None:
    global _worker_pass, _worker_cache
    _worker_pass = spec
    _worker_cache = cache


def _run(job: FileJob) -> FileOutcome:
    assert _worker_pass is not None
    outcome = analyze(job, _worker_pass)
    # Stored where it was made: encoding and writing entries in the parent would
    # serialise a fifth of a cold scan onto one core.
    if _worker_cache is not None:
        _worker_cache.put(_worker_cache.key(job), outcome)
    return outcome


def _context() -> multiprocessing.context.BaseContext:
    # fork shares the already-imported rules with the workers for free.
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def analyze_files(
    jobs: list[FileJob],
    spec: FilePass,
    workers: int,
    cache: FileCache | None = None,
    on_done: Callable[[int], None] | None = None,
) -> list[FileOutcome]:
    """Outcomes in the order of ``jobs``, each also stored in ``cache`` when given."""
    workers = min(workers, math.ceil(len(jobs) / _CHUNK))
    if workers > 1 and len(jobs) >= _PARALLEL_THRESHOLD:
        return _Pool(jobs, spec, workers, cache, on_done).run()
    _init_worker(spec, cache)
    results = []
    for job in jobs:
        results.append(_run(job))
        if on_done:
            on_done(1)
    return results


def _serve(connection: Connection, parent: int, spec: FilePass, cache: FileCache | None) -> None:
    """A worker's life: batches of (index, job) in, one (index, outcome) out per job."""
    _die_with_parent(parent)
    # Ctrl-C reaches the whole process group; the parent decides what happens.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _init_worker(spec, cache)
    while True:
        if not connection.poll(_ORPHAN_CHECK):
            if os.getppid() != parent:
                return
            continue
        try:
            batch = connection.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        for index, job in batch:
            connection.send((index, _run(job)))


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when its parent dies (PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


@dataclass
class _Worker:
    process: BaseProcess
    connection: Connection
    #: Indices of the jobs sent and not yet answered, in the order they run.
    pending: deque[int] = field(default_factory=deque)


class _Pool:
    def __init__(
        self,
        jobs: list[FileJob],
        spec: FilePass,
        workers: int,
        cache: FileCache | None,
        on_done: Callable[[int], None] | None,
    ) -> None:
        self.jobs = jobs
        self.spec = spec
        self.size = workers
        self.cache = cache
        self.on_done = on_done
        self.chunk = max(1, min(_CHUNK, len(jobs) // (workers * 4)))
        self.queue: deque[int] = deque(range(len(jobs)))
        self.results: dict[int, FileOutcome] = {}
        self.workers: list[_Worker] = []

    def run(self) -> list[FileOutcome]:
        try:
            for _ in range(self.size):
                self.workers.append(self._start())
            while len(self.results) < len(self.jobs):
                for worker in self.workers:
                    self._feed(worker)
                busy = [w for w in self.workers if w.pending]
                ready = wait([w.connection for w in busy] + [w.process.sentinel for w in busy])
                for worker in busy:
                    if worker.connection in ready or worker.process.sentinel in ready:
                        self._collect(worker)
            return [self.results[i] for i in range(len(self.jobs))]
        finally:
            self._stop()

    def _start(self) -> _Worker:
        ours, theirs = _context().Pipe(duplex=True)
        process = _context().Process(  # type: ignore[attr-defined]
            target=_serve,
            args=(theirs, os.getpid(), self.spec, self.cache),
            daemon=True,
            name="archguard-worker",
        )
        process.start()
        theirs.close()
        return _Worker(process, ours)

    def _feed(self, worker: _Worker) -> None:
        if worker.pending or not self.queue:
            return
        batch = [self.queue.popleft() for _ in range(min(self.chunk, len(self.queue)))]
        worker.pending.extend(batch)
        # If it died already, _collect finds out and hands the batch on.
        with contextlib.suppress(OSError):
            worker.connection.send([(i, self.jobs[i]) for i in batch])

    def _collect(self, worker: _Worker) -> None:
        """Every answer the worker has sent; if it has died, its file's diagnostic and
        a replacement."""
        try:
            while worker.connection.poll():
                index, outcome = worker.connection.recv()
                self._done(index, outcome)
                worker.pending.remove(index)
        except (EOFError, OSError):
            pass
        if worker.pending and not worker.process.is_alive():
            self._replace(worker)

    def _done(self, index: int, outcome: FileOutcome) -> None:
        self.results[index] = outcome
        if self.on_done:
            self.on_done(1)

    def _replace(self, worker: _Worker) -> None:
        worker.process.join()
        culprit = worker.pending.popleft()
        path = self.jobs[culprit].path
        self._done(culprit, Failed(path, _died(path, worker.process.exitcode)))
        self.queue.extendleft(reversed(worker.pending))
        worker.connection.close()
        self.workers.remove(worker)
        if self.queue:
            self.workers.append(self._start())

    def _stop(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(OSError):
                worker.connection.send(None)
        for worker in self.workers:
            worker.process.join(timeout=0.5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.connection.close()
        self.workers.clear()


def _died(path: str, exitcode: int | None) -> Diagnostic:
    if exitcode is not None and exitcode < 0:
        how = f"was killed by {signal.Signals(-exitcode).name}"
    else:
        how = f"exited with status {exitcode}"
    return Diagnostic(
        path,
        DiagnosticKind.INTERNAL_ERROR,
        f"not analysed: the worker process analysing this file {how} (a native crash, "
        "or the system ran out of memory); the rest of the scan went on; please report it",
        level="error",
    )
