from __future__ import annotations

import functools
import json
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result

from archguard.app.scanning import ScanOptions, run_scan
from archguard.cli import main
from archguard.core.report import ScanReport

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
#: Data the tests need from outside the code (the SARIF schema, GitHub's SARIF rules),
#: kept in the repository so that a clone in any folder runs the suite.
DATA = REPO / "tests" / "data"
#: The sample backends: each folder of fixtures/ with a pyproject.toml of its own.
FIXTURE_DIRS = sorted(p for p in FIXTURES.iterdir() if (p / "pyproject.toml").is_file())
OUTPUT_FORMATS = ("text", "json", "sarif", "github", "html")


# Scanning the fixtures is most of the suite's time. Tests that only read a fixture's
# report or outputs share one scan of each per session; tests about scanning itself
# (caching, determinism, the CLI's options) still run their own.
@functools.cache
def fixture_report(root: Path) -> ScanReport:
    """The report of a cache-less, single-process scan of one fixture."""
    return run_scan(ScanOptions(paths=(root,), use_cache=False, jobs=1))


def all_formats(root: Path, directory: Path, *extra: str | Path) -> dict[str, str]:
    """Every output format of one scan of ``root``, as a CI job would write them (one
    run, so Semgrep starts once)."""
    targets = {fmt: directory / f"{root.name}.{fmt}" for fmt in OUTPUT_FORMATS}
    args: list[str | Path] = ["scan", root, "--output", targets["text"]]
    for fmt in OUTPUT_FORMATS[1:]:
        args += [f"--{fmt}-output", targets[fmt]]
    CliRunner().invoke(main, [str(a) for a in (*args, *extra)], catch_exceptions=False)
    return {fmt: target.read_text(encoding="utf-8") for fmt, target in targets.items()}


@pytest.fixture(scope="session")
def fixture_outputs(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], dict[str, str]]:
    """Every output format of a cache-less scan of a fixture, once per session."""
    done: dict[Path, dict[str, str]] = {}

    def outputs(root: Path) -> dict[str, str]:
        if root not in done:
            done[root] = all_formats(root, tmp_path_factory.mktemp(root.name), "--no-cache")
        return done[root]

    return outputs


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Path]:
    """Writes a small project: {relative path: source}; ``git=True`` makes it a repo."""

    def make(files: dict[str, str | bytes], git: bool = False, config: str = "") -> Path:
        root = tmp_path / "proj"
        root.mkdir(exist_ok=True)
        (root / "pyproject.toml").write_text(
            f"[tool.archguard]\n{textwrap.dedent(config)}", encoding="utf-8"
        )
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        if git:
            git_run(root, "init", "-q")
            git_run(root, "add", "-A")
            git_run(root, "commit", "-qm", "initial")
        return root

    return make


def git_run(root: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=root,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def cli() -> Callable[..., Result]:
    runner = CliRunner()

    def run(*args: str | Path) -> Result:
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return run


_SARIF_VALIDATOR = None


def assert_valid_sarif(text: str) -> dict:  # type: ignore[type-arg]
    """Every SARIF document the suite produces goes through the official schema."""
    global _SARIF_VALIDATOR
    if _SARIF_VALIDATOR is None:
        schema = json.loads(
            (DATA / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
        )
        _SARIF_VALIDATOR = jsonschema.validators.validator_for(schema)(schema)
    data = json.loads(text)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _SARIF_VALIDATOR.iter_errors(data)]
    assert errors == []
    return data  # type: ignore[no-any-return]
