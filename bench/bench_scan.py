"""Times archguard on a tree beside Bandit and Ruff, and prints medians and ratios.

    python bench/bench_scan.py TREE [--runs 3] [--jobs N] [--no-bandit] [--no-ruff]

Scenarios (each run in a fresh process, wall time, median of --runs):
  cold        the cache folder deleted first: parse, analyse and write the cache
  cold-nocache  --no-cache: nothing read or written
  cold-no-semgrep  cold, with --no-semgrep: the libcst pass alone
  semgrep-only  archguard's pattern rules run by semgrep alone on the tree, for reference
  warm        nothing changed since the previous scan
  one-changed one file's content changed since the previous scan
  bandit      bandit -r TREE (same files, its default plugins)
  ruff-S      ruff check --select S (ruff's port of Bandit's rules)
Peak memory is the largest resident set of any process of the run (main or worker).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

RULES = Path(__file__).resolve().parent.parent / "rules"


def run(cmd: list[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in KiB of the process or any child it waited for)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed with status {proc.returncode}")
    return elapsed, usage.ru_maxrss


def cache_dir(tree: Path) -> Path:
    """Where archguard keeps this tree's cache: beside the configuration that applies."""
    from archguard.config.loading import find_config, load_config

    config = find_config(tree)
    settings, _ = load_config(config)
    return (config.parent if config else tree) / settings.cache_dir


def middle_file(tree: Path) -> Path:
    files = sorted(tree.rglob("*.py"))
    return files[len(files) // 2]


def touch(target: Path, counter: int) -> None:
    with target.open("a", encoding="utf-8") as handle:
        handle.write(f"\n# bench edit {counter}\n")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("tree", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--no-bandit", action="store_true")
    parser.add_argument("--no-ruff", action="store_true")
    args = parser.parse_args()
    tree = args.tree.resolve()
    files = list(tree.rglob("*.py"))
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    print(
        f"tree: {tree.name}: {len(files)} Python files, {lines:,} lines; {os.cpu_count()} cores; "
        f"{args.runs} runs each"
    )

    scan = [
        sys.executable,
        "-m",
        "archguard",
        "scan",
        str(tree),
        "--exit-zero",
        "--format",
        "json",
        "--output",
        os.devnull,
    ]
    if args.jobs:
        scan += ["--jobs", str(args.jobs)]
    cache = cache_dir(tree)
    results: dict[str, list[tuple[float, int]]] = {}

    def record(name: str, cmd: list[str], before: object = None) -> None:
        for i in range(args.runs):
            if callable(before):
                before(i)
            results.setdefault(name, []).append(run(cmd))

    record("cold", scan, lambda i: shutil.rmtree(cache, ignore_errors=True))
    record("cold-nocache", [*scan, "--no-cache"])
    record(
        "cold-no-semgrep",
        [*scan, "--no-semgrep"],
        lambda i: shutil.rmtree(cache, ignore_errors=True),
    )
    semgrep = shutil.which("semgrep", path=str(Path(sys.executable).parent)) or shutil.which(
        "semgrep"
    )
    if semgrep:
        configs = [arg for path in sorted(RULES.glob("*.yaml")) for arg in ("--config", str(path))]
        record(
            "semgrep-only",
            [
                semgrep,
                "scan",
                "--metrics=off",
                "--disable-version-check",
                "--quiet",
                "--json",
                "--output",
                os.devnull,
                *configs,
                str(tree),
            ],
        )
    run(scan)  # make sure the cache is complete
    record("warm", scan)
    target = middle_file(tree)
    original = target.read_bytes()
    try:
        record("one-changed", scan, lambda i: touch(target, i))
    finally:
        target.write_bytes(original)  # the tree is the user's: leave it as it was
    if not args.no_bandit and shutil.which("bandit"):
        record("bandit", ["bandit", "-r", str(tree), "-q", "-f", "json", "-o", os.devnull])
    if not args.no_ruff and shutil.which("ruff"):
        record(
            "ruff-S",
            ["ruff", "check", "--select", "S", "--no-cache", "--exit-zero", "-q", str(tree)],
        )

    medians = {name: statistics.median(t for t, _ in runs) for name, runs in results.items()}
    print(f"{'scenario':<14} {'median s':>9} {'min s':>7} {'max s':>7} {'peak MiB':>9}")
    for name, runs in results.items():
        times = [t for t, _ in runs]
        peak = max(m for _, m in runs) / 1024
        print(f"{name:<14} {medians[name]:9.2f} {min(times):7.2f} {max(times):7.2f} {peak:9.0f}")
    for other in ("bandit", "ruff-S"):
        if other in medians:
            print(
                f"cold / {other}: {medians['cold'] / medians[other]:.2f}x   "
                f"cold-nocache / {other}: {medians['cold-nocache'] / medians[other]:.2f}x"
            )


if __name__ == "__main__":
    main()
