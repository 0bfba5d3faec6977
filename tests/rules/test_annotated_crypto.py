"""The annotated example files of the crypto, password and timeout rules: each native
rule, run on ``rules/<name>.py``, fires on exactly the lines below its ``# ruleid:``
comments and on nothing else (the ``# ok:`` lines and everything around them stay
silent). The annotations name the shape of the problem; any shape of the rule counts.
"""

from __future__ import annotations

import re

import pytest

from archguard.app.file_pass import file_pass
from archguard.core.outcomes import Analysed
from archguard.rules.crypto.plaintext_password import PlaintextPassword
from archguard.rules.crypto.weak_crypto import WeakCrypto
from archguard.rules.network.missing_timeout import MissingTimeout
from archguard.scan.analyze import FileJob, analyze
from archguard.scan.file_rule import FileRule
from tests.conftest import REPO

_ANNOTATION = re.compile(r"#\s*(ruleid|ok):\s*(.+)$")
RULES: list[type[FileRule]] = [WeakCrypto, PlaintextPassword, MissingTimeout]


def _annotated(path_text: str) -> tuple[set[int], set[int]]:
    """(lines that must fire, lines that must stay silent), 1-based."""
    fire: set[int] = set()
    silent: set[int] = set()
    for number, line in enumerate(path_text.splitlines(), start=1):
        match = _ANNOTATION.search(line)
        if match:
            (fire if match.group(1) == "ruleid" else silent).add(number + 1)
    return fire, silent


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.meta.id)
def test_rule_fires_exactly_on_its_annotated_lines(rule: type[FileRule]) -> None:
    path = REPO / "rules" / f"{rule.meta.name}.py"
    text = path.read_text(encoding="utf-8")
    fire, silent = _annotated(text)
    assert fire and silent, "an annotated file has must-fire and must-not-fire lines"
    outcome = analyze(
        FileJob(f"rules/{path.name}", text.encode("utf-8"), "", False),
        file_pass([rule], 2 * 1024 * 1024),
    )
    assert isinstance(outcome, Analysed), outcome
    found = {f.location.line for f in outcome.findings if f.rule_id == rule.meta.id}
    shown = sorted(
        (f.location.line, f.message[:90]) for f in outcome.findings if f.location.line not in fire
    )
    assert found - fire == set(), f"fired where nothing is annotated: {shown}"
    assert fire - found == set(), f"missed annotated lines: {sorted(fire - found)}"
