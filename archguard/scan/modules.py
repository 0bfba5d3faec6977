"""Module names from file paths and source roots."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath


def default_source_roots(
    files: Iterable[str],
    configured: tuple[str, ...],
    projects: tuple[str, ...] = (),
) -> tuple[str, ...]:
    """Configured roots, else ``src`` when it holds code, the folders of ``manage.py``
    files (Django projects), the folders of nested projects (directories with their own
    pyproject.toml, and their ``src``), and the project root itself."""
    if configured:
        return tuple(sorted({r.strip("/") or "." for r in configured}, key=_depth, reverse=True))
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
    return tuple(sorted(roots, key=_depth, reverse=True))


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
