"""``archguard graph`` output: Graphviz DOT, Mermaid and JSON. Nodes are coloured
by layer, layering violations are red, cycle edges orange, and imports that do not
run at import time (TYPE_CHECKING, framework strings) dashed."""

from __future__ import annotations

import json
import re

from archguard.core.module_graph import GraphEdge, ModuleGraph

#: One fill colour per layer position, top to bottom; unassigned modules are grey.
_PALETTE = ("#cfe2ff", "#d1e7dd", "#fff3cd", "#f8d7da", "#e2d9f3", "#d2f4ea", "#ffe5d0")
_UNASSIGNED = "#eeeeee"
_VIOLATION = "#d62728"
_CYCLE = "#ff7f0e"
_LAZY = frozenset({"type_checking", "framework"})


def _fill(graph: ModuleGraph, layer: str) -> str:
    if layer in graph.layers:
        return _PALETTE[graph.layers.index(layer) % len(_PALETTE)]
    return _UNASSIGNED


def _lazy(edge: GraphEdge) -> bool:
    return set(edge.kinds) <= _LAZY


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot(graph: ModuleGraph) -> str:
    lines = [
        "digraph archguard {",
        "  rankdir=TB;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
        '  edge [color="#777777", arrowsize=0.6];',
    ]
    for index, layer in enumerate((*graph.layers, "unassigned", "mixed")):
        members = [n for n in graph.nodes if n.layer == layer]
        if not members:
            continue
        lines.append(f"  subgraph cluster_{index} {{")
        lines.append(f'    label={_quote(layer)}; style=dashed; color="#bbbbbb";')
        for node in members:
            border = f', color="{_CYCLE}", penwidth=2' if node.cycle >= 0 else ""
            lines.append(
                f'    {_quote(node.name)} [fillcolor="{_fill(graph, node.layer)}"'
                f", tooltip={_quote(f'{node.lines} lines')}{border}];"
            )
        lines.append("  }")
    for edge in graph.edges:
        attributes = [f"tooltip={_quote(_edge_label(edge))}"]
        if edge.violation:
            attributes += [f'color="{_VIOLATION}"', "penwidth=2"]
        elif edge.in_cycle:
            attributes += [f'color="{_CYCLE}"', "penwidth=1.5"]
        if _lazy(edge):
            attributes.append("style=dashed")
        lines.append(f"  {_quote(edge.source)} -> {_quote(edge.target)} [{', '.join(attributes)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _edge_label(edge: GraphEdge) -> str:
    text = f"{edge.imports} import{'s' if edge.imports != 1 else ''} ({', '.join(edge.kinds)})"
    return f"{text}: {edge.violation}" if edge.violation else text


def render_mermaid(graph: ModuleGraph) -> str:
    ids = {node.name: f"n{i}" for i, node in enumerate(graph.nodes)}
    lines = ["flowchart TB"]
    for index, layer in enumerate((*graph.layers, "unassigned", "mixed")):
        members = [n for n in graph.nodes if n.layer == layer]
        if not members:
            continue
        lines.append(f'  subgraph layer{index}["{_mermaid_text(layer)}"]')
        lines.extend(f'    {ids[n.name]}["{_mermaid_text(n.name)}"]' for n in members)
        lines.append("  end")
        lines.append(f"  style layer{index} fill:{_fill(graph, layer)},stroke:#bbbbbb")
    styles = []
    for number, edge in enumerate(graph.edges):
        arrow = "-.->" if _lazy(edge) else "-->"
        lines.append(f"  {ids[edge.source]} {arrow} {ids[edge.target]}")
        if edge.violation:
            styles.append(f"  linkStyle {number} stroke:{_VIOLATION},stroke-width:2px")
        elif edge.in_cycle:
            styles.append(f"  linkStyle {number} stroke:{_CYCLE},stroke-width:2px")
    lines.extend(styles)
    lines.extend(
        f"  style {ids[n.name]} stroke:{_CYCLE},stroke-width:2px"
        for n in graph.nodes
        if n.cycle >= 0
    )
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    return re.sub(r'["\[\]<>{}|]', "_", text)


def render_json(graph: ModuleGraph) -> str:
    data = {
        "level": graph.level,
        "layers": list(graph.layers),
        "layer_source": graph.layer_source,
        "nodes": [
            {
                "name": n.name,
                "layer": n.layer,
                "lines": n.lines,
                "cycle": n.cycle if n.cycle >= 0 else None,
            }
            for n in graph.nodes
        ],
        "edges": [
            {
                "source": e.source,
                "target": e.target,
                "imports": e.imports,
                "kinds": list(e.kinds),
                "violation": e.violation or None,
                "in_cycle": e.in_cycle,
            }
            for e in graph.edges
        ],
        "cycles": [list(c) for c in graph.cycles],
        "metrics": dict(graph.metrics),
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


RENDERERS = {"dot": render_dot, "mermaid": render_mermaid, "json": render_json}
