"""Each sample backend in fixtures/ is scanned, and the exact set of findings must equal
the ``# expect: RULE-ID`` marks in its files: a miss and an extra both fail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from archguard.app.scanning import ScanOptions, run_scan
from tests.conftest import FIXTURE_DIRS, FIXTURES, REPO, fixture_report

MARK = re.compile(r"#\s*expect:\s*(AG\d{3}(?:\s*,\s*AG\d{3})*)")


def expected_marks(root: Path) -> set[tuple[str, int, str]]:
    marks = set()
    for path in sorted(root.rglob("*.py")):
        # Paths are shown from the root of archguard's own git work tree.
        rel = path.relative_to(REPO).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = MARK.search(line)
            if match:
                marks.update((rel, number, rule.strip()) for rule in match.group(1).split(","))
    return marks


def test_there_are_fixtures_with_marks() -> None:
    assert len(FIXTURE_DIRS) >= 3
    # A fixture without marks exists to stay silent, and says so in its name.
    assert all(expected_marks(d) or d.name.endswith("_clean") for d in FIXTURE_DIRS)
    assert sum(1 for d in FIXTURE_DIRS if expected_marks(d)) >= 3


def test_the_clean_fixture_stays_silent_with_inferred_layers_too(tmp_path: Path) -> None:
    """Without its declared layers, archguard infers them; a clean tree stays clean."""
    import shutil

    copy = tmp_path / "layered_clean"
    shutil.copytree(FIXTURES / "layered_clean", copy)
    text = (copy / "pyproject.toml").read_text(encoding="utf-8")
    (copy / "pyproject.toml").write_text(text.split("[tool.archguard.layers]")[0], encoding="utf-8")
    report = run_scan(ScanOptions(paths=(copy,), use_cache=False, jobs=1))
    assert [(f.location.path, f.rule_id) for f in report.findings] == []
    assert dict(report.metrics)["layer_coverage"] >= 0.8


@pytest.mark.parametrize("root", FIXTURE_DIRS, ids=lambda p: p.name)
def test_findings_match_marks_exactly(root: Path) -> None:
    report = fixture_report(root)
    found = {(f.location.path, f.location.line, f.rule_id) for f in report.findings}
    expected = expected_marks(root)
    assert sorted(found - expected) == [], "findings without an expect mark"
    assert sorted(expected - found) == [], "expect marks without a finding"
    assert report.files_failed == 0
