"""Rule listings and documentation, generated from the rule objects themselves."""

from __future__ import annotations

from archguard.app.errors import UsageError
from archguard.core.rule_meta import RuleMeta
from archguard.rules.registry import all_rules


def rule_metas() -> list[RuleMeta]:
    return [rule.meta for rule in all_rules()]


def explain(rule_id: str) -> str:
    for meta in rule_metas():
        if meta.id == rule_id.upper() or meta.name == rule_id:
            header = f"# {meta.id} {meta.name}\n\n{meta.summary}\n\n"
            facts = [
                f"- Category: {meta.category.value}",
                f"- Default severity: {meta.severity.value}",
                f"- Confidence: {meta.confidence.value}",
            ]
            if meta.cwe:
                facts.append("- CWE: " + ", ".join(f"CWE-{n}" for n in meta.cwe))
            return header + "\n".join(facts) + "\n\n" + meta.doc + "\n"
    raise UsageError(f"no rule with id or name '{rule_id}' (see 'archguard rules')")


def rules_table() -> str:
    lines = []
    for m in rule_metas():
        lines.append(
            f"{m.id}  {m.name:<28} {m.category.value:<20} {m.severity.value:<8} {m.summary}"
        )
    return "\n".join(lines) + "\n"


def rules_markdown() -> str:
    """The rule list as it appears in README.md (between the generated-section marks)."""
    lines = [
        "| id | name | category | severity | CWE | what it finds |",
        "|---|---|---|---|---|---|",
    ]
    for m in rule_metas():
        cwe = ", ".join(f"CWE-{n}" for n in m.cwe) or "-"
        cells = (m.id, f"`{m.name}`", m.category.value, m.severity.value, cwe, m.summary)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
