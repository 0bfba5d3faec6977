"""The project's data flows, resolved once per scan for every taint rule."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from archguard.core.taint import SinkUse
from archguard.graph.project import Project
from archguard.taint.index import Function, TaintIndex, build_index, script_module
from archguard.taint.models import Models, builtin_models
from archguard.taint.propagate import Propagation, Reach, Resolved
from archguard.taint.sources import Roles
from archguard.web.index import build_index as build_web_index
from archguard.web.routes import RouteInventory, build_inventory, route_inventory


@dataclass(frozen=True)
class TaintAnalysis:
    index: TaintIndex
    models: Models
    resolved: dict[str, Resolved]

    def reaches(self) -> Iterator[tuple[Function, Reach]]:
        """Every value that arrives at a sink, per function, in a stable order."""
        for name in sorted(self.resolved):
            function = self.index.functions[name]
            for reach in self.resolved[name].reaches.values():
                yield function, reach

    def sink_uses(self, kind: str) -> Iterator[tuple[Function, SinkUse]]:
        """The sinks of one kind as written, whatever reaches them."""
        for name in sorted(self.index.functions):
            function = self.index.functions[name]
            for use in function.summary.sinks:
                if use.kind == kind:
                    yield function, use


def analyse(project: Project) -> TaintAnalysis:
    index = build_index(project.modules, project.scripts)
    models = builtin_models().with_entries(project.settings.taint_models)
    inventory = _inventory(project) if index.functions else None
    roles = Roles(index, inventory, models)
    resolved = Propagation(index, models, roles).run() if index.functions else {}
    return TaintAnalysis(index, models, resolved)


def _inventory(project: Project) -> RouteInventory:
    """The route inventory, with the routes of scripts (``File-upload.py``) that the
    project's own inventory leaves out, since no module name reaches them."""
    if not project.scripts:
        return route_inventory(project)
    modules = dict(project.modules)
    for facts in project.scripts:
        modules.setdefault(script_module(facts.path), facts)
    return build_inventory(build_web_index(modules))


def taint_analysis(project: Project) -> TaintAnalysis:
    """The project's resolved data flows, built once per scan."""
    return project.derived(analyse)
