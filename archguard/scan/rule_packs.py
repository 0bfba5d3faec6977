"""Users' own Semgrep rule packs: YAML files, or folders of them, named in
``[tool.archguard] semgrep-rules`` or with ``--semgrep-rules``.

Each Semgrep rule of a pack becomes one archguard rule, under the id the pack declares
with a ``semgrep/`` prefix (``semgrep/no-eval``), so that it can never take an ``AGnnn``
id. Its severity, confidence, CWE and references come from the rule itself (Semgrep's
``severity``, ``metadata.confidence``, ``metadata.cwe``, ``metadata.references``). Only
rules for Python run: archguard hands Semgrep Python files alone, and a checkout of a
community collection holds rules for many languages.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import RuleMeta
from archguard.scan.pattern_rule import PatternRule, SubRule

try:  # the C loader is several times faster; fall back where libyaml is absent
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

#: The namespace of pack rules' ids.
PREFIX = "semgrep/"
#: Semgrep's rule ids; anything else could not be written in a suppression comment.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_SEVERITY = {
    "CRITICAL": Severity.ERROR,
    "HIGH": Severity.ERROR,
    "ERROR": Severity.ERROR,
    "MEDIUM": Severity.WARNING,
    "WARNING": Severity.WARNING,
    "LOW": Severity.NOTE,
    "INFO": Severity.NOTE,
    "INVENTORY": Severity.NOTE,
    "EXPERIMENT": Severity.NOTE,
}
#: SARIF's security-severity by severity, for security rules that name none.
_SECURITY_SEVERITY = {Severity.ERROR: 7.5, Severity.WARNING: 5.0, Severity.NOTE: 2.0}
_PYTHON = frozenset({"python", "py", "python3"})
_CWE = re.compile(r"CWE-(\d+)", re.I)
_SUFFIXES = (".yaml", ".yml")


class RulePackError(ValueError):
    """Rule packs that cannot be used; the message names every problem."""


def pack_files(paths: list[Path]) -> list[Path]:
    """The YAML files of the packs: each file named, and the ``.yaml``/``.yml`` files
    under each folder named (hidden folders left out), in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.suffix in _SUFFIXES
                    and p.is_file()
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        else:
            found.append(path)
    return list(dict.fromkeys(p.resolve() for p in found))


def load_packs(paths: list[Path]) -> list[type[PatternRule]]:
    """One archguard rule per Python rule of the packs. Raises RulePackError listing
    every file that is missing, unreadable or malformed, and every id declared twice."""
    problems: list[str] = []
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise RulePackError("semgrep-rules: no such file or folder: " + ", ".join(missing))
    rules: list[type[PatternRule]] = []
    origin: dict[str, Path] = {}
    for path in pack_files(paths):
        for rule in _rules_of(path, problems):
            previous = origin.get(rule.meta.id)
            if previous is not None:
                problems.append(
                    f"{path}: rule id {rule.meta.id[len(PREFIX) :]} is also declared in "
                    f"{previous}; rule ids must be unique across the packs"
                )
                continue
            origin[rule.meta.id] = path
            rules.append(rule)
    if problems:
        raise RulePackError("\n".join(problems))
    return rules


def _rules_of(path: Path, problems: list[str]) -> list[type[PatternRule]]:
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.append(f"{path}: cannot read the rule pack: {_first_line(exc)}")
        return []
    entries = document.get("rules") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        problems.append(f"{path}: not a Semgrep rule file (no 'rules' list)")
        return []
    found = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            problems.append(f"{path}: rule {number} is not a mapping")
            continue
        rule_id = entry.get("id")
        if not isinstance(rule_id, str) or not _ID.fullmatch(rule_id):
            problems.append(f"{path}: rule {number} has no usable id ({rule_id!r})")
            continue
        languages = entry.get("languages") or []
        if not isinstance(languages, list) or not _PYTHON & {str(x).lower() for x in languages}:
            continue
        found.append(_pack_rule(path, rule_id, entry))
    return found


def _pack_rule(path: Path, rule_id: str, entry: dict[str, Any]) -> type[PatternRule]:
    metadata = entry.get("metadata") if isinstance(entry.get("metadata"), dict) else {}
    assert isinstance(metadata, dict)
    severity = _SEVERITY.get(str(entry.get("severity", "")).upper(), Severity.WARNING)
    confidence = _confidence(metadata.get("confidence"))
    cwe = tuple(sorted({int(n) for n in _CWE.findall(" ".join(_texts(metadata.get("cwe"))))}))
    security = str(metadata.get("category", "")).lower() == "security"
    message = " ".join(str(entry.get("message", "")).split())
    summary = _summary(message, rule_id)
    references = [r for r in _texts(metadata.get("references")) if r.startswith("http")]
    meta = RuleMeta(
        id=PREFIX + rule_id,
        name=rule_id,
        category=Category.CUSTOM,
        severity=severity,
        confidence=confidence,
        summary=summary,
        cwe=cwe,
        tags=frozenset({"semgrep", *(("security",) if security else ())}),
        security_severity=_security_severity(metadata, severity) if security else None,
        doc=_doc(path, message, references),
        reference=references[0] if references else "",
    )
    attrs: dict[str, Any] = {
        "meta": meta,
        "config": path,
        "sub_rules": {rule_id: SubRule(rule_id, severity, None, "")},
        "triggers": (),
        "__module__": __name__,
        "__doc__": meta.doc,
    }
    return type(f"Pack_{re.sub(r'[^A-Za-z0-9]', '_', rule_id)}", (PatternRule,), attrs)


def _confidence(value: object) -> Confidence:
    try:
        return Confidence(str(value).lower())
    except ValueError:
        return Confidence.MEDIUM


def _security_severity(metadata: dict[str, Any], severity: Severity) -> float:
    declared = metadata.get("security-severity")
    try:
        score = float(declared) if declared is not None else None
    except (TypeError, ValueError):
        score = None
    return score if score is not None and 0 < score <= 10 else _SECURITY_SEVERITY[severity]


def _texts(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)] if value is not None else []


def _summary(message: str, rule_id: str) -> str:
    """The message's first sentence, at most 120 characters, ending with a full stop."""
    first = re.split(r"(?<=[.!?])\s", message, maxsplit=1)[0] if message else ""
    text = first or f"Semgrep rule {rule_id}."
    if len(text) > 119:
        text = text[:116].rstrip() + "..."
    return text if text.endswith((".", "!", "?")) else text + "."


def _doc(path: Path, message: str, references: list[str]) -> str:
    lines = [
        "## What it does",
        f"A rule of the Semgrep rule pack `{path.name}`, run by archguard: {message}",
        "",
        "## Why is this bad?",
        "The pack's authors say so; see its message and references.",
        "",
        "## Example",
        "See the rule's patterns in the pack.",
        "",
        "## Use instead",
        "See the rule's message.",
        "",
        "## References",
        *(f"- {r}" for r in references),
    ]
    return "\n".join(lines).rstrip()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
