"""The pre-commit hook, run by the real pre-commit from this checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO, git_run

SECRET = 'SECRET_KEY = "q7Zp2Wm9Xr4Lk8Nv3Bt6Yh1Jd5Fs0Gc"\n'


def _pre_commit() -> list[str]:
    found = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("pre-commit is not installed; install the test extra")
    return [found]


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This checkout as it is now (tracked and untracked, unignored files), committed once
    into a repository of its own: every ``try-repo`` of the module names the same
    repository and commit, so pre-commit builds the hook's environment only once. (On a
    checkout with changes, ``try-repo`` would otherwise commit them anew, and install
    archguard anew, on every call.)"""
    target = tmp_path_factory.mktemp("hook-repo")
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8", "surrogateescape")
    for rel in filter(None, listed.split("\0")):
        source = REPO / rel
        if source.is_file():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / rel)
    git_run(target, "init", "-q")
    git_run(target, "add", "-A")
    git_run(target, "commit", "-qm", "archguard as tested")
    rev = subprocess.run(
        ["git", "-C", str(target), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return target, rev


def _try_repo(
    repo: tuple[Path, str], root: Path, home: Path, hook: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(
        [*_pre_commit(), "try-repo", str(repo[0]), hook, "--ref", repo[1], "--verbose", *extra],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_manifest_is_valid() -> None:
    done = subprocess.run(
        [*_pre_commit(), "validate-manifest", str(REPO / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_hook_reports_only_staged_files_and_reuses_the_cache(
    make_repo: Callable[..., Path], tmp_path: Path, hook_repo: tuple[Path, str]
) -> None:
    root = make_repo(
        {
            "app/__init__.py": "",
            "app/settings.py": SECRET,  # an old problem, committed before the hook
            "app/views.py": "from app.settings import SECRET_KEY\n",
            "app/clients.py": "import os\n\nAPI_TOKEN = os.environ['API_TOKEN']\n",
        },
        git=True,
    )
    home = tmp_path / "pre-commit-home"
    (root / "app" / "clients.py").write_text(
        'API_TOKEN = "Zq8Wm2Xr7Lk4Nv9Bt3Yh"\n', encoding="utf-8"
    )
    git_run(root, "add", "app/clients.py")

    first = _try_repo(hook_repo, root, home, "archguard")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "app/clients.py:1:13: AG101" in first.stdout
    assert "app/settings.py" not in first.stdout

    entries = {p: p.stat().st_mtime_ns for p in (root / ".archguard_cache").rglob("*.json")}
    # The whole repository was analysed. (Semgrep was not needed: the staged file holds
    # none of the pattern rules' trigger words.)
    assert len(entries) == 4
    second = _try_repo(hook_repo, root, home, "archguard")
    assert second.returncode == 1 and "app/clients.py:1:13: AG101" in second.stdout
    assert {p: p.stat().st_mtime_ns for p in (root / ".archguard_cache").rglob("*.json")} == entries

    # Fixing the staged file makes the hook pass, although settings.py still has its problem.
    (root / "app" / "clients.py").write_text(
        "import os\n\nAPI_TOKEN = os.environ['API_TOKEN']\n", encoding="utf-8"
    )
    git_run(root, "add", "app/clients.py")
    (root / "app" / "views.py").write_text(
        "from app.settings import SECRET_KEY  # touched\n", encoding="utf-8"
    )
    git_run(root, "add", "app/views.py")
    clean = _try_repo(hook_repo, root, home, "archguard")
    assert clean.returncode == 0, clean.stdout

    everything = _try_repo(hook_repo, root, home, "archguard-all")
    assert everything.returncode == 1 and "app/settings.py:1:14: AG101" in everything.stdout
