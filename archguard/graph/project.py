"""Everything cross-file rules look at: every module's facts and the import graph."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from archguard.config.settings import Settings
from archguard.core.facts import ModuleFacts

if TYPE_CHECKING:
    import networkx as nx

    from archguard.graph.orm_analysis import OrmAnalysis
    from archguard.graph.routes import RouteInventory


@dataclass(frozen=True)
class Project:
    #: First-party module name -> its facts.
    modules: dict[str, ModuleFacts]
    #: Nodes are module names (external packages squashed to their top-level name, with
    #: ``external=True``); each edge has ``imports``: the ImportFacts behind it.
    graph: nx.DiGraph
    #: The scan's settings, for rules that take options (public routes, layers).
    settings: Settings = field(default_factory=Settings)
    #: Directories below the root with a pyproject.toml of their own: services.
    nested_projects: tuple[str, ...] = ()

    def first_party_edges(self) -> list[tuple[str, str]]:
        return [
            (a, b)
            for a, b in self.graph.edges
            if not self.graph.nodes[b].get("external") and not self.graph.nodes[a].get("external")
        ]

    @cached_property
    def routes(self) -> RouteInventory:
        """Every HTTP route with its guards, built on first use."""
        from archguard.graph.routes import build_inventory
        from archguard.graph.web_index import build_index

        return build_inventory(build_index(self.modules))

    @cached_property
    def orm(self) -> OrmAnalysis:
        """Models, resolved queries and per-row consumption, built on first use."""
        from archguard.graph.orm_analysis import analyse

        return analyse(self.modules)
