"""Where a finding counts: code that serves requests.

Tests, migrations, operator and CI scripts, docs, demo or seed data and development
settings never answer a request, so a "hardcoded password" in a test fixture or an
unguarded route in a demo app is not a production failure. On real repositories such
findings were most of the noise (437 of 438 findings of one rule in one large Django
repository were in tests). Security findings there are left out and counted, unless
the project asks for them (``report-non-production``), and then they are notes. A rule
may name a severity it keeps there (``RuleMeta.outside_production``): a real token is
leaked from a test as much as from a view.

Other rules (N+1, operations) decide for themselves about migrations and scripts (a
data migration's N+1 is real), but none of them speaks about tests: a test's query per
row or its fixture webhook is not a production failure either.
"""

from __future__ import annotations

from dataclasses import replace

from archguard.core.findings import Finding
from archguard.core.levels import Severity
from archguard.core.rule_meta import RuleMeta
from archguard.scan.context import PathKind, path_kind


def apply_path_policy(
    findings: list[Finding], metas: dict[str, RuleMeta], report_non_production: bool
) -> tuple[list[Finding], int]:
    """The findings kept, and how many were left out."""
    kept: list[Finding] = []
    left_out = 0
    kinds: dict[str, PathKind] = {}
    for finding in findings:
        meta = metas.get(finding.rule_id)
        path = finding.location.path
        kind = kinds.get(path)
        if kind is None:
            kind = kinds[path] = path_kind(path)
        if meta is None or not meta.is_security:
            if kind is PathKind.TEST and not report_non_production:
                left_out += 1
            else:
                kept.append(finding)
            continue
        if kind is PathKind.CODE:
            kept.append(finding)
        elif meta.outside_production is not None:
            kept.append(_capped(finding, meta.outside_production))
        elif report_non_production:
            kept.append(_capped(finding, Severity.NOTE))
        else:
            left_out += 1
    return kept, left_out


def _capped(finding: Finding, severity: Severity) -> Finding:
    if finding.severity.rank <= severity.rank:
        return finding
    return replace(finding, severity=severity)
