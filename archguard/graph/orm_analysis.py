"""The database facts of the whole project, assembled once per scan for every
database rule: the model registry, a resolver for queries, and what each consumption
of rows costs."""

from __future__ import annotations

from dataclasses import dataclass

from archguard.core.facts import ModuleFacts
from archguard.graph.orm_consumption import Consumption, Problem
from archguard.graph.orm_models import Registry
from archguard.graph.orm_resolve import Resolver


@dataclass(frozen=True)
class OrmAnalysis:
    registry: Registry
    resolver: Resolver
    problems: tuple[Problem, ...]

    def of_kind(self, *kinds: str) -> list[Problem]:
        return [p for p in self.problems if p.kind in kinds]


def analyse(modules: dict[str, ModuleFacts]) -> OrmAnalysis:
    registry = Registry(modules)
    if not registry.models:
        return OrmAnalysis(registry, Resolver(registry), ())
    consumption = Consumption(registry)
    return OrmAnalysis(registry, consumption.resolver, tuple(consumption.run()))
