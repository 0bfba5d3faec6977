"""Rules that Semgrep matches: archguard's own YAML rules in the top-level ``rules/``
directory (while any remain), and the rules of users' packs (``rule_packs``).

One YAML file is one archguard rule; it may hold several Semgrep rules (one per shape of
the problem), and each of them carries the archguard identity under
``metadata.archguard`` (usually one YAML anchor shared by all of them). The docs that
``archguard rules --explain`` prints come from ``metadata.archguard.doc``, in the same
five headings as the docstrings of the Python rules. Beside each YAML file lives its
annotated test file (``# ruleid:`` / ``# ok:``), which ``semgrep --test`` runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import yaml

from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import RuleMeta

try:  # the C loader is several times faster; fall back where libyaml is absent
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


#: Each Semgrep rule's own severity field sets the severity of its findings.
_SEMGREP_SEVERITY = {"ERROR": Severity.ERROR, "WARNING": Severity.WARNING, "INFO": Severity.NOTE}


class PatternRuleError(ValueError):
    """A YAML rule file whose archguard metadata is missing or inconsistent."""


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
    """An archguard rule whose matching Semgrep does. Subclasses are made by
    :func:`load_pattern_rule`, one per YAML file."""

    meta: ClassVar[RuleMeta]
    #: The YAML file Semgrep reads.
    config: ClassVar[Path]
    #: Its annotated test file, run by ``semgrep --test``.
    test_file: ClassVar[Path]
    #: Per Semgrep rule id (the last dotted part of Semgrep's ``check_id``).
    sub_rules: ClassVar[dict[str, SubRule]]
    #: Literal byte strings; a file that holds none of them cannot match the rule and
    #: is not handed to Semgrep. Empty means every file. (Literals, not a regex:
    #: ``in`` on bytes is several times faster than a regex alternation.)
    triggers: ClassVar[tuple[bytes, ...]]
    #: A rule of a user's Semgrep pack (``rule_packs``), not one of archguard's own.
    from_pack: ClassVar[bool] = False


def load_pattern_rule(path: Path) -> type[PatternRule]:
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, yaml.YAMLError) as exc:
        raise PatternRuleError(f"{path.name}: cannot read: {exc}") from None
    entries = document.get("rules") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise PatternRuleError(f"{path.name}: no 'rules' list")
    metas = []
    subs: dict[str, SubRule] = {}
    for entry in entries:
        metadata = entry.get("metadata") or {}
        block = metadata.get("archguard")
        if not isinstance(block, dict):
            raise PatternRuleError(f"{path.name}: rule {entry.get('id')} lacks metadata.archguard")
        metas.append(_meta(path, block))
        confidence = metadata.get("confidence")
        subs[str(entry["id"])] = SubRule(
            semgrep_id=str(entry["id"]),
            severity=_SEMGREP_SEVERITY.get(
                str(entry.get("severity", "")).upper(), metas[-1].severity
            ),
            confidence=Confidence(str(confidence).lower()) if confidence else None,
            fix=str(metadata.get("fix", "")).strip(),
            overlaps=frozenset(str(i) for i in metadata.get("overlaps") or ()),
        )
    meta = metas[0]
    trigger = entries[0]["metadata"]["archguard"].get("triggers")
    if any(m != meta for m in metas[1:]):
        raise PatternRuleError(f"{path.name}: its Semgrep rules disagree on the archguard metadata")
    expected = meta.name + ".yaml"
    if path.name != expected:
        raise PatternRuleError(f"{path.name}: a rule named {meta.name} lives in {expected}")
    attrs: dict[str, Any] = {
        "meta": meta,
        "config": path,
        "test_file": path.with_suffix(".py"),
        "sub_rules": subs,
        "triggers": tuple(str(t).encode() for t in trigger or ()),
        "__module__": __name__,
        "__doc__": meta.doc,
    }
    return type(_class_name(meta.name), (PatternRule,), attrs)


def _meta(path: Path, block: dict[str, Any]) -> RuleMeta:
    try:
        cwe = block.get("cwe") or []
        score = block.get("security-severity")
        return RuleMeta(
            id=str(block["id"]),
            name=str(block["name"]),
            category=Category(block["category"]),
            severity=Severity(block["severity"]),
            confidence=Confidence(block["confidence"]),
            summary=str(block["summary"]).strip(),
            cwe=tuple(int(n) for n in (cwe if isinstance(cwe, list) else [cwe])),
            tags=frozenset(str(t) for t in block.get("tags") or ()),
            security_severity=float(score) if score is not None else None,
            doc=str(block.get("doc", "")).strip(),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise PatternRuleError(f"{path.name}: bad metadata.archguard: {exc!r}") from None


def _class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-")) + "Pattern"
