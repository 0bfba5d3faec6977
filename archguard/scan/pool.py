"""Running the per-file pass over many files, on every core when it pays off."""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from archguard.core.outcomes import FileOutcome
from archguard.scan.analyze import FileJob, FilePass, analyze
from archguard.scan.cache import FileCache

#: Below this many files a pool costs more to start than it saves.
_PARALLEL_THRESHOLD = 24
_CHUNK = 8

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
        try:
            return _parallel(jobs, spec, workers, cache, on_done)
        except (BrokenProcessPool, OSError):
            pass  # a worker died (out of memory, killed): finish in this process
    _init_worker(spec, cache)
    results = []
    for job in jobs:
        results.append(_run(job))
        if on_done:
            on_done(1)
    return results


def _parallel(
    jobs: list[FileJob],
    spec: FilePass,
    workers: int,
    cache: FileCache | None,
    on_done: Callable[[int], None] | None,
) -> list[FileOutcome]:
    chunk = max(1, min(_CHUNK, len(jobs) // (workers * 4)))
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_context(),
        initializer=_init_worker,
        initargs=(spec, cache),
    ) as pool:
        results = []
        for outcome in pool.map(_run, jobs, chunksize=chunk):
            results.append(outcome)
            if on_done:
                on_done(1)
        return results
