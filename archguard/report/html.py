"""The audit report: one self-contained HTML file (no network, no script or style from
elsewhere) that a tech lead opens in a browser. The same tree gives the same bytes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from html import escape
from importlib import resources

from archguard import __version__
from archguard.core.architecture import ArchitectureView, LinkKind
from archguard.core.findings import Finding, Location
from archguard.core.levels import Severity
from archguard.core.report import ScanReport
from archguard.core.routes import Route
from archguard.core.rule_meta import RuleMeta
from archguard.report import svg
from archguard.report.context import RenderContext
from archguard.report.excerpts import Excerpt, excerpts
from archguard.report.markdown import inline, to_html
from archguard.report.routes import standing
from archguard.report.summary import by_severity

_SEVERITIES = ("error", "warning", "note")
_STANDING_CLASS = {
    "authorized": "ok",
    "authenticated": "ok",
    "public on purpose": "info",
    "guard not resolved": "unknown",
    "no authentication": "bad",
}
_METRIC_LABELS = {
    "modules": "modules",
    "edges": "imports between modules",
    "cycles": "import cycles",
    "largest_cycle_share": "share of modules in the largest cycle",
    "layer_coverage": "modules with a layer",
    "upward_imports": "upward imports",
}


def _verdict(report: ScanReport) -> tuple[str, str]:
    counts = by_severity(report)
    if report.incomplete or report.files_failed:
        incomplete = " Some files or rules could not be analysed; see the end of the report."
    else:
        incomplete = ""
    if counts["error"]:
        return "bad", (
            f"Not ready to ship: {counts['error']} error{'s' if counts['error'] != 1 else ''} "
            "to fix first." + incomplete
        )
    if counts["warning"]:
        return "warn", (
            f"Needs work: {counts['warning']} warning"
            f"{'s' if counts['warning'] != 1 else ''}, no errors." + incomplete
        )
    return "ok", "No errors or warnings found." + incomplete


def _where(loc: Location) -> str:
    return f"{loc.path}:{loc.line}:{loc.column}"


def _counts_table(report: ScanReport) -> str:
    grid: Counter[tuple[str, str]] = Counter(
        (f.category.value, f.severity.value) for f in report.findings
    )
    categories = sorted({c for c, _ in grid})
    head = "".join(f"<th>{s}</th>" for s in _SEVERITIES)
    rows = []
    for category in categories:
        cells = "".join(
            f'<td class="num sev-{s}">{grid[(category, s)] or ""}</td>' for s in _SEVERITIES
        )
        total = sum(grid[(category, s)] for s in _SEVERITIES)
        rows.append(
            f'<tr><th scope="row"><a href="#cat-{escape(category)}">{escape(category)}</a></th>'
            f'{cells}<td class="num">{total}</td></tr>'
        )
    totals = by_severity(report)
    foot = "".join(f'<td class="num">{totals[s]}</td>' for s in _SEVERITIES)
    return (
        f'<table class="counts"><thead><tr><th>category</th>{head}<th>total</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody><tfoot><tr><th>all</th>{foot}"
        f'<td class="num">{len(report.findings)}</td></tr></tfoot></table>'
    )


def _filters(report: ScanReport) -> str:
    severities = "".join(
        f'<label><input type="checkbox" class="f-sev" value="{s}" checked> {s}</label>'
        for s in _SEVERITIES
    )
    categories = "".join(
        f'<label><input type="checkbox" class="f-cat" value="{escape(c)}" checked> '
        f"{escape(c)}</label>"
        for c in sorted({f.category.value for f in report.findings})
    )
    return (
        f'<div class="filters" id="filters"><div><strong>Severity</strong> {severities}</div>'
        f"<div><strong>Category</strong> {categories}</div>"
        f'<div>Showing <span id="shown-count">{len(report.findings)}</span> of '
        f'<span id="total-count">{len(report.findings)}</span> findings</div></div>'
    )


def _excerpt_html(excerpt: Excerpt | None) -> str:
    if excerpt is None:
        return ""
    rows = []
    for offset, text in enumerate(excerpt.lines):
        number = excerpt.first_line + offset
        mark = ' class="hit"' if number in excerpt.marked else ""
        rows.append(f'<span{mark}><span class="ln">{number}</span>{escape(text)}</span>')
    return f'<pre class="excerpt">{"".join(rows)}</pre>'


def _finding_html(f: Finding, excerpt: Excerpt | None) -> str:
    related = "".join(
        f"<li><code>{escape(_where(r))}</code> {escape(r.message)}</li>" for r in f.related
    )
    flows = "".join(
        '<ol class="flow">'
        + "".join(f"<li><code>{escape(_where(s))}</code> {escape(s.message)}</li>" for s in flow)
        + "</ol>"
        for flow in f.code_flows
    )
    cwe = " ".join(f'<span class="tag">CWE-{n}</span>' for n in f.cwe)
    fix = f'<p class="fix"><strong>Fix:</strong> {inline(f.fix)}</p>' if f.fix else ""
    more = f'<ul class="related">{related}</ul>' if related else ""
    return (
        f'<article class="finding sev-{f.severity.value}" data-severity="{f.severity.value}" '
        f'data-category="{escape(f.category.value)}" data-rule="{f.rule_id}">'
        f'<header><span class="badge sev-{f.severity.value}">{f.severity.value}</span> '
        f'<a class="rule" href="#rule-{f.rule_id}">{f.rule_id} {escape(f.rule_name)}</a> '
        f'<code class="where">{escape(_where(f.location))}</code> '
        f'<span class="tag">confidence: {f.confidence.value}</span> {cwe}</header>'
        f'<p class="message">{escape(f.message)}</p>'
        f"{_excerpt_html(excerpt)}{fix}{more}{flows}</article>"
    )


def _findings_html(report: ScanReport, shown: Mapping[str, Excerpt]) -> str:
    if not report.findings:
        return "<p>No findings.</p>"
    groups: dict[str, list[Finding]] = {}
    for f in report.findings:
        groups.setdefault(f.category.value, []).append(f)
    out = []
    for category in sorted(groups):
        items = sorted(groups[category], key=lambda f: (-f.severity.rank, f.sort_key))
        body = "".join(_finding_html(f, shown.get(f.fingerprint)) for f in items)
        out.append(
            f'<section class="category" id="cat-{escape(category)}" '
            f'data-category="{escape(category)}">'
            f'<h3>{escape(category)} <span class="count">({len(items)})</span></h3>{body}</section>'
        )
    return "".join(out)


def _architecture_html(view: ArchitectureView) -> str:
    metrics = dict(view.metrics)
    items = "".join(
        f"<li><strong>{_metric_text(name, value)}</strong> "
        f"{escape(_METRIC_LABELS.get(name, name))}</li>"
        for name, value in metrics.items()
    )
    grain = (
        "Each box is a module."
        if view.grain == "module"
        else "Each box is the modules of one package in one layer."
    )
    left_out = svg.omitted(view)
    note = f" The {left_out} smallest boxes are left out of the picture." if left_out else ""
    upward = [link for link in view.links if link.kind is LinkKind.UPWARD]
    upward_list = "".join(
        f"<li><code>{escape(link.source)}</code> imports <code>{escape(link.target)}</code></li>"
        for link in upward
    )
    cycles = "".join(
        "<li>" + " · ".join(f"<code>{escape(m)}</code>" for m in cycle) + "</li>"
        for cycle in view.cycles
    )
    return (
        f'<ul class="metrics">{items}</ul>'
        f'<p class="legend">Layers are inferred from module names and content, top to bottom. '
        f'{grain}{note} <span class="key normal">grey</span>: an import; '
        f'<span class="key upward">red</span>: a lower layer importing a higher one; '
        f'<span class="key cycle">orange</span>: modules in an import cycle. Hover for details.</p>'
        f'<div class="picture">{svg.render(view)}</div>'
        + (f"<h3>Upward imports</h3><ul>{upward_list}</ul>" if upward else "")
        + (f"<h3>Import cycles</h3><ul>{cycles}</ul>" if cycles else "")
    )


def _metric_text(name: str, value: float | int) -> str:
    if name in ("largest_cycle_share", "layer_coverage"):
        return f"{value * 100:.0f}%"
    return str(value)


def _routes_html(routes: Sequence[Route]) -> str:
    if not routes:
        return "<p>No HTTP routes found.</p>"
    rows = []
    for route in routes:
        word = standing(route)
        guards = (
            "<br>".join(
                f'<span class="tag">{g.kind.value}</span> <code>{escape(g.name)}</code> '
                f"<small>{escape(g.origin)}</small>"
                for g in route.guards
            )
            or "—"
        )
        rows.append(
            f'<tr class="route"><td>{escape(" ".join(route.methods))}</td>'
            f"<td><code>{escape(route.path)}</code></td>"
            f"<td><code>{escape(route.handler)}</code><br><small>{escape(route.location.path)}:"
            f"{route.location.line}</small></td>"
            f'<td><span class="standing {_STANDING_CLASS.get(word, "")}">{escape(word)}</span></td>'
            f"<td>{guards}</td></tr>"
        )
    counts = Counter(standing(r) for r in routes)
    summary = ", ".join(
        f"{n} {word}" for word, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))
    )
    return (
        f"<p>{len(routes)} routes: {escape(summary)}.</p>"
        '<table class="routes"><thead><tr><th>methods</th><th>path</th><th>handler</th>'
        f"<th>standing</th><th>guards</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _rule_docs(report: ScanReport) -> str:
    fired = {f.rule_id for f in report.findings}
    out = []
    for meta in report.rules:
        if meta.id in fired:
            out.append(_rule_doc(meta))
    return "".join(out) or "<p>No rule fired.</p>"


def _rule_doc(meta: RuleMeta) -> str:
    cwe = ", ".join(f"CWE-{n}" for n in meta.cwe) or "none"
    return (
        f'<details class="rule-doc" id="rule-{meta.id}"><summary><strong>{meta.id} '
        f"{escape(meta.name)}</strong> — {inline(meta.summary)}</summary>"
        f'<p class="facts">Category {escape(meta.category.value)} · default severity '
        f"{meta.severity.value} · confidence {meta.confidence.value} · {cwe}</p>"
        f"{to_html(meta.doc)}</details>"
    )


def _diagnostics_html(report: ScanReport) -> str:
    if not report.diagnostics:
        return ""
    items = "".join(
        f'<li class="diag-{escape(d.level)}"><code>{escape(d.path)}</code>: '
        f"{escape(d.message)}</li>"
        for d in report.diagnostics
    )
    return (
        '<section id="diagnostics"><h2>Files and engines not fully analysed</h2>'
        f"<ul>{items}</ul></section>"
    )


def render(report: ScanReport, context: RenderContext | None = None) -> str:
    """The audit page. Its architecture picture and route table come from the context,
    which the audit use case fills; without them those sections say so."""
    context = context or RenderContext()
    architecture = context.architecture or ArchitectureView((), (), (), ())
    routes, sources, title = context.routes, context.sources, context.title
    tone, verdict = _verdict(report)
    name = escape(title or "project")
    severity_counts = by_severity(report)
    chips = "".join(
        f'<span class="chip sev-{s}">{severity_counts[s]} {s}</span>'
        for s in _SEVERITIES
        if s != Severity.NOTE.value or severity_counts[s]
    )
    shown = excerpts(report.findings, sources)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>archguard audit: {name}</title>
<style>{_CSS}</style>
</head>
<body>
<header class="top">
<h1>archguard audit: {name}</h1>
<p class="meta">archguard {escape(__version__)}
· {report.files_analysed} of {report.files_total} files analysed
· {report.files_failed} failed · {report.files_skipped} skipped
· {report.files_incomplete} analysed in part
· {report.suppressed} suppressed · {report.baselined} baselined</p>
<p class="verdict {tone}" id="verdict">{escape(verdict)}</p>
<p>{chips}</p>
<nav><a href="#summary">Summary</a> · <a href="#architecture">Architecture</a>
· <a href="#routes">Routes</a> · <a href="#findings">Findings</a>
· <a href="#rules">Rule docs</a></nav>
</header>
<main>
<section id="summary"><h2>Findings by category and severity</h2>{_counts_table(report)}</section>
<section id="architecture"><h2>Architecture</h2>{_architecture_html(architecture)}</section>
<section id="routes"><h2>HTTP routes and their guards</h2>{_routes_html(routes)}</section>
<section id="findings"><h2>Findings</h2>{_filters(report)}{_findings_html(report, shown)}</section>
<section id="rules"><h2>Rule docs</h2>{_rule_docs(report)}</section>
{_diagnostics_html(report)}
</main>
<script>{_JS}</script>
</body>
</html>
"""


def _asset(name: str) -> str:
    """The report's stylesheet and script, kept as files of their own so they read as CSS
    and JavaScript; they are inlined because the report must open without any fetch."""
    return resources.files("archguard.report").joinpath("assets", name).read_text("utf-8")


_CSS = _asset("report.css")
_JS = _asset("report.js")
