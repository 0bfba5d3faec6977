"""The validated settings of one scan."""

from __future__ import annotations

from dataclasses import dataclass, field

from archguard.core.levels import Severity

DEFAULT_EXCLUDED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", ".env", "env", "node_modules", "build",
        "dist", "__pycache__", "site-packages", ".tox", ".nox", ".mypy_cache",
        ".pytest_cache", ".ruff_cache", ".eggs", ".archguard_cache",
    }
)


@dataclass(frozen=True)
class Settings:
    #: Rule ids or id prefixes to run ("ALL" for every rule).
    select: tuple[str, ...] = ("ALL",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    #: (glob, rule selectors) pairs; globs match repo-relative paths.
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: Globs of files or directories never analysed, even when named on the command line.
    exclude: tuple[str, ...] = ()
    fail_on: Severity = Severity.WARNING
    baseline: str | None = None
    #: Directories that hold top-level packages or modules, relative to the project root.
    src: tuple[str, ...] = ()
    cache_dir: str = ".archguard_cache"
    #: Files larger than this many bytes are skipped with a diagnostic.
    max_file_size: int = 2 * 1024 * 1024
    #: Globs of URL paths that are public by design (matched against the route's full
    #: path, e.g. "/api/v1/catalog/*"), added to the built-in ones (login, health, docs).
    public_routes: tuple[str, ...] = ()
    #: Layer settings for the architecture rules, kept as given until those rules read it.
    layers: tuple[tuple[str, object], ...] = field(default=())
