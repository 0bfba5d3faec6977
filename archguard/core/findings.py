"""Findings and where they point."""

from __future__ import annotations

from dataclasses import dataclass

from archguard.core.levels import Category, Confidence, Severity


@dataclass(frozen=True, order=True)
class Location:
    """A region of a file.

    Lines and columns are 1-based; ``end_column`` is the column just after the region,
    as SARIF defines it. ``path`` is relative to the project root, with forward slashes.
    """

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    #: What this place has to do with the finding (for related locations and flow steps).
    message: str = ""


@dataclass(frozen=True)
class Finding:
    """One problem found by one rule at one place."""

    rule_id: str
    rule_name: str
    category: Category
    severity: Severity
    confidence: Confidence
    message: str
    location: Location
    #: Line-independent identity: survives edits elsewhere in the file (baselines, SARIF).
    fingerprint: str
    cwe: tuple[int, ...] = ()
    related: tuple[Location, ...] = ()
    #: Each flow is an ordered path of steps, e.g. an import chain.
    code_flows: tuple[tuple[Location, ...], ...] = ()
    fix: str = ""
    #: GitHub's primaryLocationLineHash; filled in once the whole scan is known.
    line_hash: str = ""
    #: Which shape of the problem matched (a pack's Semgrep rule, a Python rule's shape).
    pattern: str = ""

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.rule_id, self.fingerprint)
