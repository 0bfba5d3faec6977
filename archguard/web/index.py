"""Every module's web facts, indexed by qualified name, with re-exports followed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from archguard.core.facts import ImportKind, ModuleFacts
from archguard.core.findings import Location
from archguard.core.web import (
    ClassInfo,
    FunctionInfo,
    Hook,
    Mount,
    Registration,
    RouteDecl,
    RouterDecl,
    SettingValue,
    UrlPattern,
    Variable,
)


def at(path: str, line: int, message: str = "") -> Location:
    return Location(path, line, 1, line, 1, message)


@dataclass
class WebIndex:
    functions: dict[str, tuple[str, FunctionInfo]] = field(default_factory=dict)
    classes: dict[str, tuple[str, ClassInfo]] = field(default_factory=dict)
    variables: dict[str, tuple[str, Variable]] = field(default_factory=dict)
    routers: dict[str, tuple[str, RouterDecl]] = field(default_factory=dict)
    mounts: list[tuple[str, Mount]] = field(default_factory=list)
    routes: list[tuple[str, str, RouteDecl]] = field(default_factory=list)  # (path, module, decl)
    hooks: dict[str, list[tuple[str, Hook]]] = field(default_factory=lambda: defaultdict(list))
    urlpatterns: dict[str, list[UrlPattern]] = field(default_factory=dict)
    registrations: dict[str, list[tuple[str, Registration]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    #: Settings by name: (path, value); the settings module proper wins over others.
    settings: dict[str, tuple[str, SettingValue]] = field(default_factory=dict)
    #: ``module.alias`` -> what it was imported from.
    exports: dict[str, str] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    frameworks: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def canonical(self, name: str) -> str:
        """Follow re-exports: ``app.api.deps.get_user`` imported into ``app.api`` and
        used as ``app.api.get_user`` is the same function."""
        for _ in range(8):
            if (
                name in self.functions
                or name in self.classes
                or name in self.variables
                or name in self.routers
            ):
                return name
            target = self.exports.get(name)
            if target is None:
                head, _, tail = name.rpartition(".")
                while head and head not in self.exports:
                    head, _, more = head.rpartition(".")
                    tail = f"{more}.{tail}"
                if not head:
                    return name
                target = f"{self.exports[head]}.{tail}"
            if target == name:
                return name
            name = target
        return name

    def defined_at(self, name: str) -> Location | None:
        """Where a function or method is defined, if it is the project's."""
        entry = self.functions.get(name)
        return at(entry[0], entry[1].line) if entry else None

    def mro(self, name: str) -> tuple[list[str], list[str]]:
        """First-party classes from ``name`` up (breadth first, near bases first), and
        the external bases they name."""
        ours: list[str] = []
        external: list[str] = []
        queue = [name]
        while queue:
            current = self.canonical(queue.pop(0))
            if current in ours or current in external:
                continue
            entry = self.classes.get(current)
            if entry is None:
                external.append(current)
                continue
            ours.append(current)
            queue.extend(entry[1].bases)
        return ours, external


def build_index(modules: dict[str, ModuleFacts]) -> WebIndex:
    index = WebIndex()
    for name in sorted(modules):
        facts = modules[name]
        index.paths[name] = facts.path
        for fact in facts.imports:
            if fact.alias and fact.kind is not ImportKind.DYNAMIC and fact.name != "*":
                target = f"{fact.module}.{fact.name}" if fact.name else fact.module
                if fact.kind is not ImportKind.FUNCTION:
                    index.exports.setdefault(f"{name}.{fact.alias}", target)
        web = facts.web
        if web is None:
            continue
        path = facts.path
        index.frameworks[name] = web.frameworks
        for function in web.functions:
            index.functions[f"{name}.{function.name}"] = (path, function)
        for klass in web.classes:
            index.classes[f"{name}.{klass.name}"] = (path, klass)
        for variable in web.variables:
            index.variables[f"{name}.{variable.name}"] = (path, variable)
        for router in web.routers:
            index.routers.setdefault(router.name, (path, router))
        index.mounts.extend((path, m) for m in web.mounts)
        index.routes.extend((path, name, r) for r in web.routes)
        for hook in web.hooks:
            index.hooks[hook.owner].append((path, hook))
        if web.urlpatterns:
            index.urlpatterns[name] = list(web.urlpatterns)
        for registration in web.registrations:
            index.registrations[registration.router].append((path, registration))
        for setting in web.settings:
            current = index.settings.get(setting.name)
            is_settings = "settings" in name.split(".")
            if current is None or is_settings:
                index.settings[setting.name] = (path, setting)
    return index
