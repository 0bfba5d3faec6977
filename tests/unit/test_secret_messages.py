"""No secret rule's message or fix holds the secret it found: every must-fire example of
the hardcoded-secret rules is run, and no string literal of the flagged line (other than
the names the message quotes on purpose) may appear in what the finding says."""

from __future__ import annotations

import ast
import re

import pytest

from archguard.app.examples import examples_of, run_example
from archguard.core.levels import Category
from archguard.core.rule_meta import Example
from archguard.rules.registry import AnyRule, all_rules
from archguard.rules.secrets._detect import redact

SECRET_RULES = [r for r in all_rules() if r.meta.category is Category.HARDCODED_SECRET]
CASES = [
    (rule, example, case_id)
    for rule in SECRET_RULES
    for case_id, example in examples_of(rule)
    if example.must_fire
]
#: Literals that are names (dict keys, settings, columns), not values.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _literals(source: str, line: int) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            first = node.lineno
            last = node.end_lineno or first
            if first <= line <= last:
                found.add(node.value)
    return found


def _sql_values(text: str) -> set[str]:
    """Quoted values inside SQL text: a seeded password hides there."""
    return set(re.findall(r"'([^']{4,})'", text))


@pytest.mark.parametrize(("rule", "example"), [c[:2] for c in CASES], ids=[c[2] for c in CASES])
def test_secret_messages_never_hold_the_value(rule: AnyRule, example: Example) -> None:
    sources = dict(example.files)
    for finding in run_example(rule, example):
        source = sources[finding.location.path]
        said = f"{finding.message}\n{finding.fix}"
        literals = _literals(source, finding.location.line)
        for literal in literals | {v for text in literals for v in _sql_values(text)}:
            if len(literal) < 4 or (_IDENTIFIER.fullmatch(literal) and f"`{literal}`" in said):
                continue
            if _IDENTIFIER.fullmatch(literal) and literal.lower() in {"admin", "default"}:
                continue  # user names and setting keys, not the secret
            if len(literal) >= 8:
                assert literal not in said, f"{rule.meta.id} printed {literal!r}: {said}"
            else:
                # A short word ("secret") may be part of the prose; quoted, it is the value.
                for quoted in (f"'{literal}'", f'"{literal}"', f"`{literal}`"):
                    assert quoted not in said, f"{rule.meta.id} printed {literal!r}: {said}"


def test_redact_shows_at_most_four_characters_and_the_length() -> None:
    assert redact("secret") == "'s…' (6 chars)"
    assert redact("k9Xv2LmQ8rT4wZ7yN3pB6sHc") == "'k9Xv…' (24 chars)"
    assert "woopie" not in redact("woopie")
