"""Everything cross-file rules look at: every module's facts and the import graph."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from archguard.config.settings import Settings
from archguard.core.facts import ModuleFacts
from archguard.core.orm import TemplateFacts

if TYPE_CHECKING:
    import networkx as nx


T = TypeVar("T")


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
    #: Files whose path is no module name (``File-upload.py``, ``bin/run-app.py``): run
    #: as scripts, imported by nobody, but code that serves requests all the same.
    scripts: tuple[ModuleFacts, ...] = ()
    #: Template files (repo-relative path -> what their loops read), for the N+1 rules.
    templates: dict[str, TemplateFacts] = field(default_factory=dict)
    _derived: dict[Callable[[Any], Any], Any] = field(
        default_factory=dict, compare=False, repr=False
    )

    def first_party_edges(self) -> list[tuple[str, str]]:
        return [
            (a, b)
            for a, b in self.graph.edges
            if not self.graph.nodes[b].get("external") and not self.graph.nodes[a].get("external")
        ]

    def derived(self, build: Callable[[Project], T]) -> T:
        """A whole-project analysis (the route inventory, the database analysis), built
        by ``build`` on first use and shared by every rule of the scan.

        The analyses live in the domain packages above this layer; keying the memo by
        the builder lets them hang off the project without the project knowing them.
        """
        memo = self._derived
        if build not in memo:
            memo[build] = build(self)
        return cast(T, memo[build])
