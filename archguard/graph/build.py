"""Builds the module graph from per-file facts."""

from __future__ import annotations

from collections.abc import Iterable

from archguard.config.settings import Settings
from archguard.core.facts import ImportFact, ImportKind, ModuleFacts
from archguard.core.orm import TemplateFacts
from archguard.graph.project import Project


def resolve_target(fact: ImportFact, modules: set[str]) -> tuple[str, bool] | None:
    """The module an import points at, and whether it is first-party.

    ``from a.b import c`` points at ``a.b.c`` when that is a module, else at ``a.b``;
    an unknown name is attributed to its nearest first-party ancestor, and anything
    else to its external top-level package.
    """
    if not fact.module or fact.module.startswith("."):
        return None
    candidates = []
    if fact.name and fact.name != "*":
        candidates.append(f"{fact.module}.{fact.name}")
    parts = fact.module.split(".")
    candidates.extend(".".join(parts[:i]) for i in range(len(parts), 0, -1))
    for candidate in candidates:
        if candidate in modules:
            return candidate, True
    if fact.kind is ImportKind.FRAMEWORK:
        # ``ForeignKey("orders.Order")`` names a Django app by its label, the last
        # segment of its package: ``shop.orders.models`` when the project nests apps.
        suffix = "." + fact.module
        nested = sorted(m for m in modules if m.endswith(suffix))
        if len(nested) == 1:
            return nested[0], True
    return parts[0], False


def build_project(
    facts: Iterable[ModuleFacts],
    settings: Settings | None = None,
    nested_projects: tuple[str, ...] = (),
    templates: dict[str, TemplateFacts] | None = None,
) -> Project:
    import networkx as nx  # only scans that run project rules pay for importing it

    facts = list(facts)
    modules = {f.module: f for f in facts if f.module}
    scripts = tuple(sorted((f for f in facts if not f.module), key=lambda f: f.path))
    known = set(modules)
    graph = nx.DiGraph()
    for name in sorted(modules):
        graph.add_node(name, external=False, path=modules[name].path)
    for name in sorted(modules):
        for fact in modules[name].imports:
            resolved = resolve_target(fact, known)
            if resolved is None:
                continue
            target, first_party = resolved
            if target == name:
                continue
            if not first_party and target not in graph:
                graph.add_node(target, external=True)
            if graph.has_edge(name, target):
                graph.edges[name, target]["imports"].append(fact)
            else:
                graph.add_edge(name, target, imports=[fact])
    return Project(
        modules, graph, settings or Settings(), nested_projects, scripts, templates or {}
    )
