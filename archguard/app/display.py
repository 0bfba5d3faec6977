"""Paths as users, GitHub and pre-commit see them.

Inside archguard every path is relative to the project root (the folder of its
configuration), and fingerprints are computed from those paths, so that a project's
identities do not depend on where it is scanned from. What is shown is rebased once,
here, before any reporter sees the report: inside a git work tree onto the work tree's
root (what code scanning and pre-commit match against), elsewhere onto the current
directory (or the project root, when the project is not below it). Names that are not
valid UTF-8 are escaped (``\\xe9``) on the way, so that every output stays valid text.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from archguard.core.findings import Finding, Location
from archguard.core.outcomes import Diagnostic
from archguard.core.report import BaselineEntry, ScanReport
from archguard.core.routes import Guard, Route
from archguard.scan import git


def display_root(root: Path) -> Path:
    """Where shown paths start for a project rooted at ``root``."""
    top = git.toplevel(root)
    if top is not None:
        return Path(os.path.realpath(top))
    here = Path(os.path.realpath(Path.cwd()))
    return here if _below(Path(os.path.realpath(root)), here) else root


def baseline_root(root: Path) -> Path:
    """Where the baseline's paths start: the git work tree's root, else the project
    root, so that a baseline never depends on the directory a scan runs from."""
    top = git.toplevel(root)
    return Path(os.path.realpath(top)) if top is not None else root


def prefix_for(root: Path, shown_from: Path) -> str:
    """The project root as seen from ``shown_from``: "" or "backend/" (or "../x/" for a
    project beside it)."""
    rel = os.path.relpath(os.path.realpath(root), os.path.realpath(shown_from))
    return "" if rel == "." else rel.replace(os.sep, "/") + "/"


def _below(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


def shown(path: str, prefix: str = "") -> str:
    """A project-relative path as displayed: rebased, and escaped if not UTF-8."""
    return clean(prefix + path if path else path)


def clean(text: str) -> str:
    """``text`` with undecodable bytes (surrogate escapes) written as ``\\xNN``."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text


def _location(loc: Location, prefix: str) -> Location:
    return replace(loc, path=shown(loc.path, prefix), message=clean(loc.message))


def _finding(finding: Finding, prefix: str) -> Finding:
    return replace(
        finding,
        message=clean(finding.message),
        location=_location(finding.location, prefix),
        related=tuple(_location(r, prefix) for r in finding.related),
        code_flows=tuple(tuple(_location(s, prefix) for s in flow) for flow in finding.code_flows),
    )


def _diagnostic(diagnostic: Diagnostic, prefix: str) -> Diagnostic:
    return replace(
        diagnostic, path=shown(diagnostic.path, prefix), message=clean(diagnostic.message)
    )


def rebase_report(report: ScanReport, prefix: str) -> ScanReport:
    """The report with every path shown from the display root."""
    return replace(
        report,
        findings=tuple(_finding(f, prefix) for f in report.findings),
        diagnostics=tuple(sorted(_diagnostic(d, prefix) for d in report.diagnostics)),
        fixed_baseline=tuple(replace(e, path=clean(e.path)) for e in report.fixed_baseline),
    )


def rebase_sources(sources: Mapping[str, bytes], prefix: str) -> dict[str, bytes]:
    return {shown(path, prefix): data for path, data in sources.items()}


def rebase_routes(routes: tuple[Route, ...], prefix: str) -> tuple[Route, ...]:
    return tuple(
        replace(
            route,
            location=_location(route.location, prefix),
            declared=_location(route.declared, prefix),
            scopes=tuple(_location(s, prefix) for s in route.scopes),
            guards=tuple(_guard(g, prefix) for g in route.guards),
        )
        for route in routes
    )


def rebase_diagnostics(diagnostics: tuple[Diagnostic, ...], prefix: str) -> tuple[Diagnostic, ...]:
    return tuple(sorted(_diagnostic(d, prefix) for d in diagnostics))


def _guard(guard: Guard, prefix: str) -> Guard:
    return replace(guard, location=_location(guard.location, prefix))


def baseline_entry(finding: Finding, prefix: str) -> BaselineEntry:
    return BaselineEntry(finding.rule_id, shown(finding.location.path, prefix), finding.fingerprint)
