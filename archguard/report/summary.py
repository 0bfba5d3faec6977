"""Counts shared by the text and JSON reports."""

from __future__ import annotations

from collections import Counter

from archguard.core.report import ScanReport


def by_severity(report: ScanReport) -> dict[str, int]:
    counts = Counter(f.severity.value for f in report.findings)
    return {level: counts[level] for level in ("error", "warning", "note")}


def by_category(report: ScanReport) -> dict[str, int]:
    return dict(sorted(Counter(f.category.value for f in report.findings).items()))


def by_rule(report: ScanReport) -> list[tuple[str, str, int]]:
    counts = Counter((f.rule_id, f.rule_name) for f in report.findings)
    return sorted(
        ((rid, name, n) for (rid, name), n in counts.items()), key=lambda t: (-t[2], t[0])
    )
