"""``archguard init`` adds a starter section and leaves everything else as it was."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from archguard.config.loading import load_config

EXISTING = """\
# The project's own settings, with comments that must survive.
[project]
name = "shop"   # keep this comment
version = "1.0"

[tool.ruff]
line-length = 100
"""


def test_init_adds_a_loadable_section_and_keeps_the_rest(
    tmp_path: Path, cli: Callable[..., Result]
) -> None:
    root = tmp_path / "shop"
    (root / "app").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "app" / "main.py").write_text(
        "from fastapi import FastAPI\nimport sqlalchemy\n", encoding="utf-8"
    )
    (root / "tests" / "test_main.py").write_text("import pytest\n", encoding="utf-8")
    (root / "pyproject.toml").write_text(EXISTING, encoding="utf-8")

    result = cli("init", root)
    assert result.exit_code == 0, result.output
    assert "FastAPI" in result.output and "SQLAlchemy" in result.output
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    assert text.startswith(EXISTING), "existing content and formatting untouched"
    section = tomllib.loads(text)["tool"]["archguard"]
    assert section["src"] == ["."] and section["per-file-ignores"] == {"tests/**": ["AG1"]}
    settings, problems = load_config(root / "pyproject.toml")
    assert problems == [] and settings.fail_on.value == "warning"
    assert cli("scan", root, "--no-semgrep").exit_code == 0

    again = cli("init", root)
    assert again.exit_code == 2 and "already has [tool.archguard]" in again.output
    assert cli("init", root, "--force").exit_code == 0
    assert (root / "pyproject.toml").read_text(encoding="utf-8").count("[tool.archguard]") == 1


def test_init_creates_pyproject_and_finds_src_layouts(
    tmp_path: Path, cli: Callable[..., Result]
) -> None:
    (tmp_path / "src" / "blog").mkdir(parents=True)
    (tmp_path / "src" / "blog" / "__init__.py").write_text(
        "from flask import Flask\n", encoding="utf-8"
    )
    result = cli("init", tmp_path)
    assert result.exit_code == 0 and "Created" in result.output
    section = tomllib.loads((tmp_path / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "archguard"
    ]
    assert section["src"] == ["src"]


def test_init_without_python_is_an_error(tmp_path: Path, cli: Callable[..., Result]) -> None:
    result = cli("init", tmp_path)
    assert result.exit_code == 2 and "no Python files" in result.output
    assert not (tmp_path / "pyproject.toml").exists()


def test_init_writes_the_inferred_layers_and_scans_enforce_them(
    tmp_path: Path,
    cli: Callable[..., Result],
) -> None:
    files = {
        "app/__init__.py": "",
        "app/api/__init__.py": "",
        "app/api/orders.py": "from app.services.orders import place\n",
        "app/services/__init__.py": "",
        "app/services/orders.py": "from app.repositories.orders import save\n",
        "app/repositories/__init__.py": "",
        "app/repositories/orders.py": "def save(order):\n    return order\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = cli("init", tmp_path)
    assert result.exit_code == 0, result.output
    section = tomllib.loads((tmp_path / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "archguard"
    ]
    assert section["layers"]["order"] == ["app.api", "app.services", "app.repositories"]
    settings, problems = load_config(tmp_path / "pyproject.toml")
    assert problems == [] and len(settings.layer_contracts) == 1
    assert cli("scan", tmp_path, "--no-semgrep", "--no-cache").exit_code == 0
    # The declared layers now hold: an upward import is reported as breaking them.
    (tmp_path / "app/repositories/orders.py").write_text("from app.api.orders import place\n")
    scan = cli("scan", tmp_path, "--no-semgrep", "--no-cache", "--select", "AG401")
    assert scan.exit_code == 1 and "declared in [tool.archguard.layers]" in scan.output
