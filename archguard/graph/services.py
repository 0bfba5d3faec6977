"""Services of a monorepo: which service each module belongs to, and which of its
modules are its public surface."""

from __future__ import annotations

import os.path
from dataclasses import dataclass

from archguard.config.globs import matches
from archguard.graph.project import Project

#: Where services live when the project does not say.
DEFAULT_SERVICE_ROOTS = ("services/*", "apps/*", "packages/*", "src/services/*")
#: Module names that are a service's contract with the others.
PUBLIC_NAMES = frozenset(
    {
        "api",
        "client",
        "clients",
        "schemas",
        "contracts",
        "events",
        "interface",
        "interfaces",
        "public",
        "sdk",
        "protocol",
        "dto",
        "dtos",
    }
)


@dataclass(frozen=True)
class Service:
    #: The service's directory, relative to the project root.
    directory: str
    #: The module-name prefix all its modules share ("" when they share none).
    package: str
    modules: tuple[str, ...]

    def is_public(self, module: str) -> bool:
        """The package itself, or any module under a public name (``orders.api.v1``)."""
        rest = module[len(self.package) :].lstrip(".") if self.package else module
        return not rest or bool(PUBLIC_NAMES & set(rest.split(".")))


def find_services(project: Project, modules: set[str]) -> dict[str, Service]:
    """Module -> its service, for modules under a service root. Two or more services
    are needed for the word to mean anything; with fewer this returns nothing."""
    globs = project.settings.service_roots or DEFAULT_SERVICE_ROOTS
    members: dict[str, list[str]] = {}
    for name in sorted(modules):
        directory = _service_directory(project.modules[name].path, globs, project.nested_projects)
        if directory is not None:
            members.setdefault(directory, []).append(name)
    if len(members) < 2:
        return {}
    out = {}
    for directory, names in members.items():
        package = _common_prefix(names)
        service = Service(directory, package, tuple(names))
        out.update(dict.fromkeys(names, service))
    return out


def _service_directory(path: str, globs: tuple[str, ...], projects: tuple[str, ...]) -> str | None:
    parts = path.split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        directory = "/".join(parts[:depth])
        if directory in projects or any(
            matches(g, directory) and g.count("/") == directory.count("/") for g in globs
        ):
            return directory
    return None


def _common_prefix(names: list[str]) -> str:
    split = [n.split(".") for n in names]
    common = os.path.commonprefix(split)  # noqa: RUF071 - lists of parts, not strings
    # A lone module's prefix is its package, not itself.
    if len(names) == 1:
        common = common[:-1]
    return ".".join(common)
