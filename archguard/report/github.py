"""GitHub Actions workflow commands: annotations on the pull request's diff."""

from __future__ import annotations

from archguard.core.levels import Severity
from archguard.core.report import ScanReport
from archguard.report.context import RenderContext

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: ScanReport, context: RenderContext | None = None) -> str:
    out = []
    for f in report.findings:
        loc = f.location
        props = ",".join(
            [
                f"file={_prop(loc.path)}",
                f"line={loc.line}",
                f"endLine={loc.end_line}",
                f"col={loc.column}",
                f"endColumn={loc.end_column}",
                f"title={_prop(f'archguard {f.rule_id} ({f.rule_name})')}",
            ]
        )
        out.append(f"::{_LEVEL[f.severity]} {props}::{_data(f.message)}")
    for d in report.diagnostics:
        level = {"error": "error", "warning": "warning"}.get(d.level, "notice")
        out.append(f"::{level} file={_prop(d.path)},title=archguard::{_data(d.message)}")
    return "\n".join(out) + ("\n" if out else "")
