"""The annotated examples of the taint rules (``rules/<name>.py``, once Semgrep's test
files) stay their tests: a finding on exactly the lines after ``# ruleid:``, and none on
the lines after ``# ok:`` or anywhere else."""

from __future__ import annotations

import re

import pytest

from archguard.app.examples import run_example
from archguard.core.rule_meta import Example
from archguard.rules.injection.insecure_deserialization import InsecureDeserialization
from archguard.rules.injection.insecure_file_upload import InsecureFileUpload
from archguard.rules.injection.sql_injection import SqlInjection
from archguard.rules.project_rule import ProjectRule
from tests.conftest import REPO

_ANNOTATION = re.compile(r"#\s*(ruleid|ok):\s*(.+)$")
RULES = [SqlInjection, InsecureFileUpload, InsecureDeserialization]


def _annotations(text: str) -> tuple[set[int], set[int]]:
    """Lines (1-based) that must hold a finding, and lines that must not."""
    fire: set[int] = set()
    silent: set[int] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        match = _ANNOTATION.search(line)
        if match:
            (fire if match.group(1) == "ruleid" else silent).add(number + 1)
    return fire, silent


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.meta.name)
def test_annotated_examples(rule: type[ProjectRule]) -> None:
    source = REPO / "rules" / f"{rule.meta.name}.py"
    text = source.read_text(encoding="utf-8")
    fire, silent = _annotations(text)
    assert fire and silent, "an annotated file shows both kinds"
    example = Example((("app/annotated.py", text),), True, path="app/annotated.py")
    findings = run_example(rule, example)
    lines = {f.location.line for f in findings}
    shown = "\n".join(f"{f.location.line}: {f.message}" for f in findings)
    assert lines == fire, shown
    assert not lines & silent, shown
    assert {f.rule_id for f in findings} == {rule.meta.id}
