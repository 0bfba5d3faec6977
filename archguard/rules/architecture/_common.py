"""What the architecture rules share: turning graph facts into findings."""

from __future__ import annotations

from itertools import pairwise

import networkx as nx

from archguard.core.facts import ImportFact
from archguard.core.findings import Location
from archguard.graph.project import Project
from archguard.web.index import at


def import_location(project: Project, module: str, fact: ImportFact, message: str = "") -> Location:
    path = project.modules[module].path
    return Location(path, fact.line, fact.column, fact.line, fact.column, message)


def module_location(project: Project, module: str, line: int = 1, message: str = "") -> Location:
    return at(project.modules[module].path, line, message)


def import_steps(project: Project, graph: nx.DiGraph, path: list[str]) -> tuple[Location, ...]:
    """A chain of modules as code-flow steps: the first import of each hop."""
    return tuple(
        import_location(project, a, graph.edges[a, b]["imports"][0], f"{a} imports {b}")
        for a, b in pairwise(path)
    )
