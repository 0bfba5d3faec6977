"""The human-readable report: one line per finding, then a summary."""

from __future__ import annotations

from archguard.core.levels import Severity
from archguard.core.report import ScanReport
from archguard.report.context import RenderContext
from archguard.report.summary import by_category, by_rule, by_severity

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.NOTE: "blue"}
#: Control characters (file names can hold newlines and escape sequences) as escapes:
#: a name must not start a line of its own, where CI would read ``::error::...`` or
#: ``::add-mask::`` as a workflow command, nor drive the terminal.
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)} | {
    0x0A: "\\n",
    0x0D: "\\r",
    0x09: "\\t",
}


def safe(text: str) -> str:
    """``text`` on one line, with control characters escaped."""
    return text.translate(_CONTROL)


def _fix(text: str) -> str:
    """A fix may span lines (a code snippet): each line is escaped and indented."""
    return "\n      ".join(safe(line) for line in text.split("\n"))


def render(report: ScanReport, context: RenderContext | None = None) -> str:
    context = context or RenderContext()
    style, quiet = context.style, context.quiet
    lines = []
    for f in report.findings:
        loc = f.location
        where = style(f"{safe(loc.path)}:{loc.line}:{loc.column}:", bold=True)
        level = style(f"[{f.severity.value}]", fg=_COLOURS[f.severity])
        lines.append(f"{where} {style(f.rule_id, bold=True)} {level} {safe(f.message)}")
        if f.fix and not quiet:
            lines.append(f"    fix: {_fix(f.fix)}")
    for d in report.diagnostics:
        path = safe(d.path)
        place = f"{path}:{d.line}:" if d.line else f"{path or 'archguard'}:"
        lines.append(f"{place} {style(d.kind.value, fg='magenta')} [{d.level}] {safe(d.message)}")
    if context.statistics:
        if lines:
            lines.append("")
        for rule_id, name, count in by_rule(report):
            lines.append(f"{count:5d}  {rule_id}  {name}")
    if quiet:
        return "\n".join(lines) + ("\n" if lines else "")
    if lines:
        lines.append("")
    counts = by_severity(report)
    total = len(report.findings)
    if total:
        parts = ", ".join(f"{n} {level}" for level, n in counts.items() if n)
        lines.append(style(f"Found {_count(total, 'problem')} ({parts}).", bold=True))
        lines.append(
            "By category: " + ", ".join(f"{c} {n}" for c, n in by_category(report).items())
        )
    elif report.incomplete:
        lines.append(
            style(
                "No problems found by the rules that ran, but the scan is incomplete (see above).",
                fg="red",
                bold=True,
            )
        )
    else:
        lines.append(style("No problems found.", fg="green", bold=True))
    files = f"{report.files_analysed} of {_count(report.files_total, 'file')} analysed"
    extra = []
    if report.files_failed:
        extra.append(f"{report.files_failed} failed")
    if report.files_skipped:
        extra.append(f"{report.files_skipped} skipped")
    if report.files_incomplete:
        extra.append(f"{report.files_incomplete} analysed in part")
    if report.suppressed:
        extra.append(f"{_count(report.suppressed, 'finding')} suppressed inline")
    if report.non_production:
        extra.append(
            f"{_count(report.non_production, 'finding')} in tests, migrations and scripts not "
            "shown (report-non-production = true shows them)"
        )
    if report.baselined:
        extra.append(f"{_count(report.baselined, 'finding')} in the baseline")
    if report.fixed_baseline:
        extra.append(
            f"{_count(len(report.fixed_baseline), 'baseline entry', 'baseline entries')} now fixed"
        )
    lines.append(files + (f"; {', '.join(extra)}" if extra else "") + ".")
    if report.metrics:
        lines.append(
            "Architecture: "
            + ", ".join(
                f"{name.replace('_', ' ')} {_metric(value)}" for name, value in report.metrics
            )
            + "."
        )
    return "\n".join(lines) + "\n"


def _metric(value: float | int) -> str:
    return f"{value:.0%}" if isinstance(value, float) else str(value)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"
