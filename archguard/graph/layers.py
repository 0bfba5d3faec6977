"""Which layer a module belongs to, inferred from its name and content when the
project declares none.

The outermost path segment that names a layer wins (``app.api.models`` is
presentation: the package says more than the file). Segments such as ``utils`` or
``core`` say nothing, so modules named only by them stay unassigned and take no part
in layering checks.
"""

from __future__ import annotations

from archguard.core.architecture import UNASSIGNED
from archguard.core.facts import ModuleFacts

_VOCABULARY = {
    "presentation": (
        "api",
        "apis",
        "routes",
        "routers",
        "views",
        "endpoints",
        "controllers",
        "handlers",
        "graphql",
        "resolvers",
        "serializers",
        "web",
        # Django's and FastAPI's conventional file names for the web edge.
        "urls",
        "admin",
        "forms",
        "deps",
        "dependencies",
    ),
    "application": (
        "services",
        "service",
        "use_cases",
        "usecases",
        "interactors",
        "application",
        "workflows",
    ),
    "domain": ("domain", "entities", "business"),
    "data": (
        "repositories",
        "repository",
        "repos",
        "crud",
        "dal",
        "dao",
        "persistence",
        "models",
        "orm",
        "db",
        "database",
    ),
    "infrastructure": ("config", "settings", "infra", "infrastructure", "adapters", "clients"),
}
_BY_SEGMENT = {word: layer for layer, words in _VOCABULARY.items() for word in words}

#: Base classes that make a module part of the data layer.
_ORM_BASES = ("django.db.models.Model", "sqlalchemy.orm.DeclarativeBase", "sqlmodel.SQLModel")


def layer_of_name(module: str) -> str | None:
    """The layer named by the module's outermost telling segment, if any."""
    for segment in module.split("."):
        layer = _BY_SEGMENT.get(segment.lower())
        if layer is not None:
            return layer
    return None


def infer_layer(facts: ModuleFacts) -> str:
    by_name = layer_of_name(facts.module)
    if by_name is not None:
        return by_name
    web = facts.web
    if web is not None:
        if web.routes or web.urlpatterns:
            return "presentation"
        if any(
            base in _ORM_BASES or base.endswith(".Model") for c in web.classes for base in c.bases
        ):
            return "data"
    return UNASSIGNED


def infer_layers(modules: dict[str, ModuleFacts]) -> dict[str, str]:
    return {name: infer_layer(facts) for name, facts in modules.items()}
