"""Invariants of every rule's metadata and docs, and the generated README list."""

from __future__ import annotations

import re

import pytest

from archguard.app.catalog import rules_markdown
from archguard.core.levels import Category
from archguard.core.rule_meta import DOC_HEADINGS, RULE_ID_PATTERN, RULE_NAME_PATTERN
from archguard.rules.registry import AnyRule, all_rules
from archguard.scan.analyze import FileRuleSet
from archguard.scan.file_rule import FileRule
from archguard.scan.pattern_rule import PatternRule
from tests.conftest import REPO


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.meta.id)
def test_rule_metadata(rule: AnyRule) -> None:
    meta = rule.meta
    assert RULE_ID_PATTERN.fullmatch(meta.id)
    assert RULE_NAME_PATTERN.fullmatch(meta.name)
    assert isinstance(meta.category, Category)
    assert meta.summary.endswith(".") and len(meta.summary) <= 120
    positions = [meta.doc.find(h) for h in DOC_HEADINGS]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), "doc headings"
    assert "http" in meta.section("References")
    if meta.is_security:
        assert meta.cwe, "security rules name a CWE"
        assert meta.security_severity is not None and 0 < meta.security_severity <= 10
    assert not issubclass(rule, PatternRule), "archguard's own rules are all Python"
    assert rule.VALID and rule.INVALID
    assert all(not e.must_fire for e in rule.VALID) and all(e.must_fire for e in rule.INVALID)
    assert all(e.lines for e in rule.INVALID), "must-fire examples pin their lines"
    assert rule.__module__.rsplit(".", 1)[-1] == meta.name.replace("-", "_"), (
        "one file per rule, named after it"
    )


def test_family_numbering() -> None:
    for rule in all_rules():
        family = "patterns" if issubclass(rule, PatternRule) else rule.__module__.split(".")[2]
        prefix = {
            "secrets": "AG1",
            "access": "AG2",
            "patterns": "AG5",
            "web_security": "AG5",
            "injection": "AG5",
            "crypto": "AG5",
            "network": "AG5",
            "settings": "AG6",
            "ops": "AG7",
            "architecture": "AG4",
            "database": "AG3",
        }[family]
        assert rule.meta.id.startswith(prefix), (rule.meta.id, family)


def test_triggers_compile_together() -> None:
    ruleset = FileRuleSet([r for r in all_rules() if issubclass(r, FileRule)])
    assert ruleset.rules_for(b'x = "no match here"\n') == []
    assert ruleset.rules_for(b'SECRET_KEY = "abc"\n')


def test_readme_rule_list_is_generated() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- rules:start -->\n(.*?)<!-- rules:end -->", readme, re.S)
    assert block, "README lacks the generated rule list"
    assert block.group(1) == rules_markdown(), "regenerate with: archguard rules --format markdown"


def test_ci_runs_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(python -m pip install[^\n]*pytest)\n```", readme)
    assert len(commands) == 1
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.rstrip().splitlines()[-1] == commands[0]
