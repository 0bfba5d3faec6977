"""Applying ``# archguard: ignore[...]`` comments and per-file ignores to findings."""

from __future__ import annotations

from collections.abc import Iterable

from archguard.app.selection import selector_covers
from archguard.config.globs import matches
from archguard.core.facts import Suppression
from archguard.core.findings import Finding
from archguard.core.outcomes import Diagnostic, DiagnosticKind


def unknown_suppressions(
    path: str, suppressions: Iterable[Suppression], known_ids: set[str]
) -> list[Diagnostic]:
    out = []
    for s in suppressions:
        for rule_id in s.rule_ids:
            if rule_id not in known_ids:
                out.append(
                    Diagnostic(
                        path,
                        DiagnosticKind.UNKNOWN_RULE_IN_SUPPRESSION,
                        f"suppression names unknown rule '{rule_id}'",
                        line=s.line,
                    )
                )
    return out


def is_suppressed(finding: Finding, suppressions: Iterable[Suppression]) -> bool:
    line = finding.location.line
    for s in suppressions:
        if s.rule_ids and finding.rule_id not in s.rule_ids:
            continue
        if s.file_level or s.line == line or (s.own_line and s.line + 1 == line):
            return True
    return False


def is_ignored_for_file(
    finding: Finding, per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...]
) -> bool:
    return any(
        matches(glob, finding.location.path) and selector_covers(selectors, finding.rule_id)
        for glob, selectors in per_file_ignores
    )
