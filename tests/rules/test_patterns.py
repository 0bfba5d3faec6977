"""The pattern rules in rules/: Semgrep's own test runner checks every ``# ruleid:`` and
``# ok:`` annotation, and every Semgrep rule inside an archguard rule has both kinds."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import pytest

from archguard.rules.registry import all_rules, pattern_directory
from archguard.scan.pattern_rule import PatternRule
from archguard.scan.semgrep import find_semgrep
from tests.conftest import REPO

PATTERN_RULES = [r for r in all_rules() if issubclass(r, PatternRule)]
_ANNOTATION = re.compile(r"#\s*(ruleid|ok):\s*(.+)$")


@pytest.fixture(scope="module")
def semgrep_test_report() -> dict[str, Any]:
    executable = find_semgrep()
    assert executable, "semgrep is a dependency of archguard and must be installed"
    completed = subprocess.run(
        [executable, "--test", "--json", "--metrics=off", "--disable-version-check", "rules/"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.stdout, completed.stderr[-2000:]
    report: dict[str, Any] = json.loads(completed.stdout)
    return report


def test_pattern_rules_live_in_the_top_level_rules_directory() -> None:
    assert pattern_directory() == REPO / "rules"
    assert len(PATTERN_RULES) == len(list((REPO / "rules").glob("*.yaml")))


def test_semgrep_test_passes(semgrep_test_report: dict[str, Any]) -> None:
    report = semgrep_test_report
    assert report["config_with_errors"] == []
    # rules/taint/ holds the taint engine's library models, not Semgrep rules.
    assert [c for c in report["config_missing_tests"] if "/taint/" not in c] == []
    failures = {
        check: result["matches"]
        for config in report["results"].values()
        for check, result in config["checks"].items()
        if not result["passed"]
    }
    assert failures == {}
    checked = {check for config in report["results"].values() for check in config["checks"]}
    expected = {sub for rule in PATTERN_RULES for sub in rule.sub_rules}
    assert checked == expected, "every Semgrep rule is exercised by semgrep --test"


@pytest.mark.parametrize("rule", PATTERN_RULES, ids=lambda r: r.meta.id)
def test_every_shape_has_fire_and_silent_examples(rule: type[PatternRule]) -> None:
    fire: set[str] = set()
    silent: set[str] = set()
    for line in rule.test_file.read_text(encoding="utf-8").splitlines():
        match = _ANNOTATION.search(line)
        if match:
            names = {n.strip() for n in match.group(2).split(",")}
            (fire if match.group(1) == "ruleid" else silent).update(names)
    assert set(rule.sub_rules) <= fire, (
        f"shapes without a must-fire example: {set(rule.sub_rules) - fire}"
    )
    assert set(rule.sub_rules) <= silent, (
        f"shapes without a must-not-fire example: {set(rule.sub_rules) - silent}"
    )


@pytest.mark.parametrize("rule", PATTERN_RULES, ids=lambda r: r.meta.id)
def test_triggers_match_every_must_fire_line(rule: type[PatternRule]) -> None:
    """A trigger that missed a file the rule matches would silently drop findings."""
    assert rule.triggers, "pattern rules declare triggers, so Semgrep skips files they cannot match"
    lines = rule.test_file.read_text(encoding="utf-8").splitlines()
    # The imports at the top count: real files name the library there.
    body = next(
        i for i, line in enumerate(lines) if line.startswith(("def ", "async def ", "class ", "@"))
    )
    header = "\n".join(lines[:body])
    for number, line in enumerate(lines):
        match = _ANNOTATION.search(line)
        if match and match.group(1) == "ruleid":
            target = lines[number + 1]
            # A match that starts at a decorator or assignment spans the lines below it.
            window = header + "\n" + "\n".join(lines[number + 1 : number + 8])
            assert any(w in window.encode() for w in rule.triggers), (
                f"trigger misses line {number + 2}: {target}"
            )
