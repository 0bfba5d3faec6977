"""The Semgrep engine inside a scan: its findings join the others, a missing Semgrep
is an error in every format, its results are cached, and duplicates are dropped."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from archguard.rules.registry import all_rules
from archguard.scan.pattern_rule import PatternRule

APP = {
    "shop/db.py": """
        import jwt
        import requests

        def find(cursor, name):
            cursor.execute(f"SELECT * FROM users WHERE name = '{name}'")
            return cursor.fetchall()

        def find_safe(cursor, name):
            cursor.execute("SELECT * FROM users WHERE name = %s", [name])
            return cursor.fetchall()

        def ping(url):
            return requests.get(url)

        def token(user):
            return jwt.encode({"sub": user.id, "exp": 1}, "sh0rt-k3y!", algorithm="HS256")
        """,
}


def _json(result: Result) -> dict:
    return json.loads(result.output)


def test_pattern_findings_join_the_report(
    make_repo: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    root = make_repo(APP)
    result = cli("scan", root, "--format", "json", "--no-cache")
    assert result.exit_code == 1
    found = {(f["rule_id"], f["location"]["line"]) for f in _json(result)["findings"]}
    assert ("AG501", 5) in found and ("AG509", 13) in found
    assert not any(line == 9 for _, line in found), "the parameterized twin stays silent"
    # The literal key is the hardcoded-signing-key rule's finding; weak-jwt's short-key
    # shape declares that overlap and stays quiet on the same line.
    assert ("AG104", 16) in found and ("AG502", 16) not in found
    assert "sh0rt-k3y!" not in result.output


def test_missing_semgrep_is_an_error_in_every_format(
    make_repo: Callable[..., Path],
    cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = make_repo({"shop/ok.py": "def add(a, b):\n    return a + b\n"})
    monkeypatch.setenv("ARCHGUARD_SEMGREP", str(root / "no-such-semgrep"))
    text = cli("scan", root, "--no-cache")
    assert text.exit_code == 1
    assert "pattern rules AG501" in text.output and "--no-semgrep" in text.output
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
    pattern_ids = {r.meta.id for r in all_rules() if issubclass(r, PatternRule)}
    assert pattern_ids, "some built-in rules still run on Semgrep"
    assert not any(r["id"] in pattern_ids for r in run["tool"]["driver"]["rules"])


def test_semgrep_results_are_cached_by_content(
    make_repo: Callable[..., Path],
    cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    root = make_repo(APP)
    first = _json(cli("scan", root, "--format", "json"))
    # From now on "Semgrep" only leaves a mark that it was started, and fails.
    marker = tmp_path / "semgrep-was-started"
    fake = tmp_path / "fake-semgrep"
    fake.write_text(f"#!/bin/sh\ntouch {marker}\nexit 2\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("ARCHGUARD_SEMGREP", str(fake))
    second = _json(cli("scan", root, "--format", "json"))
    assert not marker.exists(), "an unchanged tree is served from the cache"
    assert second["findings"] == first["findings"] and second["diagnostics"] == []
    (root / "shop" / "db.py").write_text(
        "def run(cursor):\n    cursor.execute('SELECT 1')\n", encoding="utf-8"
    )
    third = _json(cli("scan", root, "--format", "json"))
    assert marker.exists(), "a changed file that a pattern rule could match goes to Semgrep"
    assert any(
        d["kind"] == "engine-failed" and "exit 2" in d["message"] for d in third["diagnostics"]
    )
