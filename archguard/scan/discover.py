"""Which files a scan covers.

Inside a git work tree the list comes from git (tracked files plus untracked files that
are not ignored), so drafts that git ignores never leak into the module graph; elsewhere
it comes from a directory walk. Default excluded directories and the ``exclude``
setting apply in both cases, and also to files named on the command line.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from archguard.config.globs import matches_any
from archguard.config.settings import DEFAULT_EXCLUDED_DIRS, Settings


def _git_files(root: Path) -> list[str] | None:
    try:
        done = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return [p for p in done.stdout.decode("utf-8", "surrogateescape").split("\0") if p]


def _walk(directory: Path, root: Path) -> list[str]:
    found = []
    base = len(str(root)) + 1
    for current, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in DEFAULT_EXCLUDED_DIRS)
        prefix = current[base:].replace(os.sep, "/")
        for name in files:
            if name.endswith(".py"):
                found.append(f"{prefix}/{name}" if prefix else name)
    return found


def _wanted(path: str, settings: Settings) -> bool:
    parts = PurePosixPath(path).parts
    if not path.endswith(".py") or any(part in DEFAULT_EXCLUDED_DIRS for part in parts[:-1]):
        return False
    return not matches_any(settings.exclude, path)


def discover_other(root: Path, settings: Settings, wanted: Callable[[str], bool]) -> list[str]:
    """Sorted repo-relative paths of the non-Python files under the whole project that
    ``wanted`` accepts (templates), listed as Python files are: from git when the root
    is a work tree, else by a walk; default excluded directories and ``exclude`` apply."""
    root = root.resolve()
    listed = _git_files(root)
    if listed is None:
        listed = []
        base = len(str(root)) + 1
        for current, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in DEFAULT_EXCLUDED_DIRS)
            prefix = current[base:].replace(os.sep, "/")
            listed.extend(f"{prefix}/{name}" if prefix else name for name in files)
    base_dir = str(root)
    return sorted(
        p
        for p in listed
        if wanted(p)
        and not any(part in DEFAULT_EXCLUDED_DIRS for part in PurePosixPath(p).parts[:-1])
        and not matches_any(settings.exclude, p)
        and os.path.isfile(f"{base_dir}/{p}")
    )


def discover(root: Path, targets: list[Path], settings: Settings) -> list[str]:
    """Sorted repo-relative paths of the Python files under ``targets``."""
    root = root.resolve()
    listed = _git_files(root)
    chosen: set[str] = set()
    for target in targets:
        target = target.resolve()
        rel = target.relative_to(root).as_posix() if target != root else ""
        if target.is_file():
            if rel.endswith(".py") and not matches_any(settings.exclude, rel):
                chosen.add(rel)
            continue
        if listed is None:
            chosen.update(p for p in _walk(target, root) if _wanted(p, settings))
        else:
            prefix = f"{rel}/" if rel else ""
            base = str(root)
            # git also lists files deleted from the work tree but not from the index.
            chosen.update(
                p
                for p in listed
                if p.startswith(prefix) and _wanted(p, settings) and os.path.isfile(f"{base}/{p}")
            )
    return sorted(chosen)
