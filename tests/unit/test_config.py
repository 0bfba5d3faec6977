from __future__ import annotations

from pathlib import Path

import pytest

from archguard.config.globs import matches
from archguard.config.loading import find_config, load_config, settings_from_table
from archguard.core.levels import Severity


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("tests", "tests/test_a.py", True),
        ("tests", "app/tests/test_a.py", True),
        ("tests/*.py", "app/tests/x.py", False),
        ("**/migrations/*.py", "app/migrations/0001.py", True),
        ("scripts/**", "scripts/a/b.py", True),
        ("*.py", "deep/er/x.py", True),
        ("app/legacy.py", "app/legacy.py", True),
        ("app/legacy.py", "app/legacy.pyc", False),
        ("vendor/", "vendor/x.py", True),
    ],
)
def test_globs(pattern: str, path: str, expected: bool) -> None:
    assert matches(pattern, path) is expected


def test_settings_from_table() -> None:
    settings, problems = settings_from_table(
        {
            "select": ["AG1"],
            "fail-on": "error",
            "per-file-ignores": {"tests/*": ["AG101"]},
            "max-file-size": 10,
            "layers": {"order": ["api", "services | tasks", "models"], "services": ["svc/*"]},
            "semgrep-rules": ["semgrep/", "org-rules.yaml"],
        },
        "pyproject.toml",
    )
    assert problems == []
    assert settings.semgrep_rules == ("semgrep/", "org-rules.yaml")
    assert settings.fail_on is Severity.ERROR
    assert settings.per_file_ignores == (("tests/*", ("AG101",)),)
    (contract,) = settings.layer_contracts
    assert [[layer.label for layer in level.layers] for level in contract.levels] == [
        ["api"],
        ["services", "tasks"],
        ["models"],
    ]
    assert contract.levels[1].independent
    assert settings.service_roots == ("svc/*",)


def test_every_problem_at_once() -> None:
    _, problems = settings_from_table(
        {
            "fail-on": "fatal",
            "max-file-size": -1,
            "exclude": "x",
            "per-file-ignores": {"a": "AG1"},
            "nope": True,
            "semgrep-rules": "semgrep/",
        },
        "archguard.toml",
    )
    assert sorted(p.key for p in problems) == [
        "exclude",
        "fail-on",
        "max-file-size",
        "nope",
        "per-file-ignores",
        "semgrep-rules",
    ]
    assert all(p.file == "archguard.toml" for p in problems)


def test_files(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.archguard]\nfail-on = "note"\n')
    (tmp_path / "pkg").mkdir()
    assert find_config(tmp_path / "pkg") == tmp_path / "pyproject.toml"
    settings, problems = load_config(tmp_path / "pyproject.toml")
    assert settings.fail_on is Severity.NOTE and problems == []
    (tmp_path / "archguard.toml").write_text("select = [\n")
    _, problems = load_config(tmp_path / "archguard.toml")
    assert "not valid TOML" in problems[0].message
