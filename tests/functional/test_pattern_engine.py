"""Semgrep inside a scan, driven by a user's rule pack (tests/data/semgrep_pack): its
findings join the others, a missing Semgrep is an error in every format, results are
cached per file, and a scan with nothing for Semgrep to do never starts it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from archguard.rules.registry import all_rules
from archguard.scan.pattern_rule import PatternRule
from tests.conftest import DATA

APP = {
    "shop/tools.py": """
        import subprocess

        def calculate(expression):
            return eval(expression)

        def calculate_safe(expression):
            return int(expression)

        def archive(name):
            subprocess.run(f"tar czf {name}.tgz data", shell=True)
        """,
}
PACK_CONFIG = 'semgrep-rules = ["packs"]\n'
#: archguard's own rules still written as Semgrep YAML, if any are left.
OWN_PATTERN_IDS = sorted(r.meta.id for r in all_rules() if issubclass(r, PatternRule))


def _json(result: Result) -> dict:  # type: ignore[type-arg]
    return json.loads(result.output)  # type: ignore[no-any-return]


def _project(make_repo: Callable[..., Path], files: dict[str, str] = APP) -> Path:
    root = make_repo(files, config=PACK_CONFIG)
    shutil.copytree(DATA / "semgrep_pack", root / "packs")
    return root


def _fake_semgrep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """From now on "Semgrep" only leaves a mark that it was started, and fails."""
    marker = tmp_path / "semgrep-was-started"
    fake = tmp_path / "fake-semgrep"
    fake.write_text(f"#!/bin/sh\ntouch {marker}\nexit 2\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("ARCHGUARD_SEMGREP", str(fake))
    return marker


def test_pack_findings_join_the_report(
    make_repo: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    root = _project(make_repo)
    result = cli("scan", root, "--format", "json", "--no-cache")
    assert result.exit_code == 1
    found = {(f["rule_id"], f["location"]["line"]) for f in _json(result)["findings"]}
    assert ("semgrep/no-eval", 4) in found and ("semgrep/no-shell-true", 10) in found
    assert not any(line == 7 for _, line in found), "the safe twin stays silent"
    assert not any(rule == "semgrep/no-js-eval" for rule, _ in found)


def test_missing_semgrep_is_an_error_in_every_format(
    make_repo: Callable[..., Path],
    cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = _project(make_repo, {"shop/ok.py": "def add(a, b):\n    return a + b\n"})
    monkeypatch.setenv("ARCHGUARD_SEMGREP", str(root / "no-such-semgrep"))
    text = cli("scan", root, "--no-cache")
    assert text.exit_code == 1
    assert "Semgrep rule packs (semgrep/" in text.output and "--no-semgrep" in text.output
    as_json = _json(cli("scan", root, "--no-cache", "--format", "json"))
    assert any(d["kind"] == "engine-failed" for d in as_json["diagnostics"])
    sarif = json.loads(cli("scan", root, "--no-cache", "--format", "sarif").output)
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any("did not run" in n["message"]["text"] and n["level"] == "error" for n in notes)
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False

    skipped = cli("scan", root, "--no-cache", "--no-semgrep", "--format", "sarif")
    assert skipped.exit_code == 0
    run = json.loads(skipped.output)["runs"][0]
    assert "toolExecutionNotifications" not in run["invocations"][0]
    driver_ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert not any(i.startswith("semgrep/") or i in OWN_PATTERN_IDS for i in driver_ids)
    assert {"AG502", "AG503", "AG504"} <= driver_ids, "native rules need no Semgrep"
    assert {"AG501", "AG507", "AG508"} <= driver_ids, "taint rules need no Semgrep"


def test_semgrep_results_are_cached_by_content(
    make_repo: Callable[..., Path],
    cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    root = _project(make_repo)
    first = _json(cli("scan", root, "--format", "json"))
    marker = _fake_semgrep(tmp_path, monkeypatch)
    second = _json(cli("scan", root, "--format", "json"))
    assert not marker.exists(), "an unchanged tree is served from the cache"
    assert second["findings"] == first["findings"] and second["diagnostics"] == []
    (root / "shop" / "tools.py").write_text("import subprocess\n", encoding="utf-8")
    third = _json(cli("scan", root, "--format", "json"))
    assert marker.exists(), "a changed file goes to Semgrep again"
    assert any(
        d["kind"] == "engine-failed" and "exit 2" in d["message"] for d in third["diagnostics"]
    )


def test_a_changed_pack_invalidates_the_cache(
    make_repo: Callable[..., Path],
    cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    root = _project(make_repo)
    cli("scan", root, "--format", "json")
    marker = _fake_semgrep(tmp_path, monkeypatch)
    pack = root / "packs" / "org" / "house-style.yml"
    pack.write_text(pack.read_text(encoding="utf-8").replace("INFO", "WARNING"), "utf-8")
    cli("scan", root, "--format", "json")
    assert marker.exists(), "results of the old rules are not reused"


def test_without_packs_semgrep_never_starts(
    make_repo: Callable[..., Path],
    cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    root = make_repo(APP)
    marker = _fake_semgrep(tmp_path, monkeypatch)
    ignore = [a for rule_id in OWN_PATTERN_IDS for a in ("--ignore", rule_id)]
    result = cli("scan", root, "--no-cache", "--format", "json", *ignore)
    assert not marker.exists()
    assert not any(d["kind"] == "engine-failed" for d in _json(result)["diagnostics"])
    assert result.exit_code == 0
