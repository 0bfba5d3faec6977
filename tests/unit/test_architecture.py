"""archguard checks its own layering and typing, as it asks of the code it scans."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(REPO / ".venv" / "bin")) or shutil.which(name)
    if found is None:
        candidate = shutil.which(name, path=str(sys.prefix) + "/bin")
        if candidate is None:
            pytest.fail(f"{name} is not installed; install the test extra")
        found = candidate
    return found


def test_layers_hold() -> None:
    done = subprocess.run(
        [_tool("lint-imports"), "--no-cache"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 3 kept, 0 broken." in done.stdout
    # The domain packages are named in the layers contract, so a new one must be placed.
    assert "orm | web" in (REPO / "pyproject.toml").read_text(encoding="utf-8")


def test_mypy_strict() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "archguard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    "command",
    [["format", "--check", "."], ["check", "."]],
    ids=["ruff-format", "ruff-check"],
)
def test_ruff_keeps_archguards_own_code_formatted_and_linted(command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *command],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
