"""The ecosystem check's pure logic (bench/corpus/ecosystem.py) on small made-up data.

Nothing here reads the corpus or the snapshots: results and labels are built in the test.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ECOSYSTEM = Path(__file__).resolve().parents[2] / "bench" / "corpus" / "ecosystem.py"


def _load() -> ModuleType:
    # bench/ is not a package; load the module from its file. It must be in sys.modules
    # before it runs, for its dataclasses to resolve their annotations.
    spec = importlib.util.spec_from_file_location("corpus_ecosystem", ECOSYSTEM)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


eco = _load()


def finding(
    fp: str,
    rule: str = "AG201",
    path: str = "app.py",
    line: int = 1,
    severity: str = "error",
) -> Any:
    return eco.Finding(
        rule_id=rule,
        rule_name=f"name-{rule}",
        severity=severity,
        confidence="high",
        path=path,
        line=line,
        end_line=line,
        fingerprint=fp,
        message=f"message {fp}",
    )


def result(repo: str, findings: list[Any], kind: str = "production", lines: int = 1000) -> Any:
    return eco.Result(
        repo=repo,
        commit="0" * 40,
        kind=kind,
        archguard_version="0.1.0",
        scan_paths=["."],
        lines=lines,
        files=3,
        scanned_files=3,
        scan_errors=[],
        diagnostics={},
        findings=findings,
    )


def label(
    fp: str,
    verdict: str = "true",
    repo: str = "o/r",
    rule: str = "AG201",
    path: str = "app.py",
    line: int = 1,
) -> Any:
    return eco.Label(
        fingerprint=fp,
        rule=rule,
        repo=repo,
        path=path,
        line=line,
        verdict=verdict,
        reason="because",
    )


# --- figures -------------------------------------------------------------------------


def test_precision_is_true_over_true_and_false() -> None:
    assert eco.precision(3, 1) == 0.75
    assert eco.precision(0, 2) == 0.0
    assert eco.precision(0, 0) is None


def test_unsure_labels_do_not_dilute_precision() -> None:
    tally = eco.Tally()
    for verdict in ("true", "true", "false", "unsure"):
        tally.add(eco.Labelled(label("x", verdict), "exact"))
    tally.add(None)
    assert tally.findings == 5
    assert tally.precision == pytest.approx(2 / 3)
    assert tally.unlabelled == 1


def test_per_kloc() -> None:
    assert eco.per_kloc(5, 2500) == 2.0
    assert eco.per_kloc(5, 0) is None
    assert eco.fmt_ratio(None) == "-"
    assert eco.fmt_ratio(2.0) == "2.00"
    assert eco.fmt_percent(None) == "-"
    assert eco.fmt_percent(0.755) == "76%"


def test_count_lines_counts_a_last_line_without_newline() -> None:
    assert eco.count_lines(b"") == 0
    assert eco.count_lines(b"a\n") == 1
    assert eco.count_lines(b"a\n\nb") == 3


# --- labels --------------------------------------------------------------------------


def test_labels_match_by_repo_and_fingerprint() -> None:
    labels = [label("fp1", "true"), label("fp1", "false", repo="other/repo")]
    matched = eco.match_labels({"o/r": [finding("fp1")]}, labels)
    assert matched[("o/r", "fp1")] == eco.Labelled(labels[0], "exact")


def test_a_label_whose_fingerprint_is_gone_matches_by_place_as_moved() -> None:
    old = label("old", "false", line=7)
    matched = eco.match_labels({"o/r": [finding("new", line=7)]}, [old])
    assert matched[("o/r", "new")] == eco.Labelled(old, "moved")


def test_moved_needs_the_exact_place_and_rule() -> None:
    findings = {"o/r": [finding("a", line=8), finding("b", rule="AG202", line=7)]}
    assert eco.match_labels(findings, [label("old", line=7)]) == {}


def test_a_label_whose_fingerprint_still_exists_does_not_also_match_by_place() -> None:
    # fp1 moved to line 9; a new finding took its old line: it is not fp1's verdict.
    lab = label("fp1", line=7)
    matched = eco.match_labels({"o/r": [finding("fp1", line=9), finding("fp2", line=7)]}, [lab])
    assert matched == {("o/r", "fp1"): eco.Labelled(lab, "exact")}


def test_stale_labels_are_those_of_scanned_repos_matching_nothing() -> None:
    labels = [label("kept"), label("stale"), label("elsewhere", repo="not/scanned")]
    matched = eco.match_labels({"o/r": [finding("kept")]}, labels)
    assert eco.stale_labels(labels, matched, ["o/r"]) == [labels[1]]


def test_upsert_replaces_the_label_of_the_same_repo_and_fingerprint_and_sorts() -> None:
    labels = [label("b", line=5), label("a", "false", line=9)]
    out = eco.upsert_label(labels, label("a", "true", line=2))
    assert [(lab["fingerprint"], lab["verdict"]) for lab in out] == [
        ("a", "true"),
        ("b", "true"),
    ]


def test_labels_round_trip_sorted_one_per_line() -> None:
    labels = [label("z", path="b.py"), label("y", path="a.py"), label("x", repo="a/a")]
    text = eco.dump_labels(labels)
    assert [json.loads(line)["fingerprint"] for line in text.splitlines()] == [
        "x",
        "y",
        "z",
    ]
    assert eco.parse_labels(text + "\n") == sorted(labels, key=eco.label_key)


# --- diff ----------------------------------------------------------------------------


def test_diff_is_by_fingerprint() -> None:
    before = result("o/r", [finding("same", line=1), finding("gone")])
    after = result("o/r", [finding("same", line=40), finding("new")])
    diff = eco.diff_findings(after, before)
    assert [f["fingerprint"] for f in diff.new] == ["new"]
    assert [f["fingerprint"] for f in diff.gone] == ["gone"]


def test_diff_without_previous_results_lists_nothing() -> None:
    diff = eco.diff_findings(result("o/r", [finding("a")]), None)
    assert diff.previous_missing and diff.new == [] and diff.gone == []


# --- results -------------------------------------------------------------------------


def test_candidate_bases_start_with_the_scanned_directory_then_the_root() -> None:
    assert eco.candidate_bases(".") == [""]
    assert eco.candidate_bases("a/b/c") == ["a/b/c", "", "a/b", "a"]


def test_paths_relative_to_the_scanned_directory_get_its_prefix() -> None:
    files = {"python/lab/app.py", "python/lab/db.py", "app.py"}
    out = eco.normalise_paths(["app.py", "db.py"], "python/lab", files.__contains__)
    # app.py exists at the root too; the base that explains every path wins.
    assert out == {"app.py": "python/lab/app.py", "db.py": "python/lab/db.py"}


def test_paths_already_relative_to_the_repo_root_are_kept() -> None:
    files = {"services/w/crapi/views.py"}
    out = eco.normalise_paths(["services/w/crapi/views.py"], "services/w", files.__contains__)
    assert out == {"services/w/crapi/views.py": "services/w/crapi/views.py"}


def test_scoped_fingerprints_only_for_repos_of_several_scans() -> None:
    assert eco.scoped_fingerprint("python/lab", "abc", True) == "python/lab:abc"
    assert eco.scoped_fingerprint("python/lab", "abc", False) == "abc"


def test_redaction_cuts_quoted_literals_of_the_source_not_names() -> None:
    source = 'SECRET_KEY = os.environ.get("SECRET_KEY", "hunter2hunter2")'
    message = "Hardcoded secret in `SECRET_KEY`: the string literal 'hunter2hunter2'."
    out, count = eco.redact_literals(message, source)
    assert out == "Hardcoded secret in `SECRET_KEY`: the string literal 'hunt…'."
    assert count == 1
    assert eco.redact_literals("the literal 'hunt…' (14 chars)", source) == (
        "the literal 'hunt…' (14 chars)",
        0,
    )


def test_truncate() -> None:
    assert eco.truncate("abc", 3) == "abc"
    assert eco.truncate("abcd", 3) == "ab…"


def test_results_dump_sorted_and_loads_back() -> None:
    res = result("o/r", [finding("a"), finding("b")])
    text = eco.dump_result(res)
    assert eco.load_result(text) == res
    assert list(json.loads(text)) == sorted(res)
    # One finding per line, so that git diffs of results files read as finding lists.
    rows = [line.strip().rstrip(",") for line in text.splitlines() if '"fingerprint"' in line]
    assert [json.loads(row) for row in rows] == res["findings"]


# --- report --------------------------------------------------------------------------


def _corpus() -> tuple[dict[str, Any], list[Any]]:
    noisy = [finding(f"n{i}", rule="AG999", line=i) for i in range(10)]
    results = {
        "p/p": result("p/p", [*noisy, finding("ok", rule="AG101", severity="warning")], lines=2000),
        "v/v": result("v/v", [finding("vv", rule="AG101")], kind="vulnerable", lines=500),
    }
    labels = [
        label(f"n{i}", "false" if i < 5 else "true", repo="p/p", rule="AG999", line=i)
        for i in range(10)
    ]
    return results, labels


def test_rule_rows_count_by_kind_and_flag_imprecise_rules() -> None:
    results, labels = _corpus()
    matched = eco.match_labels({r: res["findings"] for r, res in results.items()}, labels)
    rows = {r.rule_id: r for r in eco.rule_rows(eco.Corpus(results, matched))}
    assert rows["AG999"].by_kind["production"] == 10
    assert rows["AG999"].tally.precision == 0.5
    assert rows["AG999"].flagged
    assert rows["AG101"].by_kind == {"production": 1, "vulnerable": 1}
    assert rows["AG101"].tally.precision is None and not rows["AG101"].flagged


def test_report_figures_and_determinism() -> None:
    results, labels = _corpus()
    diffs = [
        eco.diff_findings(results["p/p"], result("p/p", [finding("old")])),
        eco.diff_findings(results["v/v"], None),
    ]
    text = eco.render_report(results, labels, diffs, "HEAD")
    assert text == eco.render_report(dict(reversed(results.items())), labels[::-1], diffs, "HEAD")
    assert "production, all severities: 11 findings, 5.50 per kLOC, labelled precision 50%" in text
    assert "production, error severity: 10 findings, 5.00 per kLOC" in text
    assert "| AG999 name-AG999 | 10 | 5.00 | 0 | 0 | 5 | 5 | 0 | 50% | 0 | **yes** |" in text
    assert "| AG101 name-AG101 | 1 | 0.50 | 1 | 0 | 0 | 0 | 0 | - | 2 |  |" in text
    assert "| p/p | 11 | 1 |" in text
    assert "| v/v | no previous results | - |" in text
    assert "AG999 `app.py:0` `n0` — labelled **false**" in text
