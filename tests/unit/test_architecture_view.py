"""Layer inference and the architecture picture's content."""

from __future__ import annotations

from archguard.core.architecture import UNASSIGNED, LinkKind
from archguard.core.facts import ImportFact, ImportKind, ModuleFacts
from archguard.core.web import RouteDecl, WebFacts
from archguard.graph.architecture import build_view
from archguard.graph.build import build_project
from archguard.graph.layers import infer_layer, layer_of_name


def _module(
    name: str,
    *imports: str,
    lines: int = 10,
    kind: ImportKind = ImportKind.MODULE,
    web: WebFacts | None = None,
    package: bool = False,
) -> ModuleFacts:
    path = name.replace(".", "/") + ("/__init__.py" if package else ".py")
    facts = tuple(ImportFact(target, "", 1, 0, kind) for target in imports)
    return ModuleFacts(path, name, package, lines, facts, web=web)


def test_the_outermost_telling_segment_names_the_layer() -> None:
    assert layer_of_name("app.api.routes.orders") == "presentation"
    assert layer_of_name("app.api.models") == "presentation"  # the package says more than the file
    assert layer_of_name("shop.services.billing") == "application"
    assert layer_of_name("shop.repositories.orders") == "data"
    assert layer_of_name("inventory.settings") == "infrastructure"
    assert layer_of_name("shop.domain.pricing") == "domain"
    for vague in ("app.core.security", "shop.utils", "common.helpers", "lib.base"):
        assert layer_of_name(vague) is None


def test_content_places_modules_whose_names_say_nothing() -> None:
    route = RouteDecl(owner="app", path="/", methods=("GET",), handler="index", line=3)
    assert infer_layer(_module("shop.pages", web=WebFacts(routes=(route,)))) == "presentation"
    assert infer_layer(_module("shop.helpers")) == UNASSIGNED


def test_view_marks_upward_imports_and_cycles_and_leaves_out_tests() -> None:
    project = build_project(
        [
            _module("shop", package=True, lines=3),
            _module("shop.views", "shop.services"),
            _module("shop.services", "shop.models"),
            _module("shop.models", "shop.views"),  # upward, and closes a cycle
            _module("shop.utils", "shop.helpers"),
            _module("shop.helpers", "shop.utils"),  # a cycle outside the layering
            _module("tests.test_views", "shop.views"),
            _module("shop.types", "shop.views", kind=ImportKind.TYPE_CHECKING),
        ]
    )
    view = build_view(project)
    names = {box.name for box in view.boxes}
    assert "tests.test_views" not in names and "shop.views" in names
    kinds = {(link.source, link.target): link.kind for link in view.links}
    assert kinds[("shop.models", "shop.views")] is LinkKind.UPWARD
    assert kinds[("shop.views", "shop.services")] is LinkKind.CYCLE
    assert kinds[("shop.utils", "shop.helpers")] is LinkKind.CYCLE
    assert ("shop.types", "shop.views") not in kinds  # TYPE_CHECKING imports do not run
    assert view.cycles == (
        ("shop.models", "shop.services", "shop.views"),
        ("shop.helpers", "shop.utils"),
    )
    metrics = dict(view.metrics)
    assert metrics["layer_violations"] == 1 and metrics["cycles"] == 2
    assert view.layers[0] == "presentation" and view.layers[-1] == UNASSIGNED


def test_big_projects_are_drawn_by_package_and_layer() -> None:
    modules = [_module(f"pkg{i}.views", f"pkg{i}.models") for i in range(30)]
    modules += [_module(f"pkg{i}.models") for i in range(30)]
    view = build_view(build_project(modules))
    assert view.grain == "package"
    assert {box.name for box in view.boxes} >= {"pkg0 [presentation]", "pkg0 [data]"}
    assert all(link.kind is LinkKind.NORMAL for link in view.links)
