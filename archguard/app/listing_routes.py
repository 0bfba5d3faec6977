"""The route listing use case: every HTTP route of a project with its guards."""

from __future__ import annotations

from dataclasses import dataclass

from archguard.app.display import display_root, prefix_for, rebase_diagnostics, rebase_routes
from archguard.app.scanning import ProgressHook, ScanOptions, analyze_project, app_groups
from archguard.core.outcomes import Analysed, Diagnostic
from archguard.core.routes import Route
from archguard.graph.build import build_project
from archguard.web.routes import route_inventory


@dataclass(frozen=True)
class RouteListing:
    routes: tuple[Route, ...]
    #: Files that could not be analysed: their routes are missing from the list.
    diagnostics: tuple[Diagnostic, ...]
    files_total: int


def list_routes(options: ScanOptions, progress: ProgressHook | None = None) -> RouteListing:
    # No file rules: the listing needs only the per-file facts, which the fast path gives.
    location, settings, loaded, outcomes = analyze_project(options, [], progress)
    facts = [o.facts for o in outcomes if isinstance(o, Analysed)]
    diagnostics = tuple(sorted(o.diagnostic for o in outcomes if not isinstance(o, Analysed)))
    routes = [
        route
        for group in app_groups(facts, loaded.roots)
        for route in route_inventory(build_project(group, settings)).routes
    ]
    prefix = prefix_for(location.root, display_root(location.root))
    return RouteListing(
        rebase_routes(tuple(routes), prefix),
        rebase_diagnostics(diagnostics, prefix),
        len(loaded.files),
    )
