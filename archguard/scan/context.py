"""What a file rule knows about the file it is looking at."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import PurePosixPath

from archguard.scan.syntax import Names

_TEST_DIRS = frozenset({"test", "tests", "testing", "fixtures", "conftest"})
_SETTINGS_NAMES = frozenset({"settings", "config", "conf", "configuration"})
#: Folders of code that no request ever runs: one-off and operator scripts, CI, docs,
#: examples and demo or seed data.
_SCRIPT_DIRS = frozenset(
    {
        "scripts", "script", "bin", "tools", "ci", ".github", ".circleci", "devtools",
        "docs", "doc", "examples", "example", "demo", "demos", "samples", "sample",
        "seed", "seeds", "seeding", "fixtures_data", "benchmarks", "bench",
    }
)  # fmt: skip
_SCRIPT_FILES = frozenset(
    {"manage.py", "setup.py", "noxfile.py", "fabfile.py", "dodo.py", "wsgi_dev.py"}
)
_SCRIPT_NAME = re.compile(r"^(seed|seeds|seed_\w+|\w+_seed|populate\w*|demo_data|sample_data)\.py$")
#: Settings modules and config classes meant for a developer's machine or CI.
DEV_NAME = re.compile(
    r"(?i)(^|[._/])(dev|develop|development|local|test|testing|tests|ci|debug)($|[._/])"
    r"|Dev|Local|Test|Debug"
)


class PathKind(Enum):
    """Where a file sits, as far as findings care: code that serves requests, or code
    that never runs in production (tests, migrations, scripts, dev settings)."""

    CODE = "code"
    TEST = "test"
    MIGRATION = "migration"
    SCRIPT = "script"
    DEV_SETTINGS = "dev-settings"


def is_test_path(path: str) -> bool:
    """Test code and test fixtures, by file and folder names."""
    p = PurePosixPath(path)
    name = p.name
    if name.startswith("test_") or name.endswith("_test.py") or name in ("conftest.py", "tests.py"):
        return True
    folders = p.parts[:-1]
    if "features" in folders and "steps" in folders:
        return True  # behave's step definitions: ``features/steps/*.py``
    return any(part in _TEST_DIRS for part in folders)


def is_migration_path(path: str) -> bool:
    parts = PurePosixPath(path).parts[:-1]
    return "migrations" in parts or ("alembic" in parts and "versions" in parts)


def path_kind(path: str) -> PathKind:
    """What the file at a repo-relative path is for, by file and folder names."""
    if is_test_path(path):
        return PathKind.TEST
    if is_migration_path(path):
        return PathKind.MIGRATION
    p = PurePosixPath(path)
    folders = p.parts[:-1]
    if (
        p.name in _SCRIPT_FILES
        or _SCRIPT_NAME.match(p.name)
        or any(part in _SCRIPT_DIRS for part in folders)
        or "/management/commands/" in f"/{path}"
    ):
        return PathKind.SCRIPT
    module = p.with_suffix("").as_posix()
    if any(part in _SETTINGS_NAMES for part in (*folders[-1:], p.stem.split("_")[0])) and (
        DEV_NAME.search(module.rsplit("/", 1)[-1])
    ):
        return PathKind.DEV_SETTINGS
    return PathKind.CODE


@dataclass(frozen=True)
class Span:
    """1-based lines and columns, counted in characters; ``end_column`` is just after
    the last character."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass
class FileContext:
    #: Repo-relative POSIX path.
    path: str
    #: Dotted module name ("" when the file is outside every source root).
    module: str
    is_package: bool
    source: str
    names: Names
    lines: list[str] = field(default_factory=list)

    @property
    def is_test(self) -> bool:
        """Test code and test fixtures, where findings matter less."""
        return is_test_path(self.path)

    @property
    def is_migration(self) -> bool:
        return is_migration_path(self.path)

    @property
    def is_settings(self) -> bool:
        """A settings or configuration module (Django settings, Flask config, ...)."""
        segments = self.module.split(".") if self.module else [PurePosixPath(self.path).stem]
        return segments[-1] in _SETTINGS_NAMES or (
            len(segments) > 1 and segments[-2] in _SETTINGS_NAMES
        )

    def column(self, line: int, byte_offset: int) -> int:
        """1-based character column of a UTF-8 byte offset, as ``ast`` counts them."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return byte_offset + 1
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "replace")) + 1

    def span(self, node: ast.AST) -> Span:
        line = getattr(node, "lineno", 1)
        end_line = getattr(node, "end_lineno", None) or line
        start = self.column(line, getattr(node, "col_offset", 0))
        end_offset = getattr(node, "end_col_offset", None)
        end = self.column(end_line, end_offset) if end_offset is not None else start
        return Span(line, start, end_line, end)

    def code(self, node: ast.AST) -> str:
        """The node's source text (for fingerprints of findings without a symbol)."""
        return ast.get_source_segment(self.source, node) or ast.unparse(node)
