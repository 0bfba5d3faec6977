"""The module graph for export: nodes coloured by layer, edges by kind, layering
violations and cycles marked; at module or package level."""

from __future__ import annotations

from collections import defaultdict

from archguard.core.architecture import UNASSIGNED
from archguard.core.facts import ImportKind
from archguard.core.module_graph import GraphEdge, GraphNode, ModuleGraph
from archguard.graph.layering import layerings
from archguard.graph.metrics import repo_metrics
from archguard.graph.project import Project
from archguard.graph.structure import (
    architecture_modules,
    module_graph,
    strongly_connected,
)


def export_graph(project: Project, level: str = "module") -> ModuleGraph:
    modules = architecture_modules(project)
    layering = layerings(project, modules, strict=False)[0]
    everything = module_graph(project, modules, tuple(ImportKind))
    runtime = module_graph(project, modules)
    cycles = strongly_connected(runtime)
    cycle_of = {m: i for i, c in enumerate(cycles) for m in c}

    def layer(module: str) -> str:
        place = layering.placement.get(module)
        return layering.levels[place.level] if place else UNASSIGNED

    def group(module: str) -> str:
        if level == "module":
            return module
        facts = project.modules[module]
        return module if facts.is_package else (module.rpartition(".")[0] or module)

    members: dict[str, list[str]] = defaultdict(list)
    for module in sorted(modules):
        members[group(module)].append(module)
    nodes = []
    for name, names in sorted(members.items()):
        layers = sorted({layer(m) for m in names})
        cycle_ids = sorted({cycle_of[m] for m in names if m in cycle_of})
        nodes.append(
            GraphNode(
                name=name,
                layer=layers[0] if len(layers) == 1 else "mixed",
                lines=sum(project.modules[m].line_count for m in names),
                cycle=cycle_ids[0] if cycle_ids else -1,
            )
        )

    counts: dict[tuple[str, str], int] = defaultdict(int)
    kinds: dict[tuple[str, str], set[str]] = defaultdict(set)
    violations: dict[tuple[str, str], str] = {}
    cyclic: set[tuple[str, str]] = set()
    for a, b in sorted(everything.edges):
        pair = (group(a), group(b))
        if pair[0] == pair[1]:
            continue
        facts = everything.edges[a, b]["imports"]
        counts[pair] += len({f.line for f in facts})
        kinds[pair].update(f.kind.value for f in facts)
        reason = layering.violation(a, b) if runtime.has_edge(a, b) else None
        if reason and pair not in violations:
            violations[pair] = reason
        if a in cycle_of and cycle_of[a] == cycle_of.get(b) and runtime.has_edge(a, b):
            cyclic.add(pair)
    edges = tuple(
        GraphEdge(
            a,
            b,
            counts[(a, b)],
            tuple(sorted(kinds[(a, b)])),
            violations.get((a, b), ""),
            (a, b) in cyclic,
        )
        for a, b in sorted(counts)
    )
    return ModuleGraph(
        level,
        tuple(layering.levels),
        tuple(nodes),
        edges,
        tuple(cycles),
        repo_metrics(project),
        layering.source,
    )
