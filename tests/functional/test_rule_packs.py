"""Users' own Semgrep rule packs: configured or named on the command line, namespaced
ids, and the same suppressions, selection, baseline and SARIF as archguard's rules."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from tests.conftest import DATA, assert_valid_sarif

CODE = {
    "shop/tools.py": """
        import subprocess

        def calculate(expression):
            return eval(expression)

        def report(rows):
            print(rows)

        def archive(name):
            subprocess.run(f"tar czf {name}.tgz data", shell=True)  # archguard: ignore[semgrep/no-shell-true]
        """,
}


def _found(result: Result) -> set[tuple[str, int]]:
    return {(f["rule_id"], f["location"]["line"]) for f in json.loads(result.output)["findings"]}


def _with_pack(make_repo: Callable[..., Path], config: str = "") -> Path:
    root = make_repo(CODE, config=config)
    shutil.copytree(DATA / "semgrep_pack", root / "rules-of-the-house")
    return root


def test_configured_pack_rules_run_under_namespaced_ids(
    make_repo: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    root = _with_pack(make_repo, 'semgrep-rules = ["rules-of-the-house/org"]')
    result = cli("scan", root, "--format", "json", "--no-cache")
    found = _found(result)
    assert ("semgrep/no-eval", 4) in found
    assert ("semgrep/AG101", 7) in found, "a pack id that looks like ours cannot collide"
    assert not any(rule == "AG101" for rule, _ in found)
    assert not any(rule == "semgrep/no-shell-true" for rule, _ in found), "suppressed inline"
    report = json.loads(result.output)
    assert report["summary"]["suppressed"] == 1
    assert not any("unknown rule" in d["message"] for d in report["diagnostics"])
    severities = {f["rule_id"]: f["severity"] for f in report["findings"]}
    assert severities["semgrep/no-eval"] == "error" and severities["semgrep/AG101"] == "note"


def test_command_line_packs_add_to_the_configured_ones(
    make_repo: Callable[..., Path], cli: Callable[..., Result], tmp_path: Path
) -> None:
    root = _with_pack(make_repo)
    assert not any(
        r.startswith("semgrep/")
        for r, _ in _found(cli("scan", root, "--format", "json", "--no-cache"))
    )
    pack = root / "rules-of-the-house" / "org" / "dangerous-calls.yaml"
    found = _found(cli("scan", root, "--format", "json", "--no-cache", "--semgrep-rules", pack))
    assert ("semgrep/no-eval", 4) in found
    assert not any(r == "semgrep/AG101" for r, _ in found), "only the file named"


def test_pack_rules_are_selected_like_the_others(
    make_repo: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    root = _with_pack(make_repo, 'semgrep-rules = ["rules-of-the-house"]')
    ignored = _found(cli("scan", root, "--format", "json", "--no-cache", "--ignore", "semgrep/"))
    assert not any(r.startswith("semgrep/") for r, _ in ignored)
    one = _found(cli("scan", root, "--format", "json", "--no-cache", "--select", "semgrep/no-eval"))
    assert one == {("semgrep/no-eval", 4)}


def test_pack_findings_go_to_sarif_and_the_baseline(
    make_repo: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    root = _with_pack(make_repo, 'semgrep-rules = ["rules-of-the-house"]')
    sarif = assert_valid_sarif(cli("scan", root, "--format", "sarif", "--no-cache").output)
    run = sarif["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    no_eval = rules["semgrep/no-eval"]
    assert no_eval["helpUri"] == "https://docs.python.org/3/library/functions.html#eval"
    assert "external/cwe/cwe-95" in no_eval["properties"]["tags"]
    assert no_eval["properties"]["precision"] == "high"
    assert any(r["ruleId"] == "semgrep/no-eval" for r in run["results"])

    assert cli("baseline", root, "--no-cache").exit_code == 0
    baseline = root / "archguard-baseline.json"
    assert "semgrep/no-eval" in baseline.read_text(encoding="utf-8")
    after = json.loads(
        cli("scan", root, "--format", "json", "--no-cache", "--baseline", baseline).output
    )
    assert not any(f["rule_id"].startswith("semgrep/") for f in after["findings"])
    assert after["summary"]["baselined"] >= 2


def test_bad_packs_are_usage_errors(
    make_repo: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    root = _with_pack(make_repo, 'semgrep-rules = ["no-such-folder"]')
    missing = cli("scan", root, "--no-cache")
    assert missing.exit_code == 2 and "no-such-folder" in missing.output

    (root / "pyproject.toml").write_text("[tool.archguard]\n", encoding="utf-8")
    broken = root / "broken.yaml"
    broken.write_text("rules: [\n", encoding="utf-8")
    result = cli("scan", root, "--no-cache", "--semgrep-rules", broken)
    assert result.exit_code == 2 and "broken.yaml" in result.output

    twice = root / "twice.yaml"
    twice.write_text(
        "rules:\n  - {id: no-eval, languages: [python], severity: ERROR, message: m, pattern: eval(...)}\n",
        encoding="utf-8",
    )
    (root / "pyproject.toml").write_text(
        '[tool.archguard]\nsemgrep-rules = ["rules-of-the-house", "twice.yaml"]\n', encoding="utf-8"
    )
    result = cli("scan", root, "--no-cache")
    assert result.exit_code == 2 and "no-eval" in result.output and "unique" in result.output


def test_a_pack_rule_semgrep_cannot_parse_fails_the_run(
    make_repo: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    root = make_repo(CODE, config='semgrep-rules = ["bad.yaml"]')
    (root / "bad.yaml").write_text(
        "rules:\n  - id: unparsable\n    languages: [python]\n    severity: ERROR\n"
        "    message: m\n    pattern: 'eval((('\n",
        encoding="utf-8",
    )
    result = cli("scan", root, "--no-cache", "--format", "json")
    assert result.exit_code == 1
    failed = [d for d in json.loads(result.output)["diagnostics"] if d["kind"] == "engine-failed"]
    assert failed and "semgrep/unparsable" in failed[0]["message"]
