"""Which files a scan covers.

Inside a git work tree the list comes from git (tracked files plus untracked files that
are not ignored), so drafts that git ignores never leak into the module graph; elsewhere
it comes from a directory walk. Default excluded directories and the ``exclude``
setting apply in both cases, and also to files named on the command line.

Only regular files are analysed. A FIFO, socket or device named ``*.py`` would block
or never end a read, so it is reported and left alone; so is a symlink whose target is
outside the project (it is not followed) or missing. A symlink to a file inside the
project is analysed under its own path. A directory that cannot be listed is reported:
the files in it are missing from the scan, and the user must know.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from archguard.config.globs import matches, matches_any
from archguard.config.settings import DEFAULT_EXCLUDED_DIRS, Settings
from archguard.core.outcomes import Diagnostic, DiagnosticKind, Skipped

#: git's words for a directory it could not read while listing untracked files.
_GIT_UNREADABLE = re.compile(r"could not open directory '(.*)': (.*)")


@dataclass
class Discovery:
    """The files to analyse, and what was found but left out, with why."""

    files: list[str] = field(default_factory=list)
    #: Files that are not analysed because of what they are (not a regular file, a
    #: symlink leading outside the project), each with its diagnostic.
    refused: list[Skipped] = field(default_factory=list)
    #: Directories that could not be listed: their files are missing from the scan.
    unreadable: list[Diagnostic] = field(default_factory=list)
    #: Python files left out by a pattern: (path, the pattern, where it comes from).
    excluded: list[tuple[str, str, str]] = field(default_factory=list)


def _git_files(root: Path) -> tuple[list[str], list[Diagnostic]] | None:
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
    listed = [p for p in done.stdout.decode("utf-8", "surrogateescape").split("\0") if p]
    unreadable = []
    for line in done.stderr.decode("utf-8", "surrogateescape").splitlines():
        match = _GIT_UNREADABLE.search(line)
        if match:
            unreadable.append(_unreadable_dir(match.group(1).rstrip("/"), match.group(2)))
    return listed, unreadable


def _unreadable_dir(path: str, why: str) -> Diagnostic:
    return Diagnostic(
        path + "/",
        DiagnosticKind.UNREADABLE,
        f"directory not read ({why}): the Python files in it are not analysed",
        level="warning",
    )


def _walk(directory: Path, root: Path, found: Discovery) -> list[str]:
    paths = []
    base = len(str(root)) + 1

    def unreadable(error: OSError) -> None:
        where = str(error.filename or directory)
        rel = where[base:].replace(os.sep, "/") if len(where) >= base else "."
        found.unreadable.append(_unreadable_dir(rel or ".", error.strerror or str(error)))

    for current, dirs, files in os.walk(directory, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if d not in DEFAULT_EXCLUDED_DIRS)
        prefix = current[base:].replace(os.sep, "/")
        for name in files:
            if name.endswith(".py"):
                paths.append(f"{prefix}/{name}" if prefix else name)
    return paths


def _default_excluded(path: str) -> str | None:
    for part in PurePosixPath(path).parts[:-1]:
        if part in DEFAULT_EXCLUDED_DIRS:
            return part
    return None


def discover_other(root: Path, settings: Settings, wanted: Callable[[str], bool]) -> list[str]:
    """Sorted repo-relative paths of the non-Python files under the whole project that
    ``wanted`` accepts (templates), listed as Python files are: from git when the root
    is a work tree, else by a walk; default excluded directories and ``exclude`` apply."""
    root = root.resolve()
    git = _git_files(root)
    listed = git[0] if git is not None else None
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


def _exclusion(path: str, settings: Settings) -> tuple[str, str] | None:
    """(pattern, where it is set) of the first exclude that leaves ``path`` out."""
    folder = _default_excluded(path)
    if folder is not None:
        return folder, "default"
    for pattern in settings.exclude:
        if matches(pattern, path):
            return pattern, "exclude"
    return None


def _kind(root: str, path: str) -> Skipped | None:
    """Why ``path`` cannot be analysed as a regular file inside the project, or None."""
    full = f"{root}/{path}"
    try:
        info = os.lstat(full)
    except OSError as exc:
        return _skipped(path, f"cannot be examined: {exc.strerror}", DiagnosticKind.UNREADABLE)
    if stat.S_ISLNK(info.st_mode):
        target = os.path.realpath(full)
        if not _inside(target, root):
            return _skipped(
                path,
                "a symlink to a file outside the project: not followed",
                DiagnosticKind.SYMLINK,
            )
        try:
            info = os.stat(full)
        except OSError:
            return _skipped(path, "a symlink whose target does not exist", DiagnosticKind.SYMLINK)
    if stat.S_ISREG(info.st_mode):
        return None
    return _skipped(path, f"not a regular file ({_describe(info.st_mode)}): not read")


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def _describe(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a file"


def _skipped(path: str, why: str, kind: DiagnosticKind = DiagnosticKind.NOT_REGULAR) -> Skipped:
    return Skipped(path, Diagnostic(path, kind, f"skipped: {why}", level="note"))


def discover(root: Path, targets: list[Path], settings: Settings) -> Discovery:
    """Sorted root-relative paths of the Python files under ``targets``, with what was
    left out and why."""
    root = Path(os.path.realpath(root))
    base = str(root)
    found = Discovery()
    git = _git_files(root)
    candidates: set[str] = set()
    for given in targets:
        absolute = Path(os.path.abspath(given))
        is_dir = os.path.isdir(absolute)
        # The directories on the way are resolved, a file's own name is not: a symlink
        # named on the command line is judged like one found in a walk.
        target = (
            Path(os.path.realpath(absolute))
            if is_dir
            else Path(os.path.realpath(absolute.parent)) / absolute.name
        )
        rel = target.relative_to(root).as_posix() if target != root else ""
        if not is_dir:
            if rel.endswith(".py"):
                candidates.add(rel)
            continue
        if git is None:
            candidates.update(_walk(target, root, found))
        else:
            prefix = f"{rel}/" if rel else ""
            candidates.update(p for p in git[0] if p.startswith(prefix) and p.endswith(".py"))
            found.unreadable.extend(d for d in git[1] if d.path.startswith(prefix) or not prefix)
    refused: dict[str, Skipped] = {}
    for path in sorted(candidates):
        exclusion = _exclusion(path, settings)
        if exclusion is not None:
            found.excluded.append((path, *exclusion))
            continue
        if git is not None and not os.path.lexists(f"{base}/{path}"):
            continue  # git also lists files deleted from the work tree but not the index
        problem = _kind(base, path)
        if problem is None:
            found.files.append(path)
        else:
            refused[path] = problem
    found.refused = list(refused.values())
    found.unreadable = sorted(set(found.unreadable))
    return found
