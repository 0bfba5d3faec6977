"""The few questions archguard asks git."""

from __future__ import annotations

import subprocess
from pathlib import Path


class GitError(Exception):
    pass


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"cannot run git: {exc}") from exc
    if done.returncode != 0:
        raise GitError(done.stderr.decode("utf-8", "replace").strip() or "git failed")
    return done.stdout.decode("utf-8", "surrogateescape")


def toplevel(path: Path) -> Path | None:
    try:
        return Path(
            _git(path if path.is_dir() else path.parent, "rev-parse", "--show-toplevel").strip()
        )
    except GitError:
        return None


def tracked_under(root: Path, directory: Path) -> list[str]:
    """Files under ``directory`` that git tracks (nothing outside a work tree)."""
    try:
        listed = _git(root, "ls-files", "-z", "--", str(directory))
    except GitError:
        return []
    return [p for p in listed.split("\0") if p]


def changed_since(root: Path, ref: str) -> set[str]:
    """Files (relative to ``root``) changed between ``ref`` and the working tree,
    untracked files included."""
    diff = _git(root, "diff", "--name-only", "--relative", "-z", ref, "--")
    untracked = _git(root, "ls-files", "-z", "--others", "--exclude-standard")
    return {p for p in (diff + "\0" + untracked).split("\0") if p}
