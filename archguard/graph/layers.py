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
#: The names that place a module in a layer on their own, for findings: on real
#: repositories, names such as ``forms``, ``urls``, ``settings``, ``config``, ``db`` or a
#: ``models`` package of plain data classes were wrong about the layer most of the time.
#: Other modules need their content to say it (routes, views, ORM models).
_STRONG = frozenset(
    {
        "api", "routes", "routers", "views", "endpoints", "controllers", "handlers",
        "services", "service", "use_cases", "usecases", "interactors",
        "domain", "entities",
        "repositories", "repository", "repos", "crud", "dal", "dao",
    }
)  # fmt: skip

#: Base classes that make a module part of the data layer.
_ORM_BASES = ("django.db.models.Model", "sqlalchemy.orm.DeclarativeBase", "sqlmodel.SQLModel")


def layer_of_name(module: str, strict: bool = False) -> str | None:
    """The layer named by the module's outermost telling segment, if any; with
    ``strict``, only by the names that are reliable on their own."""
    for segment in module.split("."):
        word = segment.lower()
        layer = _BY_SEGMENT.get(word)
        if layer is not None and (word in _STRONG or not strict):
            return layer
    return None


def layer_of_content(facts: ModuleFacts, models_only: bool = False) -> str | None:
    """The layer the module's own code shows: routes or URL patterns (presentation),
    ORM model classes (data). With ``models_only``, whether it declares models at all
    (a module may hold both)."""
    web = facts.web
    if web is None:
        return None
    if (web.routes or web.urlpatterns) and not models_only:
        return "presentation"
    if any(base in _ORM_BASES or base.endswith(".Model") for c in web.classes for base in c.bases):
        return "data"
    return None


def infer_layer(facts: ModuleFacts, strict: bool = False) -> str:
    """The module's layer, from its name, else its content. The picture of an audit
    takes every telling name; rules (``strict``) trust only names that are reliable on
    their own, and otherwise the content."""
    if strict:
        return layer_of_content(facts) or layer_of_name(facts.module, True) or UNASSIGNED
    return layer_of_name(facts.module) or layer_of_content(facts) or UNASSIGNED


def infer_layers(modules: dict[str, ModuleFacts], strict: bool = False) -> dict[str, str]:
    return {name: infer_layer(facts, strict) for name, facts in modules.items()}
