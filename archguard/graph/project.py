"""Everything cross-file rules look at: every module's facts and the import graph."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from archguard.core.facts import ModuleFacts

if TYPE_CHECKING:
    import networkx as nx


@dataclass(frozen=True)
class Project:
    #: First-party module name -> its facts.
    modules: dict[str, ModuleFacts]
    #: Nodes are module names (external packages squashed to their top-level name, with
    #: ``external=True``); each edge has ``imports``: the ImportFacts behind it.
    graph: nx.DiGraph

    def first_party_edges(self) -> list[tuple[str, str]]:
        return [
            (a, b) for a, b in self.graph.edges
            if not self.graph.nodes[b].get("external") and not self.graph.nodes[a].get("external")
        ]
