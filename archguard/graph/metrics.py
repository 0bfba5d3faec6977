"""Repo-level numbers that describe the module graph, for reports and trend lines."""

from __future__ import annotations

from archguard.graph.layering import layerings
from archguard.graph.project import Project
from archguard.graph.structure import (
    architecture_modules,
    module_graph,
    propagation_cost,
    strongly_connected,
)

Metrics = tuple[tuple[str, float | int], ...]


def repo_metrics(project: Project) -> Metrics:
    """modules and edges of the architecture graph (tests and migrations left out),
    import cycles, the share of modules in the largest one, propagation cost, the
    share of modules placed in a layer, and imports that break the layering."""
    modules = architecture_modules(project)
    graph = module_graph(project, modules)
    cycles = strongly_connected(graph)
    total = len(modules) or 1
    layering = layerings(project, modules, strict=False)[0]
    violations = sum(1 for a, b in graph.edges if layering.violation(a, b))
    return (
        ("modules", len(modules)),
        ("edges", graph.number_of_edges()),
        ("cycles", len(cycles)),
        ("largest_cycle_share", round(len(cycles[0]) / total, 3) if cycles else 0.0),
        ("propagation_cost", propagation_cost(graph)),
        ("layer_coverage", round(len(layering.placement) / total, 3)),
        ("layer_violations", violations),
    )
