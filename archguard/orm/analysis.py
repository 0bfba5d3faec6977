"""The database facts of the whole project, assembled once per scan for every
database rule: the model registry, a resolver for queries, and what each consumption
of rows costs."""

from __future__ import annotations

from dataclasses import dataclass

from archguard.core.facts import ModuleFacts
from archguard.core.orm import TemplateFacts
from archguard.graph.project import Project
from archguard.orm.consumption import Consumption, Problem
from archguard.orm.models import Registry
from archguard.orm.resolve import Resolver


@dataclass(frozen=True)
class OrmAnalysis:
    registry: Registry
    resolver: Resolver
    problems: tuple[Problem, ...]

    def of_kind(self, *kinds: str) -> list[Problem]:
        return [p for p in self.problems if p.kind in kinds]


def analyse(
    modules: dict[str, ModuleFacts], templates: dict[str, TemplateFacts] | None = None
) -> OrmAnalysis:
    registry = Registry(modules)
    if not registry.models:
        return OrmAnalysis(registry, Resolver(registry), ())
    consumption = Consumption(registry, templates or {})
    return OrmAnalysis(registry, consumption.resolver, tuple(consumption.run()))


def orm_analysis(project: Project) -> OrmAnalysis:
    """The project's database analysis, built once per scan."""
    return project.derived(_of_project)


def _of_project(project: Project) -> OrmAnalysis:
    return analyse(project.modules, project.templates)
