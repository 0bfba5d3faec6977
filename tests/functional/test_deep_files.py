"""Files that stretch the parser keep their facts, or become a too-complex diagnostic;
the rest of the scan always goes on (issue 17)."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from archguard.app.scanning import ScanOptions, run_scan
from archguard.scan import analyze as analyze_module
from archguard.scan.analyze import Extractors, FileJob, FilePass, analyze
from archguard.scan.pool import analyze_files
from tests.functional.hostile_trees import shop

Cli = Callable[..., Result]


def _routes(cli: Cli, root: Path) -> dict[str, str]:
    result = cli("routes", root, "--no-cache", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["diagnostics"] == []
    return {
        f"{' '.join(r['methods'])} {r['path']}": r["standing"] + " " + r["location"]["path"]
        for r in data["routes"]
    }


def test_an_auth_dependency_in_python_314_syntax_still_guards_its_routes(
    cli: Cli, make_repo: Callable[..., Path]
) -> None:
    """deps.py uses PEP 758's ``except A, B:``, which this host's ast refuses: the file is
    lowered, not dropped, so the router's guard is still recognised."""
    root = make_repo(shop())
    assert "except jwt.ExpiredSignatureError, jwt.InvalidTokenError:" in (
        root / "app" / "deps.py"
    ).read_text(encoding="utf-8")
    assert _routes(cli, root) == {
        "GET /orders/{order_id}": "authenticated app/api/orders.py",
        "GET /orders/search": "authenticated app/api/orders.py",
        "GET /reports/sales": "no authentication app/api/reports.py",
        "DELETE /reports/sales/{report_id}": "no authentication app/api/reports.py",
    }
    report = json.loads(cli("scan", root, "--no-cache", "--no-semgrep", "--format", "json").output)
    assert report["diagnostics"] == []
    unguarded = {f["location"]["path"] for f in report["findings"] if f["rule_id"] == "AG201"}
    assert unguarded == {"app/api/reports.py"}  # and not the guarded order routes


def test_long_chains_keep_the_files_facts(cli: Cli, make_repo: Callable[..., Path]) -> None:
    """An 8,000-term sum, 200 chained .filter() calls and a 1,000-part concatenation: no
    RecursionError, no lost facts, the same routes and findings as the short versions."""
    short = make_repo(shop())
    expected_routes = _routes(cli, short)
    expected = _ids(cli, short)
    long = short.parent / "long"
    for rel, source in shop(terms=8000, filters=200, parts=1000).items():
        (long / rel).parent.mkdir(parents=True, exist_ok=True)
        (long / rel).write_text(source, encoding="utf-8")
    (long / "pyproject.toml").write_text("[tool.archguard]\n", encoding="utf-8")
    assert _routes(cli, long).keys() == expected_routes.keys()
    assert set(_routes(cli, long).values()) == set(expected_routes.values())
    found = _ids(cli, long)
    # The 8,000-line module is also a god module; nothing else changes.
    assert found - expected == {("AG404", "app/api/reports.py")}
    assert ("AG201", "app/api/reports.py") in found


def _ids(cli: Cli, root: Path) -> set[tuple[str, str]]:
    result = cli("scan", root, "--no-cache", "--no-semgrep", "--format", "json")
    report = json.loads(result.output)
    assert report["diagnostics"] == [], report["diagnostics"]
    assert report["summary"]["analysed"] == report["summary"]["files"]
    return {(f["rule_id"], f["location"]["path"]) for f in report["findings"]}


def test_nesting_that_crashes_native_parsers_is_a_diagnostic(
    cli: Cli, make_repo: Callable[..., Path]
) -> None:
    """1,500 nested brackets, and a 12,000-operator chain in a file that also needs
    lowering: libcst's native parser would crash or take minutes on both. Each is one
    too-complex diagnostic; every other file is analysed, in one process and in many."""
    files = shop()
    files["app/generated/matrix.py"] = "GRID = " + "[" * 1500 + "]" * 1500 + "\n"
    files["app/generated/weights.py"] = (
        "try:\n    import numpy\nexcept ImportError, OSError:\n    numpy = None\n"
        "TOTAL = (\n" + " +\n".join(f"    {i}" for i in range(12_000)) + "\n)\n"
    )
    for i in range(30):  # enough files for the worker pool
        files[f"app/generated/table_{i}.py"] = f"ROWS_{i} = [{i}, {i + 1}]\n"
    root = make_repo(files)
    for jobs in ("1", "2"):
        result = cli("scan", root, "--no-cache", "--no-semgrep", "--format", "json", "-j", jobs)
        assert result.exit_code == 1
        report = json.loads(result.output)
        assert {(d["path"], d["kind"]) for d in report["diagnostics"]} == {
            ("app/generated/matrix.py", "too-complex"),
            ("app/generated/weights.py", "too-complex"),
        }
        messages = {d["path"]: d["message"] for d in report["diagnostics"]}
        assert "too many nested parentheses" in messages["app/generated/matrix.py"]
        assert "11,999 operators" in messages["app/generated/weights.py"]
        assert report["summary"]["analysed"] == report["summary"]["files"] - 2
        assert ("AG201", "app/api/reports.py") in {
            (f["rule_id"], f["location"]["path"]) for f in report["findings"]
        }


def test_a_file_over_its_time_budget_is_too_complex_and_not_retried(
    make_repo: Callable[..., Path], monkeypatch: object
) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    files = shop()
    files["app/generated/rates.py"] = (
        "RATES = {\n"
        + "".join(f"    'r{i}': (1 + {i}) * 2 - {i} // 3,\n" for i in range(40_000))
        + "}\n"
    )
    root = make_repo(files)
    # The module takes about two CPU seconds; the others a few milliseconds.
    monkeypatch.setattr(analyze_module, "TIME_BUDGET", 0.5)
    options = ScanOptions(paths=(root,), jobs=1, semgrep=False)
    first = run_scan(options)
    assert [(d.path, d.kind.value) for d in first.diagnostics] == [
        ("app/generated/rates.py", "too-complex")
    ]
    assert "budget of 0.5 CPU seconds" in first.diagnostics[0].message
    assert first.files_failed == 1 and first.files_analysed == first.files_total - 1
    # The verdict is cached for this content: a warm scan does not spend the time again,
    # and still says the file was not analysed.
    monkeypatch.setattr(analyze_module, "TIME_BUDGET", 3600.0)
    second = run_scan(options)
    assert second.diagnostics == first.diagnostics


def _crash_on_marker(tree: object, module: str, imports: object, data: bytes) -> None:
    if b"CRASH-HERE" in data:
        import ctypes

        ctypes.string_at(0)  # SIGSEGV, as a native parser's stack overflow would be


def test_a_worker_that_dies_costs_its_file_only_and_is_never_rerun_in_process() -> None:
    spec = FilePass(
        (), 1 << 20, Extractors(web=_crash_on_marker, orm=lambda *_: None, taint=lambda *_: None)
    )
    jobs = [
        FileJob(
            f"app/m{i}.py",
            b"x = 1\n# CRASH-HERE\n" if i in (3, 40) else b"x = 1\n",
            f"app.m{i}",
            False,
        )
        for i in range(64)
    ]
    outcomes = analyze_files(jobs, spec, workers=2)
    failed = {o.path: o for o in outcomes if type(o).__name__ != "Analysed"}
    assert set(failed) == {"app/m3.py", "app/m40.py"}
    for outcome in failed.values():
        message = outcome.diagnostic.message  # type: ignore[union-attr]
        assert "worker process analysing this file was killed by SIGSEGV" in message
    assert [o.path for o in outcomes] == [j.path for j in jobs]
    assert multiprocessing.active_children() == []
    # Had the parent re-run the job itself, this test process would have died here.


def test_a_crash_in_the_parent_leaves_no_worker_behind() -> None:
    jobs = [FileJob(f"m{i}.py", b"x = 1\n", f"m{i}", False) for i in range(64)]

    def explode(_: int) -> None:
        raise RuntimeError("progress display failed")

    try:
        analyze_files(jobs, FilePass((), 1 << 20), workers=2, on_done=explode)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the error should propagate")
    assert multiprocessing.active_children() == []


def test_the_bare_pass_gives_a_value_for_every_depth() -> None:
    spec = FilePass((), 1 << 24)
    for source in (
        "x = " + " + ".join(["a"] * 30_000) + "\n",
        "x = a" + ".b" * 3_000 + "\n",
        "x = a" + "[0]" * 3_000 + "\n",
        "x = " + "(" * 199 + "1" + ")" * 199 + "\n",
    ):
        outcome = analyze(FileJob("m.py", source.encode(), "m", False), spec)
        assert type(outcome).__name__ == "Analysed", outcome
    for source in (
        "x = " + "-" * 5_000 + "1\n",
        "x = " + "(" * 1_500 + "1" + ")" * 1_500 + "\n",
        "".join(" " * i + "if x:\n" for i in range(120)) + " " * 120 + "pass\n",
    ):
        outcome = analyze(FileJob("m.py", source.encode(), "m", False), spec)
        assert type(outcome).__name__ in ("Analysed", "Failed")
        if type(outcome).__name__ == "Failed":
            assert outcome.diagnostic.kind.value in ("too-complex", "syntax-error")  # type: ignore[union-attr]


def test_a_file_whose_facts_are_built_in_part_is_counted_and_reported(
    make_repo: Callable[..., Path], monkeypatch: object
) -> None:
    import pytest

    from archguard.app import file_pass as file_pass_module

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    real = file_pass_module.EXTRACTORS

    def web(tree: object, module: str, imports: object, data: bytes) -> object:
        if b"TOO_DEEP" in data:
            raise RecursionError("maximum recursion depth exceeded")
        return real.web(tree, module, imports, data)  # type: ignore[arg-type]

    monkeypatch.setattr(
        file_pass_module, "EXTRACTORS", Extractors(web=web, orm=real.orm, taint=real.taint)
    )  # type: ignore[arg-type]
    files = shop()
    files["app/api/orders.py"] += "\nTOO_DEEP = 1\n"
    root = make_repo(files)
    report = run_scan(ScanOptions(paths=(root,), jobs=1, use_cache=False, semgrep=False))
    assert report.files_incomplete == 1
    assert [(d.path, d.kind.value) for d in report.diagnostics] == [
        ("app/api/orders.py", "too-complex")
    ]
    assert "routes and guards of this file were not extracted" in report.diagnostics[0].message
    from archguard.report import json_report, text

    assert json.loads(json_report.render(report))["summary"]["incomplete"] == 1
    assert "1 analysed in part" in text.render(report)


def test_a_native_parser_crash_or_hang_costs_the_child_only() -> None:
    """What lowering relies on: libcst's parser runs in a forked child."""
    import ctypes
    import time

    from archguard.scan.isolation import Died, Done, run_isolated

    def segfault(text: str) -> str:
        ctypes.string_at(0)
        return text

    def hang(text: str) -> str:
        time.sleep(60)
        return text

    crashed = run_isolated(segfault, "x", 30)
    assert crashed == Died("the parser crashed (SIGSEGV)")
    started = time.monotonic()
    assert run_isolated(hang, "x", 0.5) == Died("took more than 0.5 s to parse")
    assert time.monotonic() - started < 10
    assert run_isolated(str.upper, "naïve \udce9", 30) == Done("NAÏVE \udce9")
    assert multiprocessing.active_children() == []
