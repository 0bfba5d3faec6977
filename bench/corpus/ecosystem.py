"""The pure logic of the ecosystem check: results documents, labels, figures, the report.

Nothing here reads files, runs processes or looks at the clock, so that the report is a
function of its inputs (deterministic) and the unit tests need no corpus on disk.
run.py, report.py and label.py do the I/O around it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal, TypedDict

KINDS = ("production", "vulnerable", "ai-generated")
SEVERITIES = ("error", "warning", "note")
VERDICTS = ("true", "false", "unsure")
MESSAGE_LIMIT = 300
#: A rule with at least this many findings and a lower labelled precision is flagged.
FLAG_MIN_FINDINGS = 10
FLAG_MAX_PRECISION = 0.8


class Finding(TypedDict):
    """A finding reduced to what triage and diffs need (no fixes, flows or columns)."""

    rule_id: str
    rule_name: str
    severity: str
    confidence: str
    path: str
    line: int
    end_line: int
    fingerprint: str
    message: str


class ScanError(TypedDict):
    """One scan path that archguard did not finish: exit 2, a crash or unreadable JSON."""

    path: str
    exit_code: int
    stderr_tail: str


class Result(TypedDict):
    """One results file: everything one run learnt about one repository."""

    repo: str
    commit: str
    kind: str
    archguard_version: str
    scan_paths: list[str]
    lines: int
    files: int
    scanned_files: int
    scan_errors: list[ScanError]
    diagnostics: dict[str, int]
    findings: list[Finding]


class Label(TypedDict):
    """A human verdict on one finding, keyed by (repo, fingerprint)."""

    fingerprint: str
    rule: str
    repo: str
    path: str
    line: int
    verdict: str
    reason: str


# --- results files -------------------------------------------------------------------


def slug(repo: str) -> str:
    """``owner/name`` as a file or directory name (the snapshots' own layout)."""
    return repo.replace("/", "+")


def truncate(message: str, limit: int = MESSAGE_LIMIT) -> str:
    # Messages can quote whole code lines; a bound keeps results files reviewable.
    return message if len(message) <= limit else message[: limit - 1] + "…"


def reduce_finding(raw: Mapping[str, Any], path: str, fingerprint: str) -> Finding:
    """The stored form of one finding of archguard's JSON report."""
    loc = raw["location"]
    return Finding(
        rule_id=str(raw["rule_id"]),
        rule_name=str(raw["rule_name"]),
        severity=str(raw["severity"]),
        confidence=str(raw["confidence"]),
        path=path,
        line=int(loc["line"]),
        end_line=int(loc["end_line"]),
        fingerprint=fingerprint,
        message=truncate(str(raw["message"])),
    )


def finding_key(f: Finding) -> tuple[str, int, str, str]:
    return (f["path"], f["line"], f["rule_id"], f["fingerprint"])


def scoped_fingerprint(scan_path: str, fingerprint: str, several_scans: bool) -> str:
    """A fingerprint unique within the repository.

    archguard's fingerprints hash paths relative to its own root, and project-level
    rules hash no path at all, so two labs of a multi-app repository (each scanned on
    its own) can share one. Prefixing the scan path keeps (repo, fingerprint) a key.
    """
    return f"{scan_path}:{fingerprint}" if several_scans else fingerprint


def candidate_bases(scan_dir: str) -> list[str]:
    """Repo-relative directories an output path may be relative to, likeliest first.

    archguard reports paths relative to its project root, which is the scanned
    directory, the directory of a config file above it, the git work-tree root or the
    current directory depending on its version. The scanned directory comes first,
    then the repository root, then the directories between.
    """
    parts = PurePosixPath(scan_dir).parts if scan_dir not in ("", ".") else ()
    bases = ["/".join(parts[:n]) for n in range(len(parts), -1, -1)]
    return [bases[0], bases[-1], *bases[1:-1]] if len(bases) > 1 else bases


def join(base: str, path: str) -> str:
    return f"{base}/{path}" if base and path else base or path


def normalise_paths(
    paths: Iterable[str], scan_dir: str, exists: Callable[[str], bool]
) -> dict[str, str]:
    """Map each path of one scan's output to a repo-relative path.

    One base is chosen for the whole scan (the one under which most paths exist, ties
    to the likeliest) because a single file name such as ``app.py`` can exist under
    two bases; a path that exists only under another base uses that one.
    """
    unique = sorted(set(paths))
    bases = candidate_bases(scan_dir)
    scores = [sum(exists(join(b, p)) for p in unique) for b in bases]
    chosen = bases[scores.index(max(scores))] if bases else ""
    out: dict[str, str] = {}
    for p in unique:
        found = [b for b in bases if exists(join(b, p))]
        base = chosen if chosen in found or not found else found[0]
        out[p] = join(base, p)
    return out


_LITERAL = re.compile(r"""(?P<q>["'])(?P<body>(?:\\.|(?!(?P=q)).){8,}?)(?P=q)""")


def redact_literals(message: str, source: str) -> tuple[str, int]:
    """Cut any string literal of the flagged source that a message quotes in full.

    archguard already shortens secret values to a few characters; this is a second
    guard so that results files never carry a credential from the corpus. Only quoted
    occurrences count: a name such as `SECRET_KEY` in backticks is the setting, not
    its value.
    """
    count = 0
    for match in _LITERAL.finditer(source):
        body = match.group("body")
        for quoted in (f"'{body}'", f'"{body}"'):
            if quoted in message:
                message = message.replace(quoted, f"{quoted[0]}{body[:4]}…{quoted[0]}")
                count += 1
    return message, count


def count_lines(data: bytes) -> int:
    """Physical lines, counting a last line without a newline."""
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def dump_result(result: Result) -> str:
    """Sorted JSON with one finding per line, so that git diffs show findings."""
    data: dict[str, Any] = dict(result)
    body: list[str] = []
    for key, value in sorted(data.items()):
        if key == "findings":
            items = [json.dumps(f, sort_keys=True, ensure_ascii=False) for f in value]
            text = "[\n" + ",\n".join(f"  {i}" for i in items) + "\n ]" if items else "[]"
        else:
            text = json.dumps(value, sort_keys=True, ensure_ascii=False)
        body.append(f' "{key}": {text}')
    return "{\n" + ",\n".join(body) + "\n}\n"


def load_result(text: str) -> Result:
    data: Result = json.loads(text)
    return data


# --- labels --------------------------------------------------------------------------


def label_key(label: Label) -> tuple[str, str, int, str, str]:
    return (
        label["repo"],
        label["path"],
        label["line"],
        label["rule"],
        label["fingerprint"],
    )


def parse_labels(text: str) -> list[Label]:
    labels: list[Label] = [json.loads(line) for line in text.splitlines() if line.strip()]
    return labels


def dump_labels(labels: Iterable[Label]) -> str:
    rows = sorted(labels, key=label_key)
    return "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in rows)


def upsert_label(labels: Sequence[Label], new: Label) -> list[Label]:
    """Labels with ``new`` in, replacing the label of the same (repo, fingerprint)."""
    kept = [
        lab
        for lab in labels
        if (lab["repo"], lab["fingerprint"]) != (new["repo"], new["fingerprint"])
    ]
    return sorted([*kept, new], key=label_key)


Match = Literal["exact", "moved"]


@dataclass(frozen=True)
class Labelled:
    label: Label
    how: Match


def match_labels(
    findings: Mapping[str, Sequence[Finding]], labels: Sequence[Label]
) -> dict[tuple[str, str], Labelled]:
    """The label of each finding, keyed by (repo, fingerprint).

    A fingerprint changes when the code a rule hashes changes; a label whose fingerprint
    is gone but whose (repo, rule, path, line) is exactly a finding's still says
    something about it, so it matches as "moved" until someone relabels it.
    """
    by_fp = {(lab["repo"], lab["fingerprint"]): lab for lab in labels}
    current = {(repo, f["fingerprint"]) for repo, fs in findings.items() for f in fs}
    by_place: dict[tuple[str, str, str, int], Label] = {}
    for lab in sorted(labels, key=label_key):
        if (lab["repo"], lab["fingerprint"]) not in current:
            place = (lab["repo"], lab["rule"], lab["path"], lab["line"])
            by_place.setdefault(place, lab)
    out: dict[tuple[str, str], Labelled] = {}
    for repo, fs in findings.items():
        for f in fs:
            exact = by_fp.get((repo, f["fingerprint"]))
            if exact is not None:
                out[(repo, f["fingerprint"])] = Labelled(exact, "exact")
                continue
            moved = by_place.get((repo, f["rule_id"], f["path"], f["line"]))
            if moved is not None:
                out[(repo, f["fingerprint"])] = Labelled(moved, "moved")
    return out


def stale_labels(
    labels: Sequence[Label],
    matched: Mapping[tuple[str, str], Labelled],
    repos: Iterable[str],
) -> list[Label]:
    """Labels of scanned repositories that match no current finding."""
    used = {(m.label["repo"], m.label["fingerprint"]) for m in matched.values()}
    scanned = set(repos)
    return [
        lab
        for lab in labels
        if lab["repo"] in scanned and (lab["repo"], lab["fingerprint"]) not in used
    ]


# --- figures -------------------------------------------------------------------------


def precision(true: int, false: int) -> float | None:
    """true / (true + false); "unsure" labels count in neither, so they do not dilute it."""
    return true / (true + false) if true + false else None


def per_kloc(count: int, lines: int) -> float | None:
    return count * 1000 / lines if lines else None


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def fmt_percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


@dataclass
class Tally:
    """Findings and their verdicts over some subset of the findings."""

    findings: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)

    def add(self, labelled: Labelled | None) -> None:
        self.findings += 1
        self.verdicts[labelled.label["verdict"] if labelled else "unlabelled"] += 1

    @property
    def precision(self) -> float | None:
        return precision(self.verdicts["true"], self.verdicts["false"])

    @property
    def unlabelled(self) -> int:
        return self.verdicts["unlabelled"]


@dataclass(frozen=True)
class Corpus:
    """The current results and their labels, the input of every figure."""

    results: Mapping[str, Result]
    matched: Mapping[tuple[str, str], Labelled]
    #: Ids of the security rules: their findings are the "in-vocabulary" ones, the
    #: classes Bandit and Ruff's S rules also report, which the noise bar is about.
    security: frozenset[str] = frozenset()

    def items(self, kind: str | None = None) -> Iterable[tuple[Result, Finding]]:
        for repo in sorted(self.results):
            result = self.results[repo]
            if kind is None or result["kind"] == kind:
                for f in result["findings"]:
                    yield result, f

    def label_of(self, repo: str, f: Finding) -> Labelled | None:
        return self.matched.get((repo, f["fingerprint"]))

    def tally(
        self, kind: str | None = None, severity: str | None = None, security: bool = False
    ) -> Tally:
        t = Tally()
        for result, f in self.items(kind):
            if severity is not None and f["severity"] != severity:
                continue
            if security and f["rule_id"] not in self.security:
                continue
            t.add(self.label_of(result["repo"], f))
        return t

    def lines(self, kind: str | None = None) -> int:
        return sum(r["lines"] for r in self.results.values() if kind in (None, r["kind"]))

    def repos(self, kind: str | None = None) -> int:
        return sum(1 for r in self.results.values() if kind in (None, r["kind"]))


@dataclass
class RuleRow:
    rule_id: str
    rule_name: str
    by_kind: Counter[str] = field(default_factory=Counter)
    tally: Tally = field(default_factory=Tally)

    @property
    def flagged(self) -> bool:
        p = self.tally.precision
        return self.tally.findings >= FLAG_MIN_FINDINGS and p is not None and p < FLAG_MAX_PRECISION


def rule_rows(corpus: Corpus) -> list[RuleRow]:
    """One row per rule, most production findings first (the false-positive budget)."""
    rows: dict[str, RuleRow] = {}
    for result, f in corpus.items():
        row = rows.setdefault(f["rule_id"], RuleRow(f["rule_id"], f["rule_name"]))
        row.by_kind[result["kind"]] += 1
        row.tally.add(corpus.label_of(result["repo"], f))
    return sorted(
        rows.values(),
        key=lambda r: (-r.by_kind["production"], -r.tally.findings, r.rule_id),
    )


# --- diff ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RepoDiff:
    """Findings of one repository that appeared or disappeared since the previous run.

    ``previous_missing`` marks a repository with no previous results: listing all its
    findings as new would bury the real changes.
    """

    repo: str
    new: list[Finding]
    gone: list[Finding]
    previous_missing: bool = False


def diff_findings(current: Result, previous: Result | None) -> RepoDiff:
    if previous is None:
        return RepoDiff(current["repo"], [], [], previous_missing=True)
    before = {f["fingerprint"]: f for f in previous["findings"]}
    after = {f["fingerprint"]: f for f in current["findings"]}
    new = sorted((f for fp, f in after.items() if fp not in before), key=finding_key)
    gone = sorted((f for fp, f in before.items() if fp not in after), key=finding_key)
    return RepoDiff(current["repo"], new, gone)


# --- Markdown ------------------------------------------------------------------------


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    out = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def text_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """Columns padded for a plain-text block: the summary is meant to be quoted as is."""
    cells = [list(header), *([str(c) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    ]


def verdict_counts(t: Tally, unsure: bool = False) -> str:
    text = f"{t.verdicts['true']} true, {t.verdicts['false']} false"
    return f"{text}, {t.verdicts['unsure']} unsure" if unsure else text


def severity_line(t: Tally, lines: int) -> str:
    return (
        f"{t.findings} findings, {fmt_ratio(per_kloc(t.findings, lines))} per kLOC, "
        f"labelled precision {fmt_percent(t.precision)} ({verdict_counts(t)})"
    )


def summary_section(corpus: Corpus) -> list[str]:
    rows = []
    for kind in KINDS:
        t, lines = corpus.tally(kind), corpus.lines(kind)
        rows.append(
            (
                kind,
                corpus.repos(kind),
                f"{lines / 1000:.1f}",
                t.findings,
                fmt_ratio(per_kloc(t.findings, lines)),
                fmt_percent(t.precision),
                t.unlabelled,
            )
        )
    header = (
        "kind",
        "repos",
        "kLOC",
        "findings",
        "per kLOC",
        "precision",
        "unlabelled",
    )
    lines = corpus.lines("production")
    prod, err, overall, security = (
        corpus.tally("production"),
        corpus.tally("production", "error"),
        corpus.tally(),
        corpus.tally("production", security=True),
    )
    return [
        "## Summary",
        "",
        "```text",
        *text_table(header, rows),
        "",
        f"production, security rules: {severity_line(security, lines)} "
        "(bar 0.25, goal 0.10 per kLOC)",
        f"production, all severities: {severity_line(prod, lines)}",
        f"production, error severity: {severity_line(err, lines)}",
        (
            f"all repositories: labelled precision {fmt_percent(overall.precision)} "
            f"({verdict_counts(overall, unsure=True)}); "
            f"unlabelled {overall.unlabelled} of {overall.findings}"
        ),
        "```",
    ]


def rules_section(corpus: Corpus) -> list[str]:
    prod_lines = corpus.lines("production")
    rows = [
        (
            f"{r.rule_id} {r.rule_name}",
            r.by_kind["production"],
            fmt_ratio(per_kloc(r.by_kind["production"], prod_lines)),
            r.by_kind["vulnerable"],
            r.by_kind["ai-generated"],
            r.tally.verdicts["true"],
            r.tally.verdicts["false"],
            r.tally.verdicts["unsure"],
            fmt_percent(r.tally.precision),
            r.tally.unlabelled,
            "**yes**" if r.flagged else "",
        )
        for r in rule_rows(corpus)
    ]
    header = (
        "rule",
        "production",
        "prod. per kLOC",
        "vulnerable",
        "ai-generated",
        "true",
        "false",
        "unsure",
        "precision",
        "unlabelled",
        "flag",
    )
    return [
        "## Per rule",
        "",
        (
            f"Flag: at least {FLAG_MIN_FINDINGS} findings and a labelled precision under "
            f"{FLAG_MAX_PRECISION * 100:.0f}%."
        ),
        "",
        *table(header, rows),
    ]


def repos_section(corpus: Corpus) -> list[str]:
    rows = []
    for repo in sorted(corpus.results, key=lambda r: (KINDS.index(corpus.results[r]["kind"]), r)):
        res = corpus.results[repo]
        sev = Counter(f["severity"] for f in res["findings"])
        diags = ", ".join(f"{k} {n}" for k, n in sorted(res["diagnostics"].items())) or "-"
        rows.append(
            (
                repo,
                res["kind"],
                res["commit"][:10],
                res["files"],
                res["lines"],
                len(res["findings"]),
                *(sev[s] for s in SEVERITIES),
                len(res["scan_errors"]),
                diags,
            )
        )
    header = (
        "repo",
        "kind",
        "commit",
        "files",
        "lines",
        "findings",
        *SEVERITIES,
        "scan errors",
        "diagnostics",
    )
    return ["## Per repository", "", *table(header, rows), *scan_error_lines(corpus)]


def scan_error_lines(corpus: Corpus) -> list[str]:
    out: list[str] = []
    for repo in sorted(corpus.results):
        for err in corpus.results[repo]["scan_errors"]:
            tail = err["stderr_tail"].strip().splitlines()[-1:] or ["(no output)"]
            out.append(f"- {repo} `{err['path']}`: exit {err['exit_code']}: {tail[0]}")
    return ["", "Scan errors:", "", *out] if out else []


def describe(f: Finding, labelled: Labelled | None) -> str:
    verdict = ""
    if labelled is not None:
        moved = " (moved)" if labelled.how == "moved" else ""
        verdict = f" — labelled **{labelled.label['verdict']}**{moved}"
    message = truncate(f["message"], 120).replace("|", "\\|")
    return f"{f['rule_id']} `{f['path']}:{f['line']}` `{f['fingerprint']}`{verdict}: {message}"


def diff_section(corpus: Corpus, diffs: Sequence[RepoDiff], against: str, limit: int) -> list[str]:
    rows = [
        (
            d.repo,
            "no previous results" if d.previous_missing else len(d.new),
            "-" if d.previous_missing else len(d.gone),
        )
        for d in diffs
    ]
    out = [
        "## Diff against the previous results",
        "",
        f"Previous results: `{against}`.",
        "",
    ]
    out += table(("repo", "new", "gone"), rows)
    for d in diffs:
        if d.new or d.gone:
            out += ["", f"### {d.repo}"]
        for title, items, labels in (("New", d.new, True), ("Gone", d.gone, False)):
            if not items:
                continue
            out += ["", f"{title} ({len(items)}):", ""]
            shown = items if limit <= 0 else items[:limit]
            for f in shown:
                out.append("- " + describe(f, corpus.label_of(d.repo, f) if labels else None))
            if len(shown) < len(items):
                out.append(f"- … and {len(items) - len(shown)} more")
    return out


def labels_section(corpus: Corpus, stale: Sequence[Label]) -> list[str]:
    moved = sorted({m.label["fingerprint"] for m in corpus.matched.values() if m.how == "moved"})
    out = ["## Labels", ""]
    out.append(
        f"- labels matching a finding by fingerprint: "
        f"{sum(m.how == 'exact' for m in corpus.matched.values())}"
    )
    out.append(f"- labels matching only by repo, rule, path and line (moved): {len(moved)}")
    out.append(f"- labels matching no current finding (stale): {len(stale)}")
    return out


def render_report(
    results: Mapping[str, Result],
    labels: Sequence[Label],
    diffs: Sequence[RepoDiff],
    against: str,
    diff_limit: int = 100,
    security: frozenset[str] = frozenset(),
) -> str:
    """The whole Markdown report. Same inputs, same bytes."""
    matched = match_labels({r: res["findings"] for r, res in results.items()}, labels)
    corpus = Corpus(results, matched, security)
    versions = sorted({r["archguard_version"] for r in results.values()})
    parts = [
        "# archguard ecosystem check",
        "",
        (
            f"archguard {', '.join(versions) or '-'}; {len(results)} repositories; "
            "figures are defined in bench/corpus/README.md."
        ),
        "",
        *summary_section(corpus),
        "",
        *rules_section(corpus),
        "",
        *repos_section(corpus),
        "",
        *labels_section(corpus, stale_labels(labels, matched, results)),
        "",
        *diff_section(corpus, diffs, against, diff_limit),
    ]
    return "\n".join(parts) + "\n"
