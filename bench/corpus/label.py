"""Triage the corpus' findings: list the unlabelled ones, record verdicts in labels.jsonl.

    python bench/corpus/label.py todo [--repo R] [--rule R] [--work DIR] [--limit N]
    python bench/corpus/label.py set FINGERPRINT --repo R --verdict true|false|unsure \
        --reason TEXT

Labels key on (repo, fingerprint); see bench/corpus/README.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# bench is not a package: these come from the path set above.
import ecosystem as eco
import report

CONTEXT = 3


def repo_name(text: str) -> str:
    """``owner/name`` from either spelling (the results files use ``owner+name``)."""
    return text.replace("+", "/")


def excerpt(work: Path | None, repo: str, f: eco.Finding) -> list[str]:
    """The flagged lines with CONTEXT lines either side, from the extracted tree."""
    if work is None:
        return ["    (no --work: no excerpt)"]
    path = work / eco.slug(repo) / f["path"]
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return [f"    (cannot read {path})"]
    first, last = max(f["line"] - CONTEXT, 1), min(f["end_line"] + CONTEXT, len(lines))
    return [
        f"  {'>' if f['line'] <= n <= f['end_line'] else ' '} {n:5} | {lines[n - 1]}"
        for n in range(first, last + 1)
    ]


def todo(args: argparse.Namespace) -> int:
    results = report.load_results()
    labels = report.load_labels()
    matched = eco.match_labels({r: res["findings"] for r, res in results.items()}, labels)
    wanted = repo_name(args.repo) if args.repo else None
    shown = total = 0
    for repo in sorted(results):
        if wanted not in (None, repo):
            continue
        for f in results[repo]["findings"]:
            if (repo, f["fingerprint"]) in matched or not f["rule_id"].startswith(args.rule):
                continue
            total += 1
            if args.limit and shown >= args.limit:
                continue
            shown += 1
            print(
                f"{repo} {f['fingerprint']}\n  {f['rule_id']} {f['rule_name']} "
                f"[{f['severity']}, {f['confidence']}] {f['path']}:{f['line']}\n"
                f"  {f['message']}"
            )
            print("\n".join(excerpt(args.work, repo, f)) + "\n")
    print(f"{total} unlabelled findings ({shown} shown)")
    return 0


def find(repo: str, fingerprint: str) -> eco.Finding:
    """The finding with this fingerprint, or a unique fingerprint prefix."""
    result = report.load_results().get(repo)
    if result is None:
        sys.exit(f"no results for {repo}")
    hits = [f for f in result["findings"] if f["fingerprint"].startswith(fingerprint)]
    exact = [f for f in hits if f["fingerprint"] == fingerprint]
    if len(exact) == 1 or len(hits) == 1:
        return (exact or hits)[0]
    sys.exit(f"{len(hits)} findings of {repo} match fingerprint {fingerprint!r}")


def set_label(args: argparse.Namespace) -> int:
    repo = repo_name(args.repo)
    f = find(repo, args.fingerprint)
    labels = report.load_labels()
    # A label that matched this finding only as "moved" is replaced by the new one. The
    # repository's other findings count as current too: a label of another finding on
    # the same line is that finding's, not a moved one of this.
    findings = report.load_results()[repo]["findings"]
    moved = eco.match_labels({repo: findings}, labels).get((repo, f["fingerprint"]))
    if moved is not None and moved.how == "moved":
        labels = [lab for lab in labels if lab is not moved.label]
    new = eco.Label(
        fingerprint=f["fingerprint"],
        rule=f["rule_id"],
        repo=repo,
        path=f["path"],
        line=f["line"],
        verdict=args.verdict,
        reason=args.reason,
    )
    report.LABELS.write_text(eco.dump_labels(eco.upsert_label(labels, new)), encoding="utf-8")
    print(f"{repo} {f['fingerprint']} {f['rule_id']} {f['path']}:{f['line']}: {args.verdict}")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("todo", help="list unlabelled findings with a code excerpt")
    t.add_argument("--repo")
    t.add_argument("--rule", default="", help="rule id or prefix (AG2)")
    env_work = os.environ.get("ARCHGUARD_CORPUS_WORK")
    t.add_argument(
        "--work",
        type=Path,
        default=Path(env_work) if env_work else None,
        help="the extracted repositories (run.py --work; $ARCHGUARD_CORPUS_WORK)",
    )
    t.add_argument("--limit", type=int, default=0, help="show at most N (0: all)")
    t.set_defaults(func=todo)
    s = sub.add_parser("set", help="record a verdict on one finding")
    s.add_argument("fingerprint")
    s.add_argument("--repo", required=True)
    s.add_argument("--verdict", required=True, choices=eco.VERDICTS)
    s.add_argument("--reason", required=True)
    s.set_defaults(func=set_label)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
