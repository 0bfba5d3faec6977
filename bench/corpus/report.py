"""Print the ecosystem check's Markdown report and write it to bench/corpus/REPORT.md.

    python bench/corpus/report.py [--against REF] [--diff-limit N] [--no-write]

It reads results/*.json and labels.jsonl, and diffs each results file against its
version at REF (default HEAD). The figures are defined in bench/corpus/README.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# bench is not a package: these come from the path set above.
import ecosystem as eco

RESULTS = HERE / "results"
LABELS = HERE / "labels.jsonl"
REPOS = HERE / "repos.json"
REPORT = HERE / "REPORT.md"


def listed_repos() -> list[dict[str, Any]]:
    repos: list[dict[str, Any]] = json.loads(REPOS.read_text(encoding="utf-8"))
    return repos


def load_results() -> dict[str, eco.Result]:
    """The results of the repositories in repos.json (a removed repo's file is ignored)."""
    out: dict[str, eco.Result] = {}
    for entry in listed_repos():
        path = RESULTS / f"{eco.slug(str(entry['repo']))}.json"
        if path.is_file():
            result = eco.load_result(path.read_text(encoding="utf-8"))
            out[result["repo"]] = result
    return out


def load_labels() -> list[eco.Label]:
    return eco.parse_labels(LABELS.read_text(encoding="utf-8")) if LABELS.is_file() else []


def previous_result(repo: str, against: str) -> eco.Result | None:
    """The results file of ``repo`` at git revision ``against``, if it existed there."""
    # "REV:./path" is relative to the current directory, so this works wherever the
    # project is checked out.
    spec = f"{against}:./results/{eco.slug(repo)}.json"
    done = subprocess.run(
        ["git", "show", spec], cwd=HERE, capture_output=True, text=True, check=False
    )
    return eco.load_result(done.stdout) if done.returncode == 0 else None


def build_report(
    against: str,
    diff_limit: int,
    fallback: Mapping[str, eco.Result | None] | None = None,
) -> str:
    """The report; ``fallback`` gives a repository's previous results when REF lacks them
    (run.py passes the files as they were before it overwrote them)."""
    results = load_results()
    diffs = []
    for repo in sorted(results):
        previous = previous_result(repo, against)
        if previous is None and fallback:
            previous = fallback.get(repo)
        diffs.append(eco.diff_findings(results[repo], previous))
    return eco.render_report(
        results, load_labels(), diffs, against, diff_limit, security_rule_ids()
    )


def security_rule_ids() -> frozenset[str]:
    """The security rules of the archguard being measured (the one on the path)."""
    from archguard.rules.registry import all_rules

    return frozenset(r.meta.id for r in all_rules() if r.meta.is_security)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="HEAD", help="git revision of the previous results")
    parser.add_argument(
        "--diff-limit",
        type=int,
        default=100,
        help="findings listed per repo and side (0: all)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only; keep REPORT.md")
    args = parser.parse_args(argv)
    text = build_report(args.against, args.diff_limit)
    sys.stdout.write(text)
    if not args.no_write:
        REPORT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
