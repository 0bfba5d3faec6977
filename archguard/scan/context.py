"""What a file rule knows about the file it is looking at."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from archguard.scan.resolver import ImportTable

_TEST_DIRS = frozenset({"test", "tests", "testing", "fixtures", "conftest"})
_SETTINGS_NAMES = frozenset({"settings", "config", "conf", "configuration"})


def is_test_path(path: str) -> bool:
    """Test code and test fixtures, by file and folder names."""
    p = PurePosixPath(path)
    name = p.name
    if name.startswith("test_") or name.endswith("_test.py") or name in ("conftest.py", "tests.py"):
        return True
    return any(part in _TEST_DIRS for part in p.parts[:-1])


@dataclass
class FileContext:
    #: Repo-relative POSIX path.
    path: str
    #: Dotted module name ("" when the file is outside every source root).
    module: str
    is_package: bool
    source: str
    names: ImportTable

    @property
    def is_test(self) -> bool:
        """Test code and test fixtures, where findings matter less."""
        return is_test_path(self.path)

    @property
    def is_migration(self) -> bool:
        parts = PurePosixPath(self.path).parts[:-1]
        return "migrations" in parts or ("alembic" in parts and "versions" in parts)

    @property
    def is_settings(self) -> bool:
        """A settings or configuration module (Django settings, Flask config, ...)."""
        segments = self.module.split(".") if self.module else [PurePosixPath(self.path).stem]
        return segments[-1] in _SETTINGS_NAMES or (
            len(segments) > 1 and segments[-2] in _SETTINGS_NAMES
        )
