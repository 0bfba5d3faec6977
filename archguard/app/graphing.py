"""The graph export use case: the project's module graph without running any rule."""

from __future__ import annotations

from archguard.app.scanning import (
    ProgressHook,
    ScanOptions,
    analyze_project,
    nested_projects,
)
from archguard.core.module_graph import ModuleGraph
from archguard.core.outcomes import Analysed
from archguard.graph.build import build_project
from archguard.graph.export import export_graph


def graph_of(options: ScanOptions, level: str, progress: ProgressHook | None = None) -> ModuleGraph:
    # No file rules: the graph needs only the per-file facts, which the fast path gives.
    location, settings, loaded, outcomes = analyze_project(options, [], progress)
    facts = [o.facts for o in outcomes if isinstance(o, Analysed)]
    project = build_project(facts, settings, nested_projects(location.root, loaded.files))
    return export_graph(project, level)
