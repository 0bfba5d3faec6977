"""The command line as users meet it: exit codes, formats, options."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from tests.conftest import FIXTURES, assert_valid_sarif, git_run

Cli = Callable[..., Result]
SECRET = 'SECRET_KEY = "q7Zp2Wm9Xr4Lk8Nv3Bt6Yh1Jd5Fs0Gc"\n'
CLEAN = "import os\n\nSECRET_KEY = os.environ['SECRET_KEY']\n"


def test_findings_exit_1_and_exit_zero_exits_0(cli: Cli, make_repo: Callable[..., Path]) -> None:
    root = make_repo({"app/settings.py": SECRET})
    result = cli("scan", root, "--no-cache")
    assert result.exit_code == 1
    assert "app/settings.py:1:14: AG101 [error]" in result.output
    assert cli("scan", root, "--no-cache", "--exit-zero").exit_code == 0


def test_clean_tree_exits_0(cli: Cli, make_repo: Callable[..., Path]) -> None:
    root = make_repo({"app/settings.py": CLEAN})
    result = cli("scan", root, "--no-cache")
    assert result.exit_code == 0, result.output
    assert "No problems found." in result.output


def test_fail_on_threshold(cli: Cli, make_repo: Callable[..., Path]) -> None:
    root = make_repo({"shop/settings.py": "DEBUG = True\n"})
    result = cli("scan", root, "--no-cache")
    assert result.exit_code == 1 and "[warning]" in result.output
    assert cli("scan", root, "--no-cache", "--fail-on", "error").exit_code == 0


def test_missing_path_is_an_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("scan", tmp_path / "nope")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_no_python_files_is_an_error(cli: Cli, make_repo: Callable[..., Path]) -> None:
    root = make_repo({"README.md": "# nothing here\n"})
    result = cli("scan", root)
    assert result.exit_code == 2
    assert "no Python files" in result.output


def test_every_config_problem_reported_at_once(cli: Cli, make_repo: Callable[..., Path]) -> None:
    root = make_repo({"a.py": CLEAN}, config='fail_on = "error"\nselect = "AG1"\nbogus = 1\n')
    result = cli("scan", root)
    assert result.exit_code == 2
    assert (
        "pyproject.toml: tool.archguard.fail_on: unknown key (did you mean 'fail-on'?)"
        in result.output
    )
    assert "tool.archguard.select: must be a list of strings" in result.output
    assert "tool.archguard.bogus: unknown key" in result.output


def test_unknown_rule_selector_is_an_error(cli: Cli, make_repo: Callable[..., Path]) -> None:
    root = make_repo({"a.py": CLEAN})
    result = cli("scan", root, "--select", "AG9")
    assert result.exit_code == 2 and "no rule matches AG9" in result.output


def test_select_and_ignore_by_prefix(cli: Cli, make_repo: Callable[..., Path]) -> None:
    root = make_repo({"a.py": SECRET + 'URL = "postgresql://app:Xk9mQ2vL@db.example.net/app"\n'})
    both = json.loads(cli("scan", root, "--no-cache", "--format", "json").output)
    assert {f["rule_id"] for f in both["findings"]} == {"AG101", "AG103"}
    only = json.loads(
        cli("scan", root, "--no-cache", "--format", "json", "--select", "AG103").output
    )
    assert {f["rule_id"] for f in only["findings"]} == {"AG103"}
    rest = json.loads(
        cli("scan", root, "--no-cache", "--format", "json", "--ignore", "AG10").output
    )
    assert rest["findings"] == []


def test_bad_files_become_diagnostics_and_the_scan_goes_on(
    cli: Cli, make_repo: Callable[..., Path]
) -> None:
    root = make_repo(
        {
            "app/broken.py": "def f(:\n    pass\n",
            "app/latin1.py": "name = 'caf\xe9'\n".encode("latin-1"),
            "app/declared.py": "# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n".encode("latin-1"),
            "app/blob.py": b"\x00\x01\x02binary",
            "app/big.py": "x = 1\n" * 5000,
            "app/py314.py": "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n"
            'type Pair[T] = tuple[T, T]\nmsg = f"{\'nested\' + "quotes"}"\n',
            "app/settings.py": SECRET,
        },
        config="max-file-size = 20000\n",
    )
    result = cli("scan", root, "--no-cache", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    kinds = {d["path"]: d["kind"] for d in report["diagnostics"]}
    assert kinds == {
        "app/broken.py": "syntax-error",
        "app/latin1.py": "not-utf8",
        "app/blob.py": "binary",
        "app/big.py": "too-large",
    }
    assert [f["location"]["path"] for f in report["findings"]] == ["app/settings.py"]
    assert report["summary"]["analysed"] == 3  # declared.py, py314.py, settings.py
    text = cli("scan", root, "--no-cache").output
    assert (
        "app/broken.py:1: syntax-error [error] not analysed: syntax error at line 1, column 7:"
        in text
    )
    sarif = assert_valid_sarif(cli("scan", root, "--no-cache", "--format", "sarif").output)
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert len(notes) == 4


def test_changed_only_reports_only_named_files(cli: Cli, make_repo: Callable[..., Path]) -> None:
    root = make_repo({"a.py": SECRET, "b.py": SECRET}, git=True)
    result = cli("scan", "--no-cache", "--changed-only", root / "b.py")
    assert result.exit_code == 1
    assert "b.py:1:14" in result.output and "a.py" not in result.output
    assert cli("scan", "--changed-only").exit_code == 0  # pre-commit passed no file


def test_since_reports_only_changed_files(cli: Cli, make_repo: Callable[..., Path]) -> None:
    root = make_repo({"a.py": SECRET, "b.py": CLEAN}, git=True)
    (root / "b.py").write_text(CLEAN + 'API_KEY = "Zq8Wm2Xr7Lk4Nv9Bt3Yh"\n', encoding="utf-8")
    result = cli("scan", root, "--no-cache", "--since", "HEAD")
    assert "b.py:4" in result.output and "a.py" not in result.output
    assert cli("scan", root, "--since", "no-such-ref").exit_code == 2


def test_baseline_reports_only_new_findings(cli: Cli, make_repo: Callable[..., Path]) -> None:
    root = make_repo({"a.py": SECRET, "b.py": SECRET})
    written = cli("baseline", root, "--no-cache")
    assert written.exit_code == 0 and "Wrote 2 findings" in written.output
    baseline = root / "archguard-baseline.json"
    assert cli("scan", root, "--no-cache", "--baseline", baseline).exit_code == 0
    # Moving the finding down keeps it baselined: fingerprints have no line numbers.
    (root / "a.py").write_text("\n\n# moved\n" + SECRET, encoding="utf-8")
    (root / "b.py").write_text(CLEAN, encoding="utf-8")
    (root / "c.py").write_text('password = "Tr0ub4dor&3"\n', encoding="utf-8")
    result = cli("scan", root, "--no-cache", "--baseline", baseline, "--format", "json")
    report = json.loads(result.output)
    assert [f["location"]["path"] for f in report["findings"]] == ["c.py"]
    assert report["summary"]["baselined"] == 1
    assert [e["path"] for e in report["fixed_baseline_entries"]] == ["b.py"]


def test_suppressions(cli: Cli, make_repo: Callable[..., Path]) -> None:
    root = make_repo(
        {
            "a.py": SECRET.rstrip("\n") + "  # archguard: ignore[AG101]\n",
            "b.py": "# archguard: ignore[AG101]\n" + SECRET,
            "c.py": "# archguard: ignore-file[AG101]\n\n" + SECRET,
            "d.py": SECRET.rstrip("\n") + "  # archguard: ignore[AG102]\n",
            "e.py": "# archguard: ignore[AG777]\nx = 1\n",
        }
    )
    report = json.loads(cli("scan", root, "--no-cache", "--format", "json").output)
    assert [f["location"]["path"] for f in report["findings"]] == ["d.py"]
    assert report["summary"]["suppressed"] == 3
    assert [(d["path"], d["kind"]) for d in report["diagnostics"]] == [
        ("e.py", "unknown-rule-in-suppression")
    ]


def test_per_file_ignores_and_exclude(cli: Cli, make_repo: Callable[..., Path]) -> None:
    root = make_repo(
        {"scripts/seed.py": SECRET, "vendor/lib.py": SECRET, "app/x.py": SECRET},
        config='per-file-ignores = { "scripts/**" = ["AG1"] }\nexclude = ["vendor"]\n',
    )
    report = json.loads(cli("scan", root, "--no-cache", "--format", "json").output)
    assert [f["location"]["path"] for f in report["findings"]] == ["app/x.py"]
    assert report["summary"]["files"] == 2
    # Excludes apply to explicitly named files too, as pre-commit passes them.
    assert cli("scan", root / "vendor" / "lib.py", "--no-cache").exit_code == 2


def test_several_outputs_in_one_run(
    cli: Cli, make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_repo({"a.py": SECRET})
    out = tmp_path / "out"
    out.mkdir()
    result = cli(
        "scan",
        root,
        "--no-cache",
        "--sarif-output",
        out / "r.sarif",
        "--json-output",
        out / "r.json",
        "--github-output",
        out / "gh.txt",
        "--text-output",
        out / "r.txt",
    )
    assert result.exit_code == 1
    assert assert_valid_sarif((out / "r.sarif").read_text())["version"] == "2.1.0"
    assert json.loads((out / "r.json").read_text())["schema"] == "archguard-report/1"
    assert (out / "gh.txt").read_text().startswith("::error file=a.py,line=1,endLine=1,col=14")
    assert "a.py:1:14: AG101" in (out / "r.txt").read_text()


def test_quiet_and_statistics(cli: Cli, make_repo: Callable[..., Path]) -> None:
    root = make_repo({"a.py": SECRET, "b.py": SECRET})
    quiet = cli("scan", root, "--no-cache", "-q").output
    assert quiet.count("AG101") == 2 and "fix:" not in quiet and "Found" not in quiet
    stats = cli("scan", root, "--no-cache", "--statistics").output
    assert "    2  AG101  hardcoded-credential" in stats


def test_rules_listing_and_explain(cli: Cli) -> None:
    listing = cli("rules").output
    assert "AG101  hardcoded-credential" in listing
    doc = cli("rules", "--explain", "AG101").output
    assert "## What it does" in doc and "CWE-798" in doc
    assert cli("rules", "--explain", "hardcoded-credential").exit_code == 0
    assert cli("rules", "--explain", "AG999").exit_code == 2


def test_python_dash_m(make_repo: Callable[..., Path]) -> None:
    root = make_repo({"a.py": SECRET})
    done = subprocess.run(
        [sys.executable, "-m", "archguard", "scan", str(root), "--no-cache", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "a.py:1:14: AG101" in done.stdout


def test_fixture_git_work_tree(cli: Cli) -> None:
    """Fixtures live inside archguard's own git tree and are still their own projects
    (their own settings and module names); their paths are shown from the work tree's
    root, as GitHub code scanning expects."""
    result = cli("scan", FIXTURES / "flask_blog", "--no-cache", "--format", "json")
    paths = {f["location"]["path"] for f in json.loads(result.output)["findings"]}
    assert "fixtures/flask_blog/config.py" in paths
    assert all(p.startswith("fixtures/flask_blog/") for p in paths)


def test_untracked_ignored_files_are_left_out(cli: Cli, make_repo: Callable[..., Path]) -> None:
    root = make_repo({"a.py": CLEAN, ".gitignore": "drafts/\n"}, git=True)
    (root / "drafts").mkdir()
    (root / "drafts" / "x.py").write_text(SECRET, encoding="utf-8")
    (root / "new.py").write_text(SECRET, encoding="utf-8")
    git_run(root, "status")
    report = json.loads(cli("scan", root, "--no-cache", "--format", "json").output)
    assert [f["location"]["path"] for f in report["findings"]] == ["new.py"]


def test_misconfigured_source_roots_are_a_warning_naming_src(cli: Cli, tmp_path: Path) -> None:
    """A graph with no first-party edges while imports name the project's own packages
    would make every graph rule pass vacuously: the import-graph rules do not run, and
    a warning says which src to set; the rest of the scan stands."""
    (tmp_path / "pyproject.toml").write_text('[tool.archguard]\nsrc = ["."]\n')
    package = tmp_path / "code" / "app"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "main.py").write_text("from app.models import Order\n")
    (package / "models.py").write_text("class Order:\n    pass\n")
    (package / "settings.py").write_text('SECRET_KEY = "q7Zp2Wm9Xr4Lk8Nv3Bt6Yh1Jd5Fs0Gc"\n')
    result = cli("scan", tmp_path, "--no-cache", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    [warning] = report["diagnostics"]
    assert (warning["kind"], warning["level"]) == ("source-roots", "warning")
    assert 'src = ["code"]' in warning["message"] and "pyproject.toml" in warning["message"]
    assert [f["rule_id"] for f in report["findings"]] == ["AG101"]
    (package / "settings.py").unlink()
    (tmp_path / "pyproject.toml").write_text('[tool.archguard]\nsrc = ["code"]\n')
    fixed = cli("scan", tmp_path, "--no-cache")
    assert fixed.exit_code in (0, 1) and "Architecture: modules 2, edges 1" in fixed.output
