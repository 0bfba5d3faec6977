"""Module names from file paths and source roots."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath

#: ``import x`` / ``from x... import``: the top-level name of an absolute import.
_IMPORT = re.compile(
    rb"^[ \t]*(?:from[ \t]+([A-Za-z_]\w*)[\w.]*[ \t]+import\b|import[ \t]+([A-Za-z_]\w*))", re.M
)


def default_source_roots(
    files: Iterable[str],
    configured: tuple[str, ...],
    projects: tuple[str, ...] = (),
    sources: Mapping[str, bytes] | None = None,
) -> tuple[str, ...]:
    """Configured roots, else ``src`` when it holds code, the folders of ``manage.py``
    files (Django projects), the folders of nested projects (directories with their own
    pyproject.toml, and their ``src``), the folders that apps import from (see
    ``_import_roots``), and the project root itself."""
    if configured:
        return tuple(sorted({r.strip("/") or "." for r in configured}, key=_depth, reverse=True))
    files = list(files)
    roots = {"."} | set(projects)
    for path in files:
        p = PurePosixPath(path)
        if p.parts and p.parts[0] == "src" and len(p.parts) > 1:
            roots.add("src")
        if p.name == "manage.py":
            roots.add(str(p.parent))
        for project in projects:
            if path.startswith(project + "/src/"):
                roots.add(project + "/src")
    if sources:
        roots |= _import_roots(files, sources, roots)
    return tuple(sorted(roots, key=_depth, reverse=True))


def _import_roots(files: list[str], sources: Mapping[str, bytes], known: set[str]) -> set[str]:
    """Folders that hold side-by-side apps: a file imports a top-level name that none of
    the known roots provides, but a folder above it that is not a package does (its
    ``models.py``, its ``app/``). Tutorial and exercise repositories, and services run
    from their own folder, look like this; each such folder is a root of its own. A
    folder inside a package, and a name of the standard library (a local ``email.py``
    beside ``import email``), never make a root."""
    names: dict[str, set[str]] = {}
    packages: set[str] = set()
    for path in files:
        parts = PurePosixPath(path).parts
        for depth in range(len(parts)):
            folder = "/".join(parts[:depth]) or "."
            name = parts[depth].removesuffix(".py") if depth == len(parts) - 1 else parts[depth]
            names.setdefault(folder, set()).add(name)
        if parts[-1] == "__init__.py":
            packages.add("/".join(parts[:-1]))
    found: set[str] = set()
    for path in files:
        parts = PurePosixPath(path).parts[:-1]
        ancestors = ["/".join(parts[:depth]) for depth in range(len(parts), 0, -1)]
        covering = [r for r in known | found if r == "." or path.startswith(r + "/")]
        for match in _IMPORT.finditer(sources.get(path, b"")):
            top = (match.group(1) or match.group(2)).decode("ascii")
            if top in sys.stdlib_module_names or any(
                top in names.get(root, ()) for root in covering
            ):
                continue
            for folder in ancestors:
                if top in names.get(folder, ()):
                    parent = folder.rpartition("/")[0]
                    if folder not in packages and parent not in packages:
                        found.add(folder)
                        covering.append(folder)
                    break
    return found


def _depth(root: str) -> tuple[int, str]:
    return (0 if root == "." else len(PurePosixPath(root).parts), root)


def module_name(path: str, roots: tuple[str, ...]) -> tuple[str, bool]:
    """(dotted module name, is a package ``__init__``) under the deepest matching root."""
    p = PurePosixPath(path)
    for root in roots:
        if root == ".":
            rel = p
        else:
            try:
                rel = p.relative_to(root)
            except ValueError:
                continue
        parts = list(rel.with_suffix("").parts)
        is_package = bool(parts) and parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        if all(part.isidentifier() for part in parts) or (
            parts and _numbered(parts[-1]) and all(part.isidentifier() for part in parts[:-1])
        ):
            return ".".join(parts), is_package
        return "", is_package
    return "", False


def _numbered(stem: str) -> bool:
    """``0008_backfill``: a Django migration's name. No ``import`` statement can name it,
    but ``importlib.import_module("shop.migrations.0008_backfill")`` can, and Django's
    migration loader does."""
    return stem[:1].isdigit() and ("_" + stem).isidentifier()
