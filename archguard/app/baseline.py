"""Baselines: accept today's findings, report only new ones.

The file lists (rule, path, fingerprint) triples. Fingerprints do not contain line
numbers, so a baselined finding stays baselined when code around it moves. A finding
matches an entry by rule and fingerprint: the fingerprint already names the path (from
the project root), and the path written beside it, relative to the git work tree's root
(else the project root), is for people and for telling which entries are now fixed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from archguard.app.errors import UsageError
from archguard.core.findings import Finding
from archguard.core.report import BaselineEntry

FORMAT = "archguard-baseline/1"


@dataclass(frozen=True)
class BaselineFile:
    entries: frozenset[BaselineEntry]

    def apply(
        self, findings: list[Finding], scope: set[str]
    ) -> tuple[list[Finding], int, tuple[BaselineEntry, ...]]:
        """(new findings, how many were baselined, baseline entries now fixed in scope)."""
        by_identity = {(e.rule_id, e.fingerprint): e for e in self.entries}
        found = set()
        kept = []
        for finding in findings:
            entry = by_identity.get((finding.rule_id, finding.fingerprint))
            if entry is not None:
                found.add(entry)
            else:
                kept.append(finding)
        fixed = tuple(
            sorted(
                (e for e in self.entries - found if e.path in scope),
                key=lambda e: (e.path, e.rule_id, e.fingerprint),
            )
        )
        return kept, len(findings) - len(kept), fixed


def read_baseline(path: Path) -> BaselineFile:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"baseline file does not exist: {path}") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read baseline {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UsageError(f"{path} is not an archguard baseline (expected format {FORMAT})")
    try:
        entries = frozenset(
            BaselineEntry(item["rule"], item["path"], item["fingerprint"])
            for item in data["findings"]
        )
    except (KeyError, TypeError):
        raise UsageError(f"{path}: malformed baseline entries") from None
    return BaselineFile(entries)


def render_baseline(findings: tuple[Finding, ...]) -> str:
    """The baseline of ``findings``, whose paths are already relative to the baseline's
    root (see ``display.baseline_root``)."""
    items = sorted(
        {(f.rule_id, f.location.path, f.fingerprint) for f in findings},
        key=lambda t: (t[1], t[0], t[2]),
    )
    data = {
        "format": FORMAT,
        "findings": [{"rule": r, "path": p, "fingerprint": fp} for r, p, fp in items],
    }
    return json.dumps(data, indent=2) + "\n"
