"""Hostile files in the scanned tree: each one is reported, none stops or hangs the
scan, and the rest of the files are analysed (issue 17)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from archguard.scan import discover as discover_module
from tests.conftest import DATA, REPO, assert_valid_sarif

Cli = Callable[..., Result]
SECRET = 'SECRET_KEY = "q7Zp2Wm9Xr4Lk8Nv3Bt6Yh1Jd5Fs0Gc"\n'
WEAK_TOKEN = (
    "import random\n\n\ndef start_password_reset(user):\n"
    "    user.reset_code = str(random.randint(100000, 999999))\n    user.save()\n"
)


def _archguard(
    *args: str | Path, cwd: Path, timeout: float = 120, **env: str
) -> subprocess.CompletedProcess[str]:
    """``python -m archguard`` in a fresh process (what a user or CI runs), with a
    timeout: a scan that hangs fails the test instead of the suite."""
    return subprocess.run(
        [sys.executable, "-m", "archguard", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
    )


def _special_files(root: Path) -> None:
    os.mkfifo(root / "app" / "pipe.py")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(root / "app" / "sock.py"))
    listener.close()
    (root / "app" / "zero.py").symlink_to("/dev/zero")


@pytest.mark.parametrize("git", [False, True], ids=["walk", "git"])
def test_fifos_sockets_and_devices_named_py_never_block_the_scan(
    make_repo: Callable[..., Path], git: bool
) -> None:
    root = make_repo({"app/settings.py": SECRET, "app/__init__.py": ""}, git=git)
    _special_files(root)
    done = _archguard("scan", root, "--no-cache", "--no-semgrep", "--format", "json", cwd=root)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert [f["location"]["path"] for f in report["findings"]] == ["app/settings.py"]
    kinds = {d["path"]: (d["kind"], d["message"]) for d in report["diagnostics"]}
    # git does not list FIFOs and sockets at all; the walk sees them and says why.
    if not git:
        assert kinds.pop("app/pipe.py") == (
            "not-regular-file",
            "skipped: not a regular file (a FIFO): not read",
        )
        assert kinds.pop("app/sock.py")[0] == "not-regular-file"
    # /dev/zero is outside the project: the link is not followed.
    assert kinds.pop("app/zero.py") == (
        "symlink-not-followed",
        "skipped: a symlink to a file outside the project: not followed",
    )
    assert kinds == {}
    # Named on the command line (as pre-commit would), a FIFO is still never opened.
    if not git:
        named = _archguard("scan", root / "app" / "pipe.py", "--no-semgrep", cwd=root, timeout=60)
        assert named.returncode == 0 and "not-regular-file" in named.stdout


def test_symlinks_inside_are_analysed_and_do_not_stop_semgrep(
    cli: Cli, make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    """One symlinked .py made Semgrep refuse the whole scan, and every pattern rule
    vanished behind an 'install Semgrep' hint."""
    outside = tmp_path / "outside.py"
    outside.write_text(SECRET, encoding="utf-8")
    root = make_repo({"app/tokens.py": WEAK_TOKEN, "app/__init__.py": ""})
    (root / "app" / "legacy_tokens.py").symlink_to("tokens.py")
    (root / "app" / "shared.py").symlink_to(outside)
    (root / "app" / "gone.py").symlink_to(root / "app" / "missing.py")
    result = cli("scan", root, "--no-cache", "--format", "json", "--select", "AG505,AG101")
    report = json.loads(result.output)
    assert not any(d["kind"] == "engine-failed" for d in report["diagnostics"]), report
    weak = sorted(f["location"]["path"] for f in report["findings"] if f["rule_id"] == "AG505")
    assert weak == ["app/legacy_tokens.py", "app/tokens.py"]
    assert all(f["rule_id"] != "AG101" for f in report["findings"])  # outside: never read
    assert {(d["path"], d["kind"]) for d in report["diagnostics"]} == {
        ("app/shared.py", "symlink-not-followed"),
        ("app/gone.py", "symlink-not-followed"),
    }
    # Named on the command line (pre-commit passes such paths), it is still not followed.
    named = cli(
        "scan", root / "app" / "shared.py", "--no-cache", "--no-semgrep", "--format", "json"
    )
    assert named.exit_code == 0, named.output
    assert [d["kind"] for d in json.loads(named.output)["diagnostics"]] == ["symlink-not-followed"]


def test_control_characters_in_file_names_cannot_inject_workflow_commands(
    cli: Cli, make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    name = "app/x\n::error file=app.py,line=1::pwned\x1b[2J.py"
    root = make_repo({"app/__init__.py": "", name: SECRET})
    text = cli("scan", root, "--no-cache", "--no-semgrep").output
    assert not any(line.startswith("::") for line in text.splitlines())
    assert "\x1b" not in text
    assert "app/x\\n::error file=app.py,line=1::pwned\\x1b[2J.py:1:14: AG101" in text
    github = cli("scan", root, "--no-cache", "--no-semgrep", "--format", "github").output
    [line] = github.splitlines()
    assert line.startswith("::error file=app/x%0A%3A%3Aerror file=app.py%2Cline=1%3A%3Apwned")


def test_file_names_that_are_not_utf8_keep_every_output_valid(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_repo({"app/__init__.py": ""}, git=False)
    os.mkdir(os.path.join(os.fsencode(root), b"app/caf\xe9"))
    Path(os.fsdecode(os.fsencode(root) + b"/app/caf\xe9/settings.py")).write_text(SECRET)
    Path(os.fsdecode(os.fsencode(root) + b"/app/broken\xff.py")).write_text("def f(:\n")
    out = tmp_path / "out"
    out.mkdir()
    done = _archguard(
        "scan", root, "--no-cache", "--no-semgrep",
        "--sarif-output", out / "r.sarif", "--json-output", out / "r.json",
        "--html-output", out / "r.html", "--github-output", out / "gh.txt",
        cwd=root,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    sarif = assert_valid_sarif((out / "r.sarif").read_text(encoding="utf-8"))
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
    }
    assert uris == {"app/caf%5Cxe9/settings.py"}
    report = json.loads((out / "r.json").read_text(encoding="utf-8"))
    assert [f["location"]["path"] for f in report["findings"]] == ["app/caf\\xe9/settings.py"]
    assert [(d["path"], d["kind"]) for d in report["diagnostics"]] == [
        ("app/broken\\xff.py", "syntax-error")
    ]
    assert "app/broken\\xff.py" in (out / "r.html").read_text(encoding="utf-8")
    assert "app/caf\\xe9/settings.py:1:14: AG101" in done.stdout


def test_the_size_limit_is_checked_before_reading(make_repo: Callable[..., Path]) -> None:
    """A 1 GB generated module costs a stat, not gigabytes of memory."""
    root = make_repo({"app/settings.py": SECRET})
    with open(root / "app" / "huge.py", "wb") as handle:
        handle.truncate(1 << 30)  # sparse: no disk space used
    measure = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print(done.stdout)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", measure, sys.executable, "-m", "archguard", "scan", str(root),
         "--no-cache", "--no-semgrep", "-j", "1", "--format", "json"],
        capture_output=True, text=True, timeout=120, check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    status, peak_kib = map(int, done.stdout.splitlines()[0].split())
    assert status == 1
    assert peak_kib < 400 * 1024  # reading it would take over 1,000 MiB
    report = json.loads("\n".join(done.stdout.splitlines()[1:]))
    [skipped] = report["diagnostics"]
    assert (skipped["path"], skipped["kind"]) == ("app/huge.py", "too-large")
    assert "1,073,741,824 bytes" in skipped["message"]


def test_files_in_an_unreadable_directory_get_a_diagnostic(
    cli: Cli, make_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo({"app/settings.py": SECRET, "app/private/keys.py": SECRET})
    private = root / "app" / "private"
    if os.geteuid() == 0:
        # root reads any directory: refuse this one the way the kernel would.
        real_scandir = os.scandir

        def scandir(path: str) -> object:
            if os.path.realpath(path) == str(private.resolve()):
                raise PermissionError(13, "Permission denied", str(path))
            return real_scandir(path)

        monkeypatch.setattr(os, "scandir", scandir)
    else:
        private.chmod(0)
    try:
        report = json.loads(
            cli("scan", root, "--no-cache", "--no-semgrep", "--format", "json").output
        )
    finally:
        private.chmod(0o755)
    assert [f["location"]["path"] for f in report["findings"]] == ["app/settings.py"]
    assert report["diagnostics"] == [
        {
            "path": "app/private/",
            "line": 0,
            "kind": "unreadable",
            "level": "warning",
            "message": "directory not read (Permission denied): "
            "the Python files in it are not analysed",
        }
    ]


def test_git_reports_of_unreadable_directories_become_diagnostics(
    make_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo({"app/settings.py": SECRET}, git=True)
    real_run = subprocess.run

    def run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        done = real_run(args, **kwargs)  # type: ignore[call-overload]
        if "ls-files" in args:
            done.stderr = b"warning: could not open directory 'app/keys/': Permission denied\n"
        return done  # type: ignore[no-any-return]

    monkeypatch.setattr(discover_module.subprocess, "run", run)
    from archguard.config.settings import Settings

    found = discover_module.discover(root, [root], Settings())
    assert found.files == ["app/settings.py"]
    assert [(d.path, d.kind.value) for d in found.unreadable] == [("app/keys/", "unreadable")]


def test_python_dash_m_does_not_import_from_the_scanned_directory(
    make_repo: Callable[..., Path],
) -> None:
    root = make_repo(
        {
            "app/settings.py": SECRET,
            # A scanned repository's own click.py, yaml.py, ... must never run.
            "click.py": "import pathlib\npathlib.Path('PWNED').write_text('x')\nraise SystemExit(9)\n",
            "yaml.py": "raise SystemExit(9)\n",
        }
    )
    done = _archguard("scan", ".", "--no-cache", "--no-semgrep", "-q", cwd=root)
    assert done.returncode == 1, done.stderr
    assert "app/settings.py:1:14: AG101" in done.stdout
    assert not (root / "PWNED").exists()


def test_init_on_an_invalid_pyproject_exits_2(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import flask\n")
    (tmp_path / "pyproject.toml").write_text('[project\nname = "x"\n')
    result = cli("init", tmp_path)
    assert result.exit_code == 2
    assert "pyproject.toml is not valid TOML" in result.output
    assert (tmp_path / "pyproject.toml").read_text() == '[project\nname = "x"\n'


# --- signals --------------------------------------------------------------------

FAKE_SEMGREP = textwrap.dedent(
    """\
    #!{python}
    import time
    time.sleep(300)
    """
)


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
    found: set[int] = set()
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT", "SIGKILL"])
def test_no_worker_or_temporary_file_outlives_the_scan(
    make_repo: Callable[..., Path], tmp_path: Path, how: str
) -> None:
    rows = "".join(f"    'r{i}': ({i} + 1) * 2 - {i} // 3,\n" for i in range(6000))
    root = make_repo(
        {f"app/table_{n}.py": "import random\nRATES = {\n" + rows + "}\n" for n in range(40)},
        config='semgrep-rules = ["rules-of-the-house"]\n',  # Semgrep runs for packs only
    )
    shutil.copytree(DATA / "semgrep_pack", root / "rules-of-the-house")
    fake = tmp_path / "semgrep"
    fake.write_text(FAKE_SEMGREP.format(python=sys.executable))
    fake.chmod(0o755)
    temp = tmp_path / "tmp"
    temp.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "archguard", "scan", str(root), "--no-cache", "-j", "2"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(temp),
             "ARCHGUARD_SEMGREP": str(fake)},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        seen: set[int] = set()
        while time.monotonic() < deadline and len(seen) < 3:  # two workers and Semgrep
            seen |= _descendants(process.pid)
            time.sleep(0.05)
        assert len(seen) >= 3, "the scan did not start its workers and Semgrep"
        process.send_signal(getattr(signal, how))
        process.wait(timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(p) for p in seen):
            time.sleep(0.1)
        assert [p for p in seen if _alive(p)] == []
        assert list(temp.iterdir()) == []
    finally:
        if process.poll() is None:
            process.kill()
