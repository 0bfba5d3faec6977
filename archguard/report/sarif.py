"""SARIF 2.1.0, built with sarif-om, shaped for GitHub code scanning.

What GitHub needs and how it is met: every rule that can fire is described (short and
full descriptions within 1,024 characters, help text and Markdown, tags with
``security`` and ``external/cwe/cwe-N``, precision, problem.severity, and a string
``security-severity`` on security rules); results carry repo-relative URIs under
``%SRCROOT%``, full regions, ``primaryLocationLineHash`` computed like codeql-action,
and archguard's own line-independent fingerprint. At most 25,000 results are written,
most severe first, with a notification when some were cut.
"""

from __future__ import annotations

import gzip
import json
from typing import Any
from urllib.parse import quote

import attr
import sarif_om as sarif

from archguard import __version__
from archguard.core.findings import Finding, Location
from archguard.core.levels import Confidence, Severity
from archguard.core.report import ScanReport
from archguard.core.rule_meta import RuleMeta
from archguard.report.context import RenderContext

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://archguard.invalid/"
MAX_RESULTS = 25_000
#: GitHub's limit on an uploaded SARIF file, gzipped.
MAX_GZIP_BYTES = 10 * 1024 * 1024
MAX_TAGS = 20
MAX_DESCRIPTION = 1024
_SRCROOT = "%SRCROOT%"
_PRECISION = {Confidence.HIGH: "high", Confidence.MEDIUM: "medium", Confidence.LOW: "low"}
_PROBLEM = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "recommendation"}
# Fields whose sarif-om default must still be written: readers fall back to the rule's
# level, not to sarif-om's "warning", when a result has none.
_ALWAYS_WRITE = {(sarif.Result, "level"), (sarif.ReportingConfiguration, "level")}


def _to_json(value: Any) -> Any:
    """sarif-om objects to SARIF JSON: schema names, unset and default fields dropped."""
    if attr.has(type(value)):
        out = {}
        for field in attr.fields(type(value)):
            item = getattr(value, field.name)
            default = field.default
            if isinstance(default, attr.Factory):  # type: ignore[arg-type]
                default = default.factory()
            if item is None or (item == default and (type(value), field.name) not in _ALWAYS_WRITE):
                continue
            out[field.metadata["schema_property_name"]] = _to_json(item)
        return out
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    return value


def _clip(text: str, limit: int = MAX_DESCRIPTION) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _descriptor(meta: RuleMeta) -> sarif.ReportingDescriptor:
    tags = [meta.category.value]
    if meta.is_security:
        tags.append("security")
    tags.extend(f"external/cwe/cwe-{n}" for n in meta.cwe)
    tags.extend(sorted(meta.tags - {"security"}))
    properties: dict[str, Any] = {
        "tags": list(dict.fromkeys(tags))[:MAX_TAGS],
        "precision": _PRECISION[meta.confidence],
        "problem.severity": _PROBLEM[meta.severity],
    }
    if meta.is_security and meta.security_severity is not None:
        properties["security-severity"] = f"{meta.security_severity:.1f}"
    what = meta.section("What it does") or meta.summary
    return sarif.ReportingDescriptor(
        id=meta.id,
        name=meta.name,
        short_description=sarif.MultiformatMessageString(text=_clip(meta.summary)),
        full_description=sarif.MultiformatMessageString(text=_clip(what)),
        help=sarif.MultiformatMessageString(
            text=meta.doc or meta.summary, markdown=meta.doc or None
        ),
        help_uri=meta.help_uri,
        default_configuration=sarif.ReportingConfiguration(level=meta.severity.value),
        properties=properties,
    )


def _physical(loc: Location) -> sarif.PhysicalLocation:
    return sarif.PhysicalLocation(
        artifact_location=sarif.ArtifactLocation(
            uri=quote(loc.path, safe="/"), uri_base_id=_SRCROOT
        ),
        region=sarif.Region(
            start_line=loc.line,
            start_column=loc.column,
            end_line=loc.end_line,
            end_column=loc.end_column,
        ),
    )


def _result(finding: Finding, index: int) -> sarif.Result:
    related = [
        sarif.Location(
            id=i, physical_location=_physical(r), message=sarif.Message(text=r.message or "related")
        )
        for i, r in enumerate(finding.related, start=1)
    ]
    flows = [
        sarif.CodeFlow(
            thread_flows=[
                sarif.ThreadFlow(
                    locations=[
                        sarif.ThreadFlowLocation(
                            location=sarif.Location(
                                physical_location=_physical(step),
                                message=sarif.Message(text=step.message or "step"),
                            )
                        )
                        for step in flow
                    ]
                )
            ]
        )
        for flow in finding.code_flows
    ]
    message = finding.message + (f" Fix: {finding.fix}" if finding.fix else "")
    partial = {"primaryLocationLineHash": finding.line_hash} if finding.line_hash else None
    return sarif.Result(
        rule_id=finding.rule_id,
        rule_index=index,
        level=finding.severity.value,
        message=sarif.Message(text=message),
        locations=[sarif.Location(physical_location=_physical(finding.location))],
        related_locations=related or None,
        code_flows=flows or None,
        partial_fingerprints=partial,
        fingerprints={"archguard/v1": finding.fingerprint},
        properties={
            "category": finding.category.value,
            "confidence": finding.confidence.value,
        },
    )


def _notification(path: str, line: int, level: str, text: str) -> sarif.Notification:
    if not path:  # about the scan as a whole, not one file
        return sarif.Notification(level=level, message=sarif.Message(text=text))
    region = sarif.Region(start_line=line) if line else None
    return sarif.Notification(
        level=level,
        message=sarif.Message(text=f"{path}: {text}"),
        locations=[
            sarif.Location(
                physical_location=sarif.PhysicalLocation(
                    artifact_location=sarif.ArtifactLocation(
                        uri=quote(path, safe="/"), uri_base_id=_SRCROOT
                    ),
                    region=region,
                )
            )
        ],
    )


def build(
    report: ScanReport, max_results: int = MAX_RESULTS, cut_reason: str = ""
) -> dict[str, Any]:
    rules = sorted(report.rules, key=lambda m: m.id)
    index = {m.id: i for i, m in enumerate(rules)}
    findings = list(report.findings)
    notifications = [_notification(d.path, d.line, d.level, d.message) for d in report.diagnostics]
    if len(findings) > max_results:
        keep = sorted(findings, key=lambda f: (-f.severity.rank, -f.confidence.rank, f.sort_key))
        kept = {id(f) for f in keep[:max_results]}
        reason = cut_reason or f"GitHub accepts at most {MAX_RESULTS} per run"
        notifications.append(
            sarif.Notification(
                level="warning",
                message=sarif.Message(
                    text=(
                        f"{len(findings) - max_results} of {len(findings)} results were left out: "
                        f"{reason}. The most severe were kept."
                    )
                ),
            )
        )
        findings = [f for f in findings if id(f) in kept]
    run = sarif.Run(
        tool=sarif.Tool(
            driver=sarif.ToolComponent(
                name="archguard",
                semantic_version=__version__,
                information_uri=INFORMATION_URI,
                rules=[_descriptor(m) for m in rules],
            )
        ),
        automation_details=sarif.RunAutomationDetails(id="archguard/"),
        column_kind="unicodeCodePoints",
        original_uri_base_ids={
            _SRCROOT: sarif.ArtifactLocation(
                description=sarif.Message(
                    text="The root of the git work tree (outside git, the directory the "
                    "scan ran from): what every artifact URI is relative to."
                )
            )
        },
        invocations=[
            sarif.Invocation(
                # False when a whole engine failed: GitHub then shows the run as broken
                # instead of as clean.
                execution_successful=not report.incomplete,
                tool_execution_notifications=notifications or None,
            )
        ],
        results=[_result(f, index[f.rule_id]) for f in findings],
        properties={"metrics": dict(report.metrics)} if report.metrics else None,
    )
    log = sarif.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=[run])
    data = _to_json(log)
    # $schema first, as every SARIF reader's examples show it.
    return {"$schema": data.pop("$schema"), **data}


def render(
    report: ScanReport,
    context: RenderContext | None = None,
    *,
    max_gzip_bytes: int = MAX_GZIP_BYTES,
) -> str:
    """The SARIF log as text, within GitHub's result count and upload size limits."""
    text = _dump(build(report))
    if _gzipped_size(text) <= max_gzip_bytes:
        return text
    # Too big: keep the largest number of most severe results that fits.
    reason = f"GitHub accepts at most {max_gzip_bytes:,} bytes of gzipped SARIF per upload"
    low, high = 0, min(len(report.findings), MAX_RESULTS)
    best = _dump(build(report, 0, reason))
    while low < high:
        middle = (low + high + 1) // 2
        candidate = _dump(build(report, middle, reason))
        if _gzipped_size(candidate) <= max_gzip_bytes:
            low, best = middle, candidate
        else:
            high = middle - 1
    return best


def _dump(log: dict[str, Any]) -> str:
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _gzipped_size(text: str) -> int:
    return len(gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0))
