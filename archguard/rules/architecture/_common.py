"""What the architecture rules share: turning graph facts into findings."""

from __future__ import annotations

from itertools import pairwise

import networkx as nx

from archguard.core.facts import ImportFact
from archguard.core.findings import Finding, Location
from archguard.core.fingerprint import make_fingerprint
from archguard.core.levels import Confidence, Severity
from archguard.core.rule_meta import RuleMeta
from archguard.graph.project import Project
from archguard.graph.web_index import at


def import_location(project: Project, module: str, fact: ImportFact, message: str = "") -> Location:
    path = project.modules[module].path
    return Location(path, fact.line, fact.column, fact.line, fact.column, message)


def module_location(project: Project, module: str, line: int = 1, message: str = "") -> Location:
    return at(project.modules[module].path, line, message)


def import_steps(project: Project, graph: nx.DiGraph, path: list[str]) -> tuple[Location, ...]:
    """A chain of modules as code-flow steps: the first import of each hop."""
    return tuple(
        import_location(project, a, graph.edges[a, b]["imports"][0], f"{a} imports {b}")
        for a, b in pairwise(path)
    )


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
