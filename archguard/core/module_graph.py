"""The module graph as exported by ``archguard graph``: plain values, so that DOT,
Mermaid and JSON writers need nothing but this."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class GraphNode:
    #: A module, or a package at package level.
    name: str
    #: Its layer's label, or "unassigned".
    layer: str
    lines: int
    #: Index of the import cycle it is part of (into ModuleGraph.cycles), or -1.
    cycle: int = -1


@dataclass(frozen=True, order=True)
class GraphEdge:
    source: str
    target: str
    #: Import statements behind the edge.
    imports: int
    #: Kinds of those imports: module, function, type_checking, dynamic, framework.
    kinds: tuple[str, ...]
    #: Why the edge breaks the layering ("" when it does not).
    violation: str = ""
    #: Both ends are in the same import cycle.
    in_cycle: bool = False


@dataclass(frozen=True)
class ModuleGraph:
    #: "module" or "package".
    level: str
    #: Layer labels, top to bottom.
    layers: tuple[str, ...]
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    cycles: tuple[tuple[str, ...], ...]
    metrics: tuple[tuple[str, float | int], ...] = ()
    #: Where the layers come from (declared in a file, or inferred).
    layer_source: str = ""
