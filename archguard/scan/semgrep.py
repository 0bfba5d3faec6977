"""Semgrep, run once per scan on the files whose cached results are stale, offline and
with local rules only: users' own rule packs.

``start`` launches the process and returns at once, so Semgrep's slow start-up overlaps
the per-file pass; ``finish`` waits for it and turns its JSON into findings. Semgrep writes
its report to an anonymous temporary file (unlinked from the start, so nothing is left
in the temporary directory however archguard ends) rather than a pipe, so it never
stalls on a full pipe while archguard is busy elsewhere. It runs in a process group of
its own, which ``close`` ends if the scan stops early; on Linux it also dies with
archguard.

Semgrep refuses a symlink named as a target (and then refuses the whole scan), so each
file is given to it by its real path inside the project, once, and its results are
reported under every path that leads to it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from archguard.core.findings import Finding, Location
from archguard.core.fingerprint import make_fingerprint, normalize_snippet
from archguard.core.outcomes import Diagnostic, DiagnosticKind
from archguard.scan.pattern_rule import PatternRule, SubRule

#: Semgrep's error types that mean "this file does not parse": the per-file pass already
#: reports those files, in CPython's words.
_PARSE_ERRORS = ("Syntax error", "Lexical error", "PartialParsing", "Other syntax error")
#: Semgrep's error types that mean a rule itself is broken.
_RULE_ERRORS = ("Rule parse error", "InvalidRuleSchemaError", "Invalid rule", "Pattern parse error")
#: Keep each command line well under the kernel's argument limit.
_ARGV_BUDGET = 100_000


def find_semgrep() -> str | None:
    """``$ARCHGUARD_SEMGREP`` when set, else the ``semgrep`` next to this interpreter
    (the one pip installed with archguard), else whatever is on PATH."""
    chosen = os.environ.get("ARCHGUARD_SEMGREP")
    if chosen:
        return chosen if os.path.isfile(chosen) and os.access(chosen, os.X_OK) else None
    beside = Path(sys.executable).parent / "semgrep"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("semgrep")


@dataclass
class SemgrepRun:
    """A running (or finished) Semgrep invocation over a batch of files."""

    root: Path
    rules: tuple[type[PatternRule], ...]
    paths: tuple[str, ...]
    processes: list[tuple[subprocess.Popen[bytes], IO[bytes], IO[bytes]]] = field(
        default_factory=list
    )
    failure: str = ""
    #: The path Semgrep is given (a symlink's real path) -> the scan's paths it stands for.
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Set when the engine could not be started at all (not installed).
    missing: bool = False


@dataclass(frozen=True)
class SemgrepResult:
    findings: dict[str, tuple[Finding, ...]]
    diagnostics: tuple[Diagnostic, ...]
    #: Files Semgrep analysed cleanly, whose results may be cached.
    clean: frozenset[str]
    #: Set when the engine itself failed: none of its results can be trusted.
    failure: str = ""
    #: Files on which Semgrep gave up for lack of time.
    timed_out: frozenset[str] = frozenset()
    #: The failure is that Semgrep is not installed (or not executable).
    missing: bool = False


def start(
    root: Path, rules: tuple[type[PatternRule], ...], paths: list[str], jobs: int
) -> SemgrepRun:
    run = SemgrepRun(root, rules, tuple(paths))
    executable = find_semgrep()
    if executable is None:
        # Reported even when no file needs Semgrep this time: a broken set-up should
        # show up on the first scan, not on the day a matching file arrives.
        chosen = os.environ.get("ARCHGUARD_SEMGREP")
        run.failure = (
            f"ARCHGUARD_SEMGREP={chosen} is not an executable"
            if chosen
            else "semgrep is not installed"
        )
        run.missing = True
        return run
    run.aliases = _real_paths(root, paths)
    if not run.aliases:
        return run
    env = dict(os.environ, SEMGREP_ENABLE_VERSION_CHECK="0", SEMGREP_SEND_METRICS="off")
    base = [
        executable,
        "scan",
        "--json",
        "--metrics=off",
        "--disable-version-check",
        "--quiet",
        "--no-git-ignore",
        "--disable-nosem",
        "--max-target-bytes=0",
        f"--jobs={max(1, jobs)}",
    ]
    # A pack file holds several rules; Semgrep given one file twice reports twice.
    for config in dict.fromkeys(str(rule.config) for rule in rules):
        base += ["--config", config]
    for batch in _batches(sorted(run.aliases)):
        # Closed by finish or close, long after this function returns.
        out = tempfile.TemporaryFile(prefix="archguard-semgrep-")  # noqa: SIM115
        err = tempfile.TemporaryFile(prefix="archguard-semgrep-")  # noqa: SIM115
        try:
            process = subprocess.Popen(
                [*base, "--", *batch],
                cwd=root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        except OSError as exc:
            out.close()
            err.close()
            run.failure = f"semgrep could not be started: {exc.strerror or exc}"
            return run
        run.processes.append((process, out, err))
    return run


def _real_paths(root: Path, paths: list[str]) -> dict[str, tuple[str, ...]]:
    """Each file's real path inside ``root`` -> the scan's paths that lead to it."""
    base = os.path.realpath(root)
    aliases: dict[str, list[str]] = {}
    for path in paths:
        real = os.path.realpath(os.path.join(base, path))
        rel = os.path.relpath(real, base).replace(os.sep, "/")
        if rel.startswith("../"):
            continue  # discovery does not follow such links; never hand them over
        aliases.setdefault(rel, []).append(path)
    return {real: tuple(sorted(found)) for real, found in aliases.items()}


def _die_with_parent() -> None:
    """In the child, before exec: die with archguard (Linux's PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)


def close(run: SemgrepRun) -> None:
    """Stop whatever is still running (the scan ended early) and drop its output."""
    for process, out, err in run.processes:
        if process.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        out.close()
        err.close()
    run.processes.clear()


def _batches(paths: list[str]) -> list[list[str]]:
    batches: list[list[str]] = [[]]
    size = 0
    for path in paths:
        if size + len(path) > _ARGV_BUDGET and batches[-1]:
            batches.append([])
            size = 0
        batches[-1].append(path)
        size += len(path) + 1
    return batches


def finish(run: SemgrepRun, sources: dict[str, bytes]) -> SemgrepResult:
    findings: dict[str, list[Finding]] = {}
    diagnostics: list[Diagnostic] = []
    troubled: set[str] = set()
    failure = run.failure
    lookup = _Lookup(run.rules)
    timed_out: set[str] = set()
    for process, out, err in run.processes:
        code = process.wait()
        try:
            out.seek(0)
            err.seek(0)
            report = json.loads(out.read() or b"null")
            log = err.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            report, log = None, ""
        finally:
            out.close()
            err.close()
        if not isinstance(report, dict) or code not in (0, 1):
            failure = failure or _describe_failure(code, report, log)
            continue
        for result in report.get("results", []):
            for path in run.aliases.get(_relative(str(result.get("path", ""))), ()):
                finding = _finding(result, path, lookup, sources)
                if finding is not None:
                    findings.setdefault(path, []).append(finding)
        for error in report.get("errors", []):
            real = _relative(str(error.get("path") or ""))
            if (not real and _error_type(error) in _RULE_ERRORS) or "rule parse error" in str(
                error.get("message", "")
            ).lower():
                # A broken rule would silently drop its findings everywhere.
                failure = failure or _describe_failure(code, {"errors": [error]}, "")
                continue
            for path in run.aliases.get(real, (real,) if real else ("",)):
                if path:
                    troubled.add(path)
                if _error_type(error) == "Timeout" and path:
                    timed_out.add(path)
                    continue
                diagnostic = _diagnostic(error, path)
                if diagnostic is not None:
                    diagnostics.append(diagnostic)
    run.processes.clear()
    if failure:
        return SemgrepResult({}, (), frozenset(), failure, missing=run.missing)
    clean = frozenset(p for p in run.paths if p not in troubled)
    return SemgrepResult(
        {path: tuple(items) for path, items in findings.items()},
        tuple(diagnostics),
        clean,
        timed_out=frozenset(timed_out),
    )


def _describe_failure(code: int, report: Any, log: str) -> str:
    if isinstance(report, dict):
        messages = [str(e.get("message", "")).strip() for e in report.get("errors", [])]
        detail = "; ".join(m.splitlines()[0] for m in messages if m)
    else:
        lines = [line for line in log.splitlines() if line.strip()]
        detail = lines[-1].strip() if lines else ""
    return f"semgrep failed (exit {code})" + (f": {detail}" if detail else "")


def _relative(path: str) -> str:
    return path[2:] if path.startswith("./") else path


def _error_type(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    return str(kind[0] if isinstance(kind, list) and kind else kind)


def _diagnostic(error: dict[str, Any], path: str) -> Diagnostic | None:
    kind = _error_type(error)
    if any(kind.startswith(p) for p in _PARSE_ERRORS):
        return None
    message = (
        str(error.get("message", kind)).strip().splitlines()[0] if error.get("message") else kind
    )
    return Diagnostic(
        path,
        DiagnosticKind.PATTERN_ENGINE,
        f"rule packs incomplete on this file: {message}",
        level="warning",
    )


class _Lookup:
    """Which pack rule a Semgrep result belongs to: Semgrep reports a rule's id prefixed
    with the dotted folder of its file (``packs.org.no-eval``)."""

    def __init__(self, rules: tuple[type[PatternRule], ...]) -> None:
        self.packs = {sub: r for r in rules for sub in r.sub_rules}

    def __call__(self, result: dict[str, Any]) -> tuple[type[PatternRule], SubRule | None] | None:
        check_id = str(result.get("check_id", ""))
        parts = check_id.split(".")
        for start in range(len(parts)):
            pack_rule = self.packs.get(".".join(parts[start:]))
            if pack_rule is not None:
                return pack_rule, next(iter(pack_rule.sub_rules.values()))
        return None


def _finding(
    result: dict[str, Any],
    path: str,
    lookup: _Lookup,
    sources: dict[str, bytes],
) -> Finding | None:
    found = lookup(result)
    if found is None:
        return None
    rule, sub = found
    extra = result.get("extra", {})
    meta = rule.meta
    start, end = result["start"], result["end"]
    data = sources.get(path, b"")
    # The first line only: a match that spans a whole function would otherwise get a
    # new identity whenever anything in its body changes.
    snippet = data[start["offset"] : end["offset"]].decode("utf-8", "replace").split("\n", 1)[0]
    return Finding(
        rule_id=meta.id,
        rule_name=meta.name,
        category=meta.category,
        severity=sub.severity if sub else meta.severity,
        confidence=(sub.confidence if sub and sub.confidence else meta.confidence),
        message=" ".join(str(extra.get("message", meta.summary)).split()),
        location=Location(path, start["line"], start["col"], end["line"], end["col"]),
        # The Semgrep rule id is part of the identity: two shapes of one archguard rule
        # can match the same code.
        fingerprint=make_fingerprint(
            meta.id, path, (sub.semgrep_id if sub else "") + "\0" + normalize_snippet(snippet)
        ),
        cwe=meta.cwe,
        fix=sub.fix if sub else "",
        pattern=sub.semgrep_id if sub else "",
    )
