"""The cache can be trusted: no secret in it, never a committed one, never outside the
project by accident, and a file an engine gave up on is not retried forever (issue 17)."""

from __future__ import annotations

import json
import re
import shutil
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from archguard.app.scanning import ScanOptions, run_scan
from archguard.core.levels import Category
from tests.conftest import DATA, FIXTURES

Cli = Callable[..., Result]
SECRET = 'SECRET_KEY = "q7Zp2Wm9Xr4Lk8Nv3Bt6Yh1Jd5Fs0Gc"\n'


@pytest.mark.parametrize("name", ["fastapi_shop", "flask_blog", "django_inventory"])
def test_no_secret_value_reaches_the_cache(tmp_path: Path, name: str) -> None:
    """A pydantic settings class keeps its attributes' literals as facts (for routes
    and models); the credentials among them are stored redacted."""
    root = shutil.copytree(FIXTURES / name, tmp_path / name)
    report = run_scan(ScanOptions(paths=(root,), jobs=1, semgrep=False))
    values = []
    for finding in report.findings:
        if finding.category is not Category.HARDCODED_SECRET:
            continue
        loc = finding.location
        line = (root / loc.path).read_text(encoding="utf-8").splitlines()[loc.line - 1]
        value = line[loc.column - 1 : loc.end_column - 1].strip("'\"bfr")
        match = re.search(r"://[^/:@]*:([^@]+)@", value)
        values.append(match.group(1) if match else value)
    assert values, "the fixture holds secrets"
    entries = b"".join(p.read_bytes() for p in (root / ".archguard_cache").rglob("*.json"))
    assert entries, "the scan wrote cache entries"
    for value in values:
        assert value.encode() not in entries
    # A warm scan reads those entries back and reports the same.
    assert run_scan(ScanOptions(paths=(root,), jobs=1, semgrep=False)) == report


def test_a_cache_directory_that_git_tracks_is_ignored_with_a_warning(
    cli: Cli, make_repo: Callable[..., Path]
) -> None:
    root = make_repo(
        {"app/settings.py": "import os\n", ".archguard_cache/v1/00/planted.json": "{}"},
        git=True,
    )
    before = sorted((root / ".archguard_cache").rglob("*"))
    result = cli("scan", root, "--no-semgrep", "--format", "json")
    report = json.loads(result.output)
    [warning] = report["diagnostics"]
    assert (warning["kind"], warning["level"]) == ("cache", "warning")
    assert "git tracks" in warning["message"] and "git rm -r --cached" in warning["message"]
    assert sorted((root / ".archguard_cache").rglob("*")) == before  # not written either


def test_a_cache_dir_outside_the_project_must_come_from_the_command_line(
    cli: Cli, make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_repo({"app/settings.py": SECRET}, config='cache-dir = "../shared-cache"\n')
    refused = cli("scan", root, "--no-semgrep")
    assert refused.exit_code == 2
    assert "cache-dir: '../shared-cache' resolves outside the project" in refused.output
    assert "--cache-dir" in refused.output
    shared = tmp_path / "shared-cache"
    given = cli("scan", root, "--no-semgrep", "--cache-dir", shared)
    assert given.exit_code == 1 and "AG101" in given.output
    assert list(shared.rglob("*.json"))
    assert not (tmp_path / "proj" / ".archguard_cache").exists()


FAKE_SEMGREP = textwrap.dedent(
    """\
    #!{python}
    import json, sys
    targets = sys.argv[sys.argv.index("--") + 1 :]
    with open({log!r}, "a") as log:
        log.write(" ".join(targets) + "\\n")
    errors = [
        {{"type": "Timeout", "path": t, "message": "Timeout when running rules on " + t}}
        for t in targets
        if "slow" in t
    ]
    print(json.dumps({{"results": [], "errors": errors}}))
    """
)


def test_a_file_semgrep_timed_out_on_is_not_retried_until_it_changes(
    make_repo: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "semgrep.log"
    fake = tmp_path / "semgrep"
    fake.write_text(FAKE_SEMGREP.format(python=sys.executable, log=str(log)))
    fake.chmod(0o755)
    monkeypatch.setenv("ARCHGUARD_SEMGREP", str(fake))
    source = "import random\n\ndef token():\n    return random.random()\n"
    # Semgrep runs users' own rule packs only, so the project names one.
    root = make_repo(
        {"app/slow_rates.py": source, "app/views.py": source},
        config='semgrep-rules = ["rules-of-the-house"]\n',
    )
    shutil.copytree(DATA / "semgrep_pack", root / "rules-of-the-house")
    options = ScanOptions(paths=(root,), jobs=1)

    def timed_out() -> list[str]:
        report = run_scan(options)
        return [d.path for d in report.diagnostics if "ran out of time" in d.message]

    assert timed_out() == ["app/slow_rates.py"]
    assert log.read_text().split() == ["app/slow_rates.py", "app/views.py"]
    # Warm: neither file is given to Semgrep again, and the report still says so.
    assert timed_out() == ["app/slow_rates.py"]
    assert len(log.read_text().splitlines()) == 1
    # An edit is new content: it is tried again.
    (root / "app" / "slow_rates.py").write_text(source + "\nRATE = 2\n")
    assert timed_out() == ["app/slow_rates.py"]
    assert log.read_text().splitlines()[-1] == "app/slow_rates.py"
