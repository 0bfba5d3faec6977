"""The module graph as the architecture rules see it: application modules only, with
the imports that run, and the numbers that describe it."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import networkx as nx

from archguard.config.globs import matches_any
from archguard.core.facts import ImportFact, ImportKind
from archguard.graph.project import Project

#: Imports that execute when the program runs. TYPE_CHECKING imports never do, and
#: framework strings are resolved lazily, so neither can form an import cycle.
RUNTIME_KINDS = frozenset({ImportKind.MODULE, ImportKind.FUNCTION, ImportKind.DYNAMIC})


def architecture_modules(project: Project) -> set[str]:
    """First-party modules minus tests, migrations and whatever else ``graph-exclude``
    names, and minus empty package markers."""
    excluded = project.settings.graph_exclude
    return {
        name
        for name, facts in project.modules.items()
        if not matches_any(excluded, facts.path)
        and not (facts.is_package and facts.line_count == 0)
    }


def imports_between(project: Project, a: str, b: str) -> list[ImportFact]:
    return sorted(project.graph.edges[a, b]["imports"]) if project.graph.has_edge(a, b) else []


def module_graph(
    project: Project, modules: set[str], kinds: Iterable[ImportKind] = RUNTIME_KINDS
) -> nx.DiGraph:
    """Edges between ``modules`` carried by at least one import of ``kinds``; each edge's
    ``imports`` holds those imports."""
    wanted = frozenset(kinds)
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(modules))
    for a, b in project.first_party_edges():
        if a in modules and b in modules:
            facts = [f for f in project.graph.edges[a, b]["imports"] if f.kind in wanted]
            if facts:
                graph.add_edge(a, b, imports=sorted(facts))
    return graph


def strongly_connected(graph: nx.DiGraph) -> list[tuple[str, ...]]:
    """Components of two or more modules, largest first."""
    components = (tuple(sorted(c)) for c in nx.strongly_connected_components(graph) if len(c) > 1)
    return sorted(components, key=lambda c: (-len(c), c))


def feedback_arcs(
    graph: nx.DiGraph,
    cost: Callable[[str, str], float] | None = None,
) -> list[tuple[str, str]]:
    """A small set of edges whose removal leaves ``graph`` acyclic: the greedy
    heuristic of Eades, Lin and Smyth (1993), weighted by ``cost`` (by default how
    many imports an edge carries) so the cheapest imports are proposed. Deterministic:
    ties go by name."""
    work = graph.copy()
    left: list[str] = []
    right: list[str] = []

    def weight(a: str, b: str) -> float:
        if cost is not None:
            return cost(a, b)
        return float(len(graph.edges[a, b].get("imports", ())) or 1)

    while work:
        changed = True
        while changed:
            changed = False
            for node in sorted(n for n in work if work.out_degree(n) == 0):
                right.append(node)
                work.remove_node(node)
                changed = True
            for node in sorted(n for n in work if work.in_degree(n) == 0):
                left.append(node)
                work.remove_node(node)
                changed = True
        if not work:
            break
        node = max(
            sorted(work),
            key=lambda n: (
                sum(weight(n, s) for s in work.successors(n))
                - sum(weight(p, n) for p in work.predecessors(n))
            ),
        )
        left.append(node)
        work.remove_node(node)
    order = {node: i for i, node in enumerate(left + right[::-1])}
    return sorted((a, b) for a, b in graph.edges if order[a] > order[b])


def propagation_cost(graph: nx.DiGraph) -> float:
    """MacCormack's propagation cost: the share of (module, module) pairs where a
    change to the second can reach the first through imports, self pairs included."""
    n: int = graph.number_of_nodes()
    if n == 0:
        return 0.0
    reach: int = sum(len(nx.descendants(graph, node)) + 1 for node in graph)
    return round(reach / (n * n), 3)
