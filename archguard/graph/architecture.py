"""The architecture picture's content: modules grouped into boxes by layer, the
imports between boxes, and the import cycles."""

from __future__ import annotations

from collections import Counter, defaultdict

import networkx as nx

from archguard.core.architecture import (
    LAYERS,
    UNASSIGNED,
    ArchitectureView,
    Box,
    Link,
    LinkKind,
    layer_rank,
)
from archguard.core.facts import ImportKind
from archguard.graph.layers import infer_layers
from archguard.graph.project import Project

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


def _pictured(project: Project) -> set[str]:
    """Application modules: tests, migrations and empty packages only add clutter."""
    out = set()
    for name, facts in project.modules.items():
        parts = facts.path.split("/")
        if {"tests", "test", "migrations"} & set(parts[:-1]) or parts[-1].startswith("test_") \
                or parts[-1] in ("tests.py", "conftest.py"):
            continue
        if facts.line_count == 0 and facts.is_package:
            continue
        out.add(name)
    return out


def _box_key(module: str, is_package: bool, layer: str, grain: str) -> str:
    if grain == "module":
        return module
    package = module if is_package else module.rpartition(".")[0] or module
    return f"{package} [{layer}]"


def build_view(project: Project) -> ArchitectureView:
    layers = infer_layers(project.modules)
    graph = runtime_graph(project).subgraph(_pictured(project)).copy()
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
        boxes.append(Box(
            name=key,
            layer=layers[names[0]],
            modules=tuple(names),
            lines=sum(project.modules[m].line_count for m in names),
            in_cycle=any(m in cycle_of for m in names),
        ))

    weights: Counter[tuple[str, str]] = Counter()
    kinds: dict[tuple[str, str], LinkKind] = {}
    for a, b in sorted(graph.edges):
        pair = (box_of[a], box_of[b])
        if pair[0] == pair[1]:
            continue
        weights[pair] += 1
        kind = _kind(layers[a], layers[b], cycle_of.get(a), cycle_of.get(b))
        if pair not in kinds or _PRIORITY[kind] > _PRIORITY[kinds[pair]]:
            kinds[pair] = kind
    links = tuple(Link(a, b, weights[(a, b)], kinds[(a, b)]) for a, b in sorted(weights))

    used = {box.layer for box in boxes}
    order = tuple(layer for layer in (*LAYERS, UNASSIGNED) if layer in used)
    assigned = sum(1 for m in graph if layers[m] != UNASSIGNED)
    largest = len(cycles[0]) if cycles else 0
    total = graph.number_of_nodes() or 1
    metrics = (
        ("modules", graph.number_of_nodes()),
        ("edges", graph.number_of_edges()),
        ("cycles", len(cycles)),
        ("largest_cycle_share", round(largest / total, 3)),
        ("layer_coverage", round(assigned / total, 3)),
        ("upward_imports", sum(1 for a, b in graph.edges if _upward(layers[a], layers[b]))),
    )
    return ArchitectureView(order, tuple(boxes), links, tuple(cycles), metrics, grain)


def _upward(source: str, target: str) -> bool:
    low, high = layer_rank(source), layer_rank(target)
    return low is not None and high is not None and high < low


def _kind(source: str, target: str, cycle_a: int | None, cycle_b: int | None) -> LinkKind:
    if _upward(source, target):
        return LinkKind.UPWARD
    if cycle_a is not None and cycle_a == cycle_b:
        return LinkKind.CYCLE
    return LinkKind.NORMAL
