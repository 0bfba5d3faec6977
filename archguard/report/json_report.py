"""The JSON report: a stable, documented schema (docs/json-report.md), sorted, and
byte-identical for the same tree (no times, no absolute paths)."""

from __future__ import annotations

import json
from typing import Any

from archguard import __version__
from archguard.core.findings import Finding, Location
from archguard.core.report import ScanReport
from archguard.report.context import RenderContext
from archguard.report.summary import by_category, by_severity

SCHEMA = "archguard-report/1"


def _location(loc: Location) -> dict[str, Any]:
    out: dict[str, Any] = {
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
    }
    if loc.message:
        out["message"] = loc.message
    return out


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "rule_id": f.rule_id,
        "rule_name": f.rule_name,
        "category": f.category.value,
        "severity": f.severity.value,
        "confidence": f.confidence.value,
        "cwe": [f"CWE-{n}" for n in f.cwe],
        "message": f.message,
        "location": _location(f.location),
        "related_locations": [_location(r) for r in f.related],
        "code_flows": [[_location(step) for step in flow] for flow in f.code_flows],
        "fix": f.fix,
        "fingerprint": f.fingerprint,
    }


def as_dict(report: ScanReport) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "tool": {"name": "archguard", "version": __version__},
        "summary": {
            "files": report.files_total,
            "analysed": report.files_analysed,
            "failed": report.files_failed,
            "skipped": report.files_skipped,
            "incomplete": report.files_incomplete,
            "findings": len(report.findings),
            "by_severity": by_severity(report),
            "by_category": by_category(report),
            "suppressed": report.suppressed,
            "non_production": report.non_production,
            "baselined": report.baselined,
        },
        "findings": [_finding(f) for f in report.findings],
        "diagnostics": [
            {
                "path": d.path,
                "line": d.line,
                "kind": d.kind.value,
                "level": d.level,
                "message": d.message,
            }
            for d in report.diagnostics
        ],
        "fixed_baseline_entries": [
            {"rule": e.rule_id, "path": e.path, "fingerprint": e.fingerprint}
            for e in report.fixed_baseline
        ],
        "metrics": dict(report.metrics),
    }


def render(report: ScanReport, context: RenderContext | None = None) -> str:
    return json.dumps(as_dict(report), indent=2, ensure_ascii=False) + "\n"
