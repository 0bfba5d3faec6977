"""What the architecture rules share: turning graph facts into findings."""

from __future__ import annotations

from archguard.core.facts import ImportFact
from archguard.core.findings import Finding, Location
from archguard.core.fingerprint import make_fingerprint
from archguard.core.levels import Confidence, Severity
from archguard.core.rule_meta import RuleMeta
from archguard.graph.project import Project


def import_location(project: Project, module: str, fact: ImportFact, message: str = "") -> Location:
    path = project.modules[module].path
    return Location(path, fact.line, fact.column, fact.line, fact.column, message)


def module_location(project: Project, module: str, line: int = 1, message: str = "") -> Location:
    return Location(project.modules[module].path, line, 1, line, 1, message)


def finding(
    meta: RuleMeta, location: Location, message: str, key: str, *,
    severity: Severity | None = None, confidence: Confidence | None = None,
    related: tuple[Location, ...] = (), flows: tuple[tuple[Location, ...], ...] = (), fix: str = "",
) -> Finding:
    """A finding whose fingerprint is ``key`` (module names, never lines), so that it
    survives edits, moves within a file and baselines."""
    return Finding(
        rule_id=meta.id, rule_name=meta.name, category=meta.category,
        severity=severity or meta.severity, confidence=confidence or meta.confidence,
        message=message, location=location,
        fingerprint=make_fingerprint(meta.id, "<graph>", key), cwe=meta.cwe,
        related=related, code_flows=flows, fix=fix,
    )
