"""Every rule's own examples: must-fire examples fire on exactly the pinned lines, and
must-not-fire examples produce nothing at all."""

from __future__ import annotations

import pytest

from archguard.app.examples import examples_of, run_example
from archguard.core.rule_meta import Example
from archguard.rules.registry import AnyRule, all_rules

CASES = [(rule, example, case_id) for rule in all_rules() for case_id, example in examples_of(rule)]


@pytest.mark.parametrize(("rule", "example"), [c[:2] for c in CASES], ids=[c[2] for c in CASES])
def test_example(rule: AnyRule, example: Example) -> None:
    findings = run_example(rule, example)
    shown = [f"{f.location.path}:{f.location.line} {f.message}" for f in findings]
    if not example.must_fire:
        assert findings == [], f"{rule.meta.id} fired on a must-not-fire example: {shown}"
        return
    assert findings, f"{rule.meta.id} missed a must-fire example"
    assert {f.rule_id for f in findings} == {rule.meta.id}
    if example.lines:
        assert {f.location.line for f in findings if f.location.path == example.path} == set(
            example.lines
        ), shown
    if example.message:
        assert all(example.message in f.message for f in findings), shown
