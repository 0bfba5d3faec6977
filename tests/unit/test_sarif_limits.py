"""GitHub's SARIF limits: results per run and gzipped size, each cut announced."""

from __future__ import annotations

import gzip
import json
from typing import Any

from archguard.core.findings import Finding, Location
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.report import ScanReport
from archguard.report import sarif
from archguard.rules.registry import all_rules
from tests.conftest import assert_valid_sarif

META = next(r.meta for r in all_rules() if r.meta.id == "AG501")


def _report(count: int) -> ScanReport:
    findings = []
    for n in range(count):
        severity = Severity.ERROR if n % 10 == 0 else Severity.NOTE
        findings.append(
            Finding(
                rule_id=META.id,
                rule_name=META.name,
                category=Category.SQL_INJECTION,
                severity=severity,
                confidence=Confidence.HIGH,
                message=f"finding number {n} with some words to make it longer {n * 7919 % 10007}",
                location=Location(f"app/module_{n % 97}.py", n + 1, 1, n + 1, 10),
                fingerprint=f"{n:032x}",
                line_hash=f"{n:016x}:1",
            )
        )
    return ScanReport(tuple(findings), (), (META,), 1, 1, 0, 0)


def _notes(log: dict[str, Any]) -> list[str]:
    return [
        n["message"]["text"]
        for n in log["runs"][0]["invocations"][0].get("toolExecutionNotifications", [])
    ]


def test_result_cap_keeps_the_most_severe_and_says_so() -> None:
    log = sarif.build(_report(300), max_results=40)
    results = log["runs"][0]["results"]
    assert len(results) == 40
    assert sum(r["level"] == "error" for r in results) == 30, "all 30 errors kept first"
    assert any("260 of 300 results were left out" in n for n in _notes(log))


def test_size_cap_fits_the_gzipped_log_under_the_limit() -> None:
    report = _report(2000)
    full = sarif.render(report)
    limit = len(gzip.compress(full.encode())) // 3
    text = sarif.render(report, max_gzip_bytes=limit)
    assert len(gzip.compress(text.encode(), mtime=0)) <= limit
    log = assert_valid_sarif(text)
    kept = len(log["runs"][0]["results"])
    assert 0 < kept < 2000
    assert any("of gzipped SARIF" in n and f"{2000 - kept} of 2000" in n for n in _notes(log))
    assert sarif.render(report, max_gzip_bytes=limit) == text, "deterministic"
    assert (
        json.loads(full)["runs"][0]["results"]
        and len(json.loads(full)["runs"][0]["results"]) == 2000
    )
