"""The annotated example files in rules/ test the rules that were once Semgrep YAML and
are now Python: ``# ruleid: <shape>`` on the line before each line that must be reported,
``# ok: <shape>`` before look-alikes that must not be, the convention ``semgrep --test``
uses. Every finding of the rule on the file must sit on a ``ruleid`` line with the shape
named there, and every ``ruleid`` line must get its finding. A shape is one of the
rule's ways of finding the problem (``Finding.pattern``); the rule's name matches any.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from archguard.app.examples import run_example
from archguard.core.rule_meta import Valid
from archguard.rules.registry import AnyRule, all_rules
from archguard.scan.file_rule import FileRule
from tests.conftest import REPO

_ANNOTATION = re.compile(r"#\s*(ruleid|ok):\s*(.+)$")


def _annotated_rules() -> list[tuple[AnyRule, Path]]:
    directory = REPO / "rules"
    found: list[tuple[AnyRule, Path]] = []
    for rule in all_rules():
        path = directory / f"{rule.meta.name}.py"
        # The taint rules (project rules) check their files line by line in
        # test_annotated_taint.py: their findings are paths, not one shape per line.
        if issubclass(rule, FileRule) and path.is_file():
            found.append((rule, path))
    return found


ANNOTATED = _annotated_rules()


def read_annotations(text: str) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    """(line, shape) pairs that must fire and that must stay silent; an annotation
    applies to the next line that is not itself a comment."""
    fire: set[tuple[int, str]] = set()
    silent: set[tuple[int, str]] = set()
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        match = _ANNOTATION.search(line)
        if not match or not line.lstrip().startswith("#"):
            continue
        target = number + 1
        while target <= len(lines) and lines[target - 1].lstrip().startswith("#"):
            target += 1
        names = {n.strip() for n in match.group(2).split(",") if n.strip()}
        (fire if match.group(1) == "ruleid" else silent).update((target, n) for n in names)
    return fire, silent


def test_the_moved_rules_keep_their_annotated_files() -> None:
    names = {rule.meta.name for rule, _ in ANNOTATED}
    assert {
        "weak-jwt", "insecure-cookie", "debug-endpoint", "weak-crypto", "plaintext-password",
        "missing-timeout",
    } <= names  # fmt: skip


@pytest.mark.parametrize(("rule", "path"), ANNOTATED, ids=[r.meta.id for r, _ in ANNOTATED])
def test_annotated_file(rule: AnyRule, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fire, silent = read_annotations(text)
    assert fire and silent, "an annotated file needs both ruleid and ok lines"
    example = Valid(text, path=f"app/{rule.meta.name.replace('-', '_')}.py")
    findings = run_example(rule, example)
    name = rule.meta.name
    got = {(f.location.line, f.pattern or name) for f in findings}

    def matches(expected: tuple[int, str], found: tuple[int, str]) -> bool:
        return expected[0] == found[0] and expected[1] in (found[1], name)

    missed = sorted(e for e in fire if not any(matches(e, g) for g in got))
    extra = sorted(g for g in got if not any(matches(e, g) for e in fire))
    wrongly = sorted(s for s in silent if any(matches(s, g) for g in got))
    assert (missed, extra, wrongly) == ([], [], []), (
        f"missed (line, shape): {missed}; reported without a ruleid line: {extra}; "
        f"reported on an ok line: {wrongly}"
    )


@pytest.mark.parametrize(("rule", "path"), ANNOTATED, ids=[r.meta.id for r, _ in ANNOTATED])
def test_every_shape_has_a_silent_twin(rule: AnyRule, path: Path) -> None:
    fire, silent = read_annotations(path.read_text(encoding="utf-8"))
    fired = {shape for _, shape in fire}
    quiet = {shape for _, shape in silent}
    assert fired <= quiet, f"shapes without a must-not-fire example: {sorted(fired - quiet)}"
