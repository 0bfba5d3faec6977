"""The result of a whole scan, as handed to reporters."""

from __future__ import annotations

from dataclasses import dataclass, field

from archguard.core.findings import Finding
from archguard.core.levels import Severity
from archguard.core.outcomes import Diagnostic, DiagnosticKind
from archguard.core.rule_meta import RuleMeta


@dataclass(frozen=True)
class BaselineEntry:
    rule_id: str
    path: str
    fingerprint: str


@dataclass(frozen=True)
class ScanReport:
    """Sorted, deduplicated findings plus everything needed to explain them."""

    findings: tuple[Finding, ...]
    diagnostics: tuple[Diagnostic, ...]
    #: Every rule that could have fired in this scan, sorted by id.
    rules: tuple[RuleMeta, ...]
    files_total: int
    files_analysed: int
    files_failed: int
    files_skipped: int
    #: Files analysed with some of their facts missing (each has a diagnostic).
    files_incomplete: int = 0
    #: Findings hidden by the baseline, and baseline entries no longer found.
    baselined: int = 0
    fixed_baseline: tuple[BaselineEntry, ...] = ()
    suppressed: int = 0
    #: Findings left out because they are in tests (any rule) or in migrations, scripts
    #: or dev settings (security rules); ``report-non-production`` keeps them.
    non_production: int = 0
    #: Repo-level numbers (module count, edges, ...), name -> value.
    metrics: tuple[tuple[str, float | int], ...] = field(default=())
    #: The lowest severity that fails the run, as configured.
    fail_on: Severity = Severity.WARNING
    #: Set when several projects were scanned together, each judged by its own
    #: ``fail_on``: whether any of them fails.
    failing: bool | None = None

    @property
    def incomplete(self) -> bool:
        """Whether a whole engine failed, so some enabled rules did not run at all."""
        return any(d.kind is DiagnosticKind.ENGINE_FAILED for d in self.diagnostics)

    def fails(self) -> bool:
        """Whether anything at or above ``fail_on`` was found, findings or diagnostics."""
        if self.failing is not None:
            return self.failing
        threshold = self.fail_on.rank
        return any(f.severity.rank >= threshold for f in self.findings) or any(
            Severity(d.level).rank >= threshold for d in self.diagnostics
        )
