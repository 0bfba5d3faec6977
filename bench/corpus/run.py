"""Run archguard on the corpus (bench/corpus/repos.json) and write results/ and REPORT.md.

    python bench/corpus/run.py --snapshots /work/.mirror --work /work/corpus \
        [--repo OWNER/NAME ...] [--jobs N]

Each repository's pinned commit is extracted from its snapshot into WORK (outside the
project: the corpus' source never enters this repository), every scan path is scanned
with this checkout's archguard, and the findings are written, reduced and sorted, to
results/<owner>+<name>.json. The report (report.py) follows.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parents[1]
sys.path.insert(0, str(HERE))
# This checkout's archguard, not whichever one the environment has installed.
sys.path.insert(0, str(PROJECT))

import ecosystem as eco
import report

from archguard.config.settings import DEFAULT_EXCLUDED_DIRS

MARKER = ".corpus-commit"
SCAN_TIMEOUT = 3600
STDERR_TAIL = 20
SECRET_WORDS = ("secret", "credential", "password", "token", "key")


@dataclass(frozen=True)
class Repo:
    name: str
    commit: str
    kind: str
    scan_paths: list[str]

    @property
    def slug(self) -> str:
        return eco.slug(self.name)


@dataclass(frozen=True)
class ScanTask:
    """One archguard run: ``target`` scanned with the current directory ``cwd``."""

    repo: str
    scan_path: str
    repo_dir: Path
    cwd: Path
    target: str
    files: int
    lines: int


@dataclass
class ScanOutcome:
    task: ScanTask
    report: dict[str, Any] | None = None
    error: eco.ScanError | None = None
    redactions: int = 0
    findings: list[eco.Finding] = field(default_factory=list)


# --- extraction ----------------------------------------------------------------------


def git_dir(snapshots: Path, repo: Repo) -> Path:
    """The snapshot's git directory: ``<slug>/repo`` or ``<slug>`` itself."""
    base = snapshots / repo.slug
    return base / "repo" if (base / "repo").is_dir() else base


def extract(snapshots: Path, work: Path, repo: Repo) -> Path:
    """The repository at its pinned commit under ``work``, extracted once per commit."""
    dest = work / repo.slug
    marker = dest / MARKER
    if marker.is_file() and marker.read_text(encoding="utf-8").strip() == repo.commit:
        return dest
    tmp = work / f".{repo.slug}.partial"
    for stale in (tmp, dest):
        shutil.rmtree(stale, ignore_errors=True)
    tmp.mkdir(parents=True)
    gd = git_dir(snapshots, repo)
    if not archive(gd, repo.commit, tmp):
        # A snapshot may lack large blobs (never Python); git archive stops on the first.
        shutil.rmtree(tmp)
        tmp.mkdir()
        skipped = blob_by_blob(gd, repo.commit, tmp)
        print(f"{repo.name}: extracted blob by blob, {skipped} missing blobs skipped")
    (tmp / MARKER).write_text(repo.commit + "\n", encoding="utf-8")
    tmp.rename(dest)
    return dest


def archive(gd: Path, commit: str, dest: Path) -> bool:
    git = subprocess.Popen(
        ["git", f"--git-dir={gd}", "archive", commit],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    # tar complains of the truncated archive when a blob is missing; that case is
    # handled by the caller.
    tar = subprocess.run(
        ["tar", "-x", "-C", str(dest)],
        stdin=git.stdout,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    assert git.stdout is not None
    git.stdout.close()
    return git.wait() == 0 and tar.returncode == 0


def tree_entries(gd: Path, commit: str) -> list[tuple[str, str, str]]:
    """(mode, sha, path) of the commit's blobs; submodules have no blob here."""
    out = subprocess.run(
        ["git", f"--git-dir={gd}", "ls-tree", "-r", "-z", commit],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8", "surrogateescape")
    entries = []
    for record in filter(None, out.split("\0")):
        meta, path = record.split("\t", 1)
        mode, kind, sha = meta.split()
        if kind == "blob":
            entries.append((mode, sha, path))
    return entries


def blob_by_blob(gd: Path, commit: str, dest: Path) -> int:
    """Write each blob of the commit with one ``git cat-file --batch``; count the missing."""
    entries = tree_entries(gd, commit)
    request = "".join(f"{sha}\n" for _, sha, _ in entries).encode()
    done = subprocess.run(
        ["git", f"--git-dir={gd}", "cat-file", "--batch"],
        input=request,
        capture_output=True,
        check=True,
    )
    stream, missing = io.BytesIO(done.stdout), 0
    for mode, _sha, path in entries:
        header = stream.readline().split()
        if header[-1] == b"missing":
            missing += 1
            continue
        data = stream.read(int(header[2]))
        stream.read(1)  # the newline after each object
        write_blob(dest, path, mode, data)
    return missing


def write_blob(dest: Path, path: str, mode: str, data: bytes) -> None:
    target = dest / path
    target.parent.mkdir(parents=True, exist_ok=True)
    if mode == "120000":
        link = data.decode("utf-8", "surrogateescape")
        # A link out of the tree could make a scan read the host's files.
        if (target.parent / link).resolve().is_relative_to(dest.resolve()):
            target.symlink_to(link)
        return
    target.write_bytes(data)
    if mode == "100755":
        target.chmod(0o755)


# --- counting ------------------------------------------------------------------------


def python_files(root: Path, scan_path: str) -> Iterator[Path]:
    """The *.py files archguard would walk: default-excluded directories pruned."""
    for current, dirs, files in os.walk(root / scan_path):
        dirs[:] = sorted(d for d in dirs if d not in DEFAULT_EXCLUDED_DIRS)
        for name in sorted(files):
            path = Path(current) / name
            if name.endswith(".py") and path.is_file():
                yield path


def count_python(root: Path, scan_path: str) -> tuple[int, int]:
    files = list(python_files(root, scan_path))
    return len(files), sum(eco.count_lines(p.read_bytes()) for p in files)


# --- scanning ------------------------------------------------------------------------


def archguard_env() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")]))
    return dict(os.environ, PYTHONPATH=path)


def archguard_version() -> str:
    """The version, from a full start of the CLI: a run in a broken environment (a
    dependency missing from the venv) stops here instead of writing 16 scan errors."""
    done = subprocess.run(
        [sys.executable, "-m", "archguard", "--version"],
        capture_output=True,
        text=True,
        env=archguard_env(),
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"archguard does not start; no results written:\n{done.stderr.strip()}")
    return done.stdout.split()[-1]


def sanitise(text: str, task: ScanTask) -> str:
    """stderr without this machine's paths (results hold no absolute paths)."""
    for prefix, name in (
        (str(task.repo_dir), "<repo>"),
        (str(PROJECT), "<archguard>"),
        (sys.prefix, "<venv>"),
        (str(Path.home()), "~"),
    ):
        text = text.replace(prefix, name)
    return "\n".join(text.rstrip().splitlines()[-STDERR_TAIL:])


def scan(task: ScanTask, archguard_jobs: int) -> ScanOutcome:
    """One archguard run; exit 2, a crash, a timeout or bad JSON becomes a scan error."""
    cmd = [
        sys.executable,
        "-m",
        "archguard",
        "scan",
        task.target,
        "--format",
        "json",
        "--exit-zero",
        "--no-cache",
        "--jobs",
        str(archguard_jobs),
    ]
    try:
        done = subprocess.run(
            cmd,
            cwd=task.cwd,
            capture_output=True,
            text=True,
            env=archguard_env(),
            timeout=SCAN_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return ScanOutcome(
            task,
            error=eco.ScanError(
                path=task.scan_path,
                exit_code=-1,
                stderr_tail=f"timeout after {SCAN_TIMEOUT} s",
            ),
        )
    if done.returncode not in (0, 1):
        tail = sanitise(done.stderr, task)
        return ScanOutcome(
            task,
            error=eco.ScanError(path=task.scan_path, exit_code=done.returncode, stderr_tail=tail),
        )
    try:
        return ScanOutcome(task, report=json.loads(done.stdout))
    except json.JSONDecodeError as exc:
        tail = sanitise(f"{done.stderr}\nunreadable JSON: {exc}", task)
        return ScanOutcome(
            task,
            error=eco.ScanError(path=task.scan_path, exit_code=done.returncode, stderr_tail=tail),
        )


def reduce_outcome(outcome: ScanOutcome, several_scans: bool) -> None:
    """Repo-relative paths, scoped fingerprints and a second guard against secrets."""
    task, data = outcome.task, outcome.report
    if data is None:
        return
    raw = data["findings"]
    paths = [f["location"]["path"] for f in raw]
    paths += [r["path"] for f in raw for r in f.get("related_locations", [])]
    scan_dir = task.cwd.relative_to(task.repo_dir).as_posix()
    if task.target != ".":
        scan_dir = eco.join("" if scan_dir == "." else scan_dir, task.target)
    mapping = eco.normalise_paths(paths, scan_dir, lambda p: (task.repo_dir / p).exists())
    for f in raw:
        path = mapping[f["location"]["path"]]
        fp = eco.scoped_fingerprint(task.scan_path, f["fingerprint"], several_scans)
        finding = eco.reduce_finding(f, path, fp)
        if f["category"] == "hardcoded-secret" or any(w in f["rule_name"] for w in SECRET_WORDS):
            source = flagged_source(task.repo_dir / path, finding["line"], finding["end_line"])
            finding["message"], n = eco.redact_literals(finding["message"], source)
            outcome.redactions += n
        outcome.findings.append(finding)


def flagged_source(path: Path, line: int, end_line: int) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[max(line - 1, 0) : max(end_line, line)])


def run_scan(task: ScanTask, archguard_jobs: int, several_scans: bool) -> ScanOutcome:
    outcome = scan(task, archguard_jobs)
    if outcome.error is not None and outcome.error["exit_code"] != -1:
        # Once more: a failure that does not repeat came from the machine (a shared venv
        # being reinstalled), not from archguard on this code. A timeout is not retried.
        outcome = scan(task, archguard_jobs)
    reduce_outcome(outcome, several_scans)
    outcome.report = summary_only(outcome.report)
    return outcome


def summary_only(data: dict[str, Any] | None) -> dict[str, Any] | None:
    # Only the summary and diagnostics travel back from the worker process.
    if data is None:
        return None
    return {
        "summary": data["summary"],
        "diagnostics": data["diagnostics"],
        "version": data["tool"]["version"],
    }


# --- assembling ----------------------------------------------------------------------


def tasks_for(repo: Repo, repo_dir: Path) -> list[ScanTask]:
    """One task per scan path. A repository of several apps (skf-labs) is scanned one app
    at a time from inside it, so that archguard infers each app's source roots."""
    several = len(repo.scan_paths) > 1
    out = []
    for sp in repo.scan_paths:
        cwd, target = (repo_dir / sp, ".") if several else (repo_dir, sp)
        out.append(ScanTask(repo.name, sp, repo_dir, cwd, target, *count_python(repo_dir, sp)))
    return out


def collect(futures: list[Future[ScanOutcome]]) -> list[ScanOutcome]:
    """The outcomes in submission order, with progress on stderr as they finish."""
    for n, done in enumerate(as_completed(futures), 1):
        o = done.result()
        state = "scan error" if o.error else f"{len(o.findings)} findings"
        print(
            f"[{n}/{len(futures)}] {o.task.repo} {o.task.scan_path}: {state}",
            file=sys.stderr,
        )
    return [f.result() for f in futures]


def assemble(repo: Repo, repo_dir: Path, outcomes: list[ScanOutcome], version: str) -> eco.Result:
    files = sum(o.task.files for o in outcomes)
    lines = sum(o.task.lines for o in outcomes)
    scanned = 0
    diagnostics: Counter[str] = Counter()
    findings: list[eco.Finding] = []
    errors: list[eco.ScanError] = []
    for o in sorted(outcomes, key=lambda o: o.task.scan_path):
        if o.error is not None:
            errors.append(o.error)
        if o.report is not None:
            scanned += int(o.report["summary"]["files"])
            diagnostics.update(d["kind"] for d in o.report["diagnostics"])
        findings += o.findings
    return eco.Result(
        repo=repo.name,
        commit=repo.commit,
        kind=repo.kind,
        archguard_version=version,
        scan_paths=list(repo.scan_paths),
        lines=lines,
        files=files,
        scanned_files=scanned,
        scan_errors=errors,
        diagnostics=dict(sorted(diagnostics.items())),
        findings=unique_fingerprints(sorted(findings, key=eco.finding_key)),
    )


def unique_fingerprints(findings: list[eco.Finding]) -> list[eco.Finding]:
    """Labels and diffs key on (repo, fingerprint); should two findings still share one,
    the later gets a suffix as archguard itself does within one scan."""
    seen: Counter[str] = Counter()
    for f in findings:
        seen[f["fingerprint"]] += 1
        if seen[f["fingerprint"]] > 1:
            f["fingerprint"] = f"{f['fingerprint']}~{seen[f['fingerprint']]}"
    return findings


# --- main ----------------------------------------------------------------------------


def load_repos(wanted: list[str]) -> list[Repo]:
    repos = [
        Repo(str(e["repo"]), str(e["commit"]), str(e["kind"]), list(e["scan_paths"]))
        for e in report.listed_repos()
    ]
    names = {n.replace("+", "/") for n in wanted}
    unknown = names - {r.name for r in repos}
    if unknown:
        sys.exit(f"not in repos.json: {', '.join(sorted(unknown))}")
    return [r for r in repos if not names or r.name in names]


def check_work(work: Path) -> None:
    """Refuse a work directory inside the project, or below a config file that archguard
    would take as the corpus' project root."""
    work = work.resolve()
    if work.is_relative_to(PROJECT):
        sys.exit(f"--work must be outside the project ({PROJECT}): the corpus is not ours")
    for parent in (work, *work.parents):
        for name in ("archguard.toml", "pyproject.toml"):
            if (parent / name).is_file():
                sys.exit(f"--work is below {parent / name}; archguard would use it as root")


def write_results(results: list[eco.Result]) -> dict[str, eco.Result | None]:
    """Write the results files; return what each held before (for the report's diff)."""
    report.RESULTS.mkdir(exist_ok=True)
    previous: dict[str, eco.Result | None] = {}
    for result in results:
        path = report.RESULTS / f"{eco.slug(result['repo'])}.json"
        old = path.read_text(encoding="utf-8") if path.is_file() else None
        previous[result["repo"]] = eco.load_result(old) if old else None
        path.write_text(eco.dump_result(result), encoding="utf-8")
    return previous


def print_run(results: list[eco.Result], previous: dict[str, eco.Result | None]) -> None:
    for r in results:
        d = eco.diff_findings(r, previous.get(r["repo"]))
        since = (
            "first run" if d.previous_missing else f"+{len(d.new)} -{len(d.gone)} since last run"
        )
        print(
            f"{r['repo']}: {r['lines']} lines, {len(r['findings'])} findings, "
            f"{len(r['scan_errors'])} scan errors ({since})",
            file=sys.stderr,
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--snapshots",
        type=Path,
        required=True,
        help="directory of <owner>+<name>/repo git snapshots",
    )
    parser.add_argument(
        "--work",
        type=Path,
        required=True,
        help="where the repositories are extracted (outside the project)",
    )
    parser.add_argument("--repo", action="append", default=[], help="only this repo (repeat)")
    parser.add_argument("--jobs", type=int, default=2, help="scans run at once (default 2)")
    parser.add_argument("--against", default="HEAD", help="git revision for the report's diff")
    parser.add_argument("--diff-limit", type=int, default=100)
    parser.add_argument("--no-report", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    check_work(args.work)
    args.work.mkdir(parents=True, exist_ok=True)
    repos = load_repos(args.repo)
    jobs = max(1, args.jobs)
    # Cores are shared between the scans running at once.
    archguard_jobs = max(1, (os.cpu_count() or 1) // jobs)
    version = archguard_version()
    with ProcessPoolExecutor(jobs) as pool:
        dirs = dict(
            zip(
                [r.name for r in repos],
                pool.map(
                    extract,
                    [args.snapshots] * len(repos),
                    [args.work] * len(repos),
                    repos,
                ),
                strict=True,
            )
        )
        tasks = [t for r in repos for t in tasks_for(r, dirs[r.name])]
        # Largest first, so that paperless-ngx does not start last.
        tasks.sort(key=lambda t: (-t.lines, t.repo, t.scan_path))
        several = {r.name: len(r.scan_paths) > 1 for r in repos}
        futures = [pool.submit(run_scan, t, archguard_jobs, several[t.repo]) for t in tasks]
        outcomes = collect(futures)
    redactions = sum(o.redactions for o in outcomes)
    if redactions:
        print(f"warning: {redactions} literals cut from messages", file=sys.stderr)
    results = [
        assemble(r, dirs[r.name], [o for o in outcomes if o.task.repo == r.name], version)
        for r in repos
    ]
    previous = write_results(results)
    print_run(results, previous)
    if not args.no_report:
        text = report.build_report(args.against, args.diff_limit, previous)
        report.REPORT.write_text(text, encoding="utf-8")
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
