"""The baseline use case: record today's findings so later scans show only new ones."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from archguard.app.baseline import render_baseline
from archguard.app.scanning import ScanOptions, execute_scan, locate_project


def write_baseline(options: ScanOptions, output: Path | None) -> tuple[Path, int]:
    project = locate_project(options)
    target = output or (
        project.root / project.settings.baseline
        if project.settings.baseline
        else project.root / "archguard-baseline.json"
    )
    # Paths from the git work tree's root (else the project root): the same file
    # whatever directory the baseline is written from.
    report = execute_scan(replace(options, no_baseline=True), for_baseline=True).report
    target.write_text(render_baseline(report.findings), encoding="utf-8")
    return target, len(report.findings)
