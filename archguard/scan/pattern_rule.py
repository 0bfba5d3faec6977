"""Rules that Semgrep matches: the rules of users' own Semgrep packs (``rule_packs``
loads them). archguard's own rules are all Python; this is the shape a pack's rule takes
inside archguard, so that it joins the same selection, report, suppressions, baseline
and SARIF.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from archguard.core.levels import Confidence, Severity
from archguard.core.rule_meta import RuleMeta


@dataclass(frozen=True)
class SubRule:
    """One Semgrep rule inside an archguard rule, with its own per-shape overrides."""

    semgrep_id: str
    severity: Severity
    confidence: Confidence | None
    fix: str
    #: Python rules that report the same problem; on a line where one of them fired,
    #: this shape stays quiet.
    overlaps: frozenset[str] = frozenset()


class PatternRule:
    """A rule whose matching Semgrep does: one rule of a user's pack. Subclasses are made
    by ``rule_packs.load_packs``."""

    meta: ClassVar[RuleMeta]
    #: The YAML file Semgrep reads.
    config: ClassVar[Path]
    #: Per Semgrep rule id (the last dotted part of Semgrep's ``check_id``).
    sub_rules: ClassVar[dict[str, SubRule]]
    #: Literal byte strings; a file that holds none of them cannot match the rule and
    #: is not handed to Semgrep. Empty means every file. (Literals, not a regex:
    #: ``in`` on bytes is several times faster than a regex alternation.)
    triggers: ClassVar[tuple[bytes, ...]]
