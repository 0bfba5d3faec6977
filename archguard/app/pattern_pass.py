"""Running Semgrep beside the per-file pass, with its own cache: the rules of users'
Semgrep packs, and archguard's rules still written as Semgrep YAML."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from archguard import __version__
from archguard.core.findings import Finding
from archguard.core.outcomes import Diagnostic, DiagnosticKind
from archguard.scan import semgrep
from archguard.scan.analyze import FileJob
from archguard.scan.cache import FileCache, TimedOut
from archguard.scan.pattern_rule import PatternRule

#: Files that the per-file pass skips as binary are not worth Semgrep's time either.
_BINARY_PROBE = 8192


@dataclass(frozen=True)
class PatternResults:
    findings: tuple[Finding, ...]
    diagnostics: tuple[Diagnostic, ...]
    analysed: int
    from_cache: int


class PatternPass:
    """Start with :meth:`start` before the per-file pass, collect with :meth:`finish`."""

    def __init__(
        self,
        root: Path,
        rules: list[type[PatternRule]],
        cache_dir: Path | None,
        code_signature: str,
        max_file_size: int,
    ) -> None:
        self.root = root
        self.rules = tuple(sorted(rules, key=lambda r: r.meta.id))
        self.max_file_size = max_file_size
        self.cache = FileCache(cache_dir, _salt(self.rules, code_signature)) if cache_dir else None
        self._hits: list[Finding] = []
        #: Files Semgrep ran out of time on, this run or (by content) a previous one.
        self._timed_out: set[str] = set()
        #: Files Semgrep cannot be given: their names are not UTF-8.
        self._unnamed: list[str] = []
        self._stale: dict[str, str | None] = {}  # path -> cache key
        self._from_cache = 0
        self._run: semgrep.SemgrepRun | None = None

    def start(self, jobs: list[FileJob], workers: int) -> None:
        if not self.rules:
            return
        words = _trigger_words(self.rules)
        for job in jobs:
            if len(job.data) > self.max_file_size or b"\0" in job.data[:_BINARY_PROBE]:
                continue
            if words and not any(word in job.data for word in words):
                continue  # no pattern rule can match: Semgrep would only parse it
            if not job.path.isprintable() or _undecodable(job.path):
                self._unnamed.append(job.path)  # Semgrep silently finds nothing there
                continue
            key = self.cache.key(job) if self.cache else None
            hit = self.cache.get_findings(key) if self.cache and key else None
            if hit is None:
                self._stale[job.path] = key
            elif isinstance(hit, TimedOut):
                self._timed_out.add(job.path)
                self._from_cache += 1
            else:
                self._hits.extend(hit)
                self._from_cache += 1
        self._run = semgrep.start(self.root, self.rules, sorted(self._stale), workers)

    def finish(self, sources: dict[str, bytes]) -> PatternResults:
        if self._run is None:
            return PatternResults((), (), 0, 0)
        result = semgrep.finish(self._run, sources)
        if result.failure:
            hint = (
                "Install Semgrep (pip install semgrep) or pass --no-semgrep to scan without them"
                if result.missing
                else "Pass --no-semgrep to scan without them"
            )
            failed = Diagnostic(
                "",
                DiagnosticKind.ENGINE_FAILED,
                f"{_describe(self.rules)} did not run: {result.failure}. {hint}",
                level="error",
            )
            return PatternResults(tuple(self._hits), (failed,), 0, self._from_cache)
        fresh = [f for items in result.findings.values() for f in items]
        if self.cache:
            for path in sorted(result.clean):
                key = self._stale.get(path)
                if key:
                    self.cache.put_findings(key, result.findings.get(path, ()))
            for path in sorted(result.timed_out):
                key = self._stale.get(path)
                if key:
                    self.cache.put_timed_out(key)
        timed_out = [
            Diagnostic(
                path,
                DiagnosticKind.PATTERN_ENGINE,
                "rule packs not applied: Semgrep ran out of time on this file; it is "
                "recorded for this content and not retried until the file changes",
                level="warning",
            )
            for path in sorted(self._timed_out | result.timed_out)
        ] + [
            Diagnostic(
                path,
                DiagnosticKind.PATTERN_ENGINE,
                "rule packs not applied: Semgrep cannot read a file whose name is not "
                "UTF-8 or holds control characters; rename it to have them applied",
                level="warning",
            )
            for path in self._unnamed
        ]
        return PatternResults(
            tuple(self._hits + fresh),
            result.diagnostics + tuple(timed_out),
            len(self._stale),
            self._from_cache,
        )

    def close(self) -> None:
        """Stop Semgrep if the scan ends before ``finish`` (an error, a signal)."""
        if self._run is not None:
            semgrep.close(self._run)


def _undecodable(path: str) -> bool:
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _describe(rules: tuple[type[PatternRule], ...]) -> str:
    """``Semgrep rule packs (semgrep/a, semgrep/b and 3 more)``."""
    packs = [r.meta.id for r in rules]
    shown = ", ".join(packs[:5]) + (f" and {len(packs) - 5} more" if len(packs) > 5 else "")
    return f"Semgrep rule packs ({shown})"


def _trigger_words(rules: tuple[type[PatternRule], ...]) -> tuple[bytes, ...]:
    """Every enabled pattern rule's trigger words, or none (scan every file) when one
    of the rules has none."""
    if any(not rule.triggers for rule in rules):
        return ()
    return tuple(sorted({word for rule in rules for word in rule.triggers}))


def _salt(rules: tuple[type[PatternRule], ...], code_signature: str) -> str:
    """Cache entries depend on the rules' YAML, the Semgrep version and our own code."""
    digest = hashlib.sha256()
    for rule in rules:
        digest.update(rule.meta.id.encode())
    for config in sorted({rule.config for rule in rules}):
        digest.update(str(config).encode())
        digest.update(config.read_bytes())
    try:
        engine = metadata.version("semgrep")
    except metadata.PackageNotFoundError:
        engine = "unknown"
    return f"patterns|{__version__}|{engine}|{code_signature}|{digest.hexdigest()}"


def merge_engines(
    native: list[Finding], patterns: tuple[Finding, ...], rules: list[type[PatternRule]]
) -> list[Finding]:
    """Both engines' findings, with a pattern finding dropped when a Python rule already
    reports the same problem on the same line (the same category, or a rule the shape
    declares as overlapping), or when two shapes of one pattern rule match one line;
    of those, the most confident one stays."""
    overlaps = {
        (rule.meta.id, sub.semgrep_id): sub.overlaps
        for rule in rules
        for sub in rule.sub_rules.values()
    }
    taken = {(f.location.path, f.location.line, f.category) for f in native}
    fired = {(f.location.path, f.location.line, f.rule_id) for f in native}
    seen: set[tuple[str, str, int]] = set()
    merged = list(native)
    ranked = sorted(
        patterns, key=lambda f: (f.location.path, f.location.line, -f.confidence.rank, f.sort_key)
    )
    for finding in ranked:
        loc = finding.location
        place = (finding.rule_id, loc.path, loc.line)
        shadowed = any(
            (loc.path, loc.line, other) in fired
            for other in overlaps.get((finding.rule_id, finding.pattern), ())
        )
        if (loc.path, loc.line, finding.category) in taken or place in seen or shadowed:
            continue
        seen.add(place)
        merged.append(finding)
    return merged
