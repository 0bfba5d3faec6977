"""The architecture picture's content: modules grouped into boxes by layer, the
imports between boxes, and the import cycles."""

from __future__ import annotations

from collections import Counter, defaultdict

import networkx as nx

from archguard.core.architecture import (
    UNASSIGNED,
    ArchitectureView,
    Box,
    Link,
    LinkKind,
)
from archguard.core.facts import ImportKind
from archguard.graph.layering import layerings
from archguard.graph.metrics import repo_metrics
from archguard.graph.project import Project
from archguard.graph.structure import architecture_modules

#: When several imports share a link, the most telling one colours it.
_PRIORITY = {LinkKind.NORMAL: 0, LinkKind.CYCLE: 1, LinkKind.UPWARD: 2}
#: Above this many modules a box holds a package's modules of one layer, not one module.
MODULE_GRAIN_LIMIT = 48


def runtime_graph(project: Project) -> nx.DiGraph:
    """First-party imports that run: TYPE_CHECKING imports cannot form a cycle."""
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(project.modules))
    for a, b in project.first_party_edges():
        imports = project.graph.edges[a, b]["imports"]
        if any(fact.kind is not ImportKind.TYPE_CHECKING for fact in imports):
            graph.add_edge(a, b)
    return graph


def import_cycles(graph: nx.DiGraph) -> list[tuple[str, ...]]:
    components = (tuple(sorted(c)) for c in nx.strongly_connected_components(graph) if len(c) > 1)
    return sorted(components, key=lambda c: (-len(c), c))


def _box_key(module: str, is_package: bool, layer: str, grain: str) -> str:
    if grain == "module":
        return module
    package = module if is_package else module.rpartition(".")[0] or module
    return f"{package} [{layer}]"


def build_view(project: Project) -> ArchitectureView:
    modules = architecture_modules(project)
    layering = layerings(project, modules, strict=False)[0]
    layers = {
        m: layering.levels[layering.placement[m].level] if m in layering.placement else UNASSIGNED
        for m in modules
    }
    graph = runtime_graph(project).subgraph(modules).copy()
    cycles = import_cycles(graph)
    cycle_of = {m: i for i, cycle in enumerate(cycles) for m in cycle}
    grain = "module" if graph.number_of_nodes() <= MODULE_GRAIN_LIMIT else "package"

    members: dict[str, list[str]] = defaultdict(list)
    box_of: dict[str, str] = {}
    for name in sorted(graph):
        facts = project.modules[name]
        key = _box_key(name, facts.is_package, layers[name], grain)
        members[key].append(name)
        box_of[name] = key
    boxes = []
    for key, names in sorted(members.items()):
        boxes.append(
            Box(
                name=key,
                layer=layers[names[0]],
                modules=tuple(names),
                lines=sum(project.modules[m].line_count for m in names),
                in_cycle=any(m in cycle_of for m in names),
            )
        )

    weights: Counter[tuple[str, str]] = Counter()
    kinds: dict[tuple[str, str], LinkKind] = {}
    for a, b in sorted(graph.edges):
        pair = (box_of[a], box_of[b])
        if pair[0] == pair[1]:
            continue
        weights[pair] += 1
        kind = _kind(layering.violation(a, b) is not None, cycle_of.get(a), cycle_of.get(b))
        if pair not in kinds or _PRIORITY[kind] > _PRIORITY[kinds[pair]]:
            kinds[pair] = kind
    links = tuple(Link(a, b, weights[(a, b)], kinds[(a, b)]) for a, b in sorted(weights))

    used = {box.layer for box in boxes}
    order = tuple(layer for layer in (*layering.levels, UNASSIGNED) if layer in used)
    return ArchitectureView(order, tuple(boxes), links, tuple(cycles), repo_metrics(project), grain)


def _kind(upward: bool, cycle_a: int | None, cycle_b: int | None) -> LinkKind:
    if upward:
        return LinkKind.UPWARD
    if cycle_a is not None and cycle_a == cycle_b:
        return LinkKind.CYCLE
    return LinkKind.NORMAL
