"""The validated settings of one scan."""

from __future__ import annotations

from dataclasses import dataclass, field

from archguard.core.levels import Severity
from archguard.core.taint import ModelEntry

DEFAULT_EXCLUDED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".env",
        "env",
        "node_modules",
        "build",
        "dist",
        "__pycache__",
        "site-packages",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".eggs",
        ".archguard_cache",
    }
)


#: Left out of the module graph unless configured otherwise: tests and migrations
#: import everything and nothing imports them, which says nothing about the design.
DEFAULT_GRAPH_EXCLUDE = (
    "tests",
    "test",
    "testing",
    "test_*.py",
    "*_test.py",
    "tests.py",
    "conftest.py",
    "migrations",
    "alembic",
)


@dataclass(frozen=True)
class Layer:
    """One layer of a declared layering: a label and the module prefixes it holds
    (relative to a container, when the contract has containers)."""

    label: str
    modules: tuple[str, ...]


@dataclass(frozen=True)
class LayerLevel:
    """Layers at one height. ``independent`` siblings (``a | b``) may not import each
    other; others (``a : b``) may."""

    layers: tuple[Layer, ...]
    independent: bool = True


@dataclass(frozen=True)
class LayerContract:
    """A declared layering, top to bottom: a layer may import the layers below it."""

    levels: tuple[LayerLevel, ...]
    #: Packages (globs allowed: ``shop.*``) inside which the layers repeat.
    containers: tuple[str, ...] = ()
    #: Where it was declared, for messages.
    source: str = "[tool.archguard.layers]"
    name: str = ""


@dataclass(frozen=True)
class Settings:
    #: Rule ids or id prefixes to run ("ALL" for every rule); empty means the default set.
    select: tuple[str, ...] = ()
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
    #: Declared layerings; empty means "infer one from module names".
    layer_contracts: tuple[LayerContract, ...] = field(default=())
    #: Globs of directories whose subdirectories are services (``services/*``); empty
    #: means the built-in ones (services, apps, packages) and nested pyproject.toml files.
    service_roots: tuple[str, ...] = ()
    #: Globs of files left out of the module graph and the architecture rules.
    graph_exclude: tuple[str, ...] = DEFAULT_GRAPH_EXCLUDE
    #: Keep security findings in tests, migrations, scripts and dev settings, as notes.
    report_non_production: bool = False
    #: Semgrep rule files or folders of them (relative to the project root), run beside
    #: archguard's own rules.
    semgrep_rules: tuple[str, ...] = ()
    #: The project's own taint sources, sinks and sanitizers (``[tool.archguard.taint]``),
    #: added to the built-in models of ``rules/taint/``.
    taint_models: tuple[ModelEntry, ...] = ()
