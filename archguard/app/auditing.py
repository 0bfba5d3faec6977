"""The audit use case: a scan, plus the architecture picture and the route inventory
that the HTML report draws beside the findings."""

from __future__ import annotations

from dataclasses import dataclass

from archguard.app.display import rebase_routes
from archguard.app.scanning import ProgressHook, ScanOptions, execute_scan
from archguard.core.architecture import ArchitectureView
from archguard.core.report import ScanReport
from archguard.core.routes import Route
from archguard.graph.architecture import build_view
from archguard.web.routes import route_inventory


@dataclass(frozen=True)
class Audit:
    report: ScanReport
    architecture: ArchitectureView
    routes: tuple[Route, ...]
    #: Path -> bytes of every file read, for code excerpts.
    sources: dict[str, bytes]
    #: The project's directory name, for the report's title.
    title: str


def run_audit(options: ScanOptions, progress: ProgressHook | None = None) -> Audit:
    run = execute_scan(options, progress, want_project=True)
    project = run.project
    assert project is not None  # asked for with want_project
    return Audit(
        report=run.report,
        architecture=build_view(project),
        routes=rebase_routes(tuple(route_inventory(project).routes), run.prefix),
        sources=run.sources,
        title=run.root_name,
    )
