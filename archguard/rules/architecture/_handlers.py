"""Route handlers as the structural rules see them: their shapes, and whether they
hold logic that belongs in a lower layer."""

from __future__ import annotations

from collections.abc import Iterator

from archguard.core.facts import FunctionShape
from archguard.graph.project import Project
from archguard.web.routes import route_inventory

#: Branchy enough to mention in a message.
COMPLEXITY = 5
#: Module names that say a layer below the handlers exists.
LOWER_LAYERS = frozenset(
    {
        "services",
        "service",
        "repositories",
        "repository",
        "repos",
        "crud",
        "dal",
        "dao",
        "use_cases",
        "usecases",
        "interactors",
    }
)
#: Dependency providers are called by the framework, but they are not handlers.
_PROVIDERS = frozenset({"deps", "dependencies", "providers"})


def handler_shapes(project: Project, modules: set[str]) -> Iterator[tuple[str, FunctionShape]]:
    """(module, shape) of every function that runs for a route, once each."""
    seen: set[str] = set()
    for route in route_inventory(project).routes:
        for qualified in route.functions:
            if qualified in seen:
                continue
            seen.add(qualified)
            module = _module_of(qualified, project)
            if module is None or module not in modules or module.rsplit(".", 1)[-1] in _PROVIDERS:
                continue
            local = qualified[len(module) + 1 :]
            for shape in project.modules[module].functions:
                if shape.name == local:
                    yield module, shape


def _module_of(qualified: str, project: Project) -> str | None:
    parts = qualified.split(".")
    for i in range(len(parts) - 1, 0, -1):
        candidate = ".".join(parts[:i])
        if candidate in project.modules:
            return candidate
    return None


def is_fat(shape: FunctionShape) -> bool:
    """Queries and computes: ``logic`` covers arithmetic, branches on loaded data, and
    bodies with several loops and data-driven branches (see scan.structure)."""
    return shape.persistence and shape.logic
