"""Module names from source roots, and the module graph of the repo pass."""

from __future__ import annotations

from archguard.app.examples import run_example
from archguard.core.facts import ImportFact, ImportKind, ModuleFacts
from archguard.graph.build import build_project, resolve_target
from archguard.scan.modules import default_source_roots, module_name


def test_source_roots() -> None:
    assert default_source_roots(["main.py", "models.py"], ()) == (".",)
    assert default_source_roots(["src/shop/api.py", "tests/test_api.py"], ()) == ("src", ".")
    assert default_source_roots(["mysite/manage.py", "mysite/polls/models.py"], ()) == (
        "mysite",
        ".",
    )
    assert default_source_roots(["a.py"], ("backend/", ".")) == ("backend", ".")


def test_module_names() -> None:
    roots = ("src", ".")
    assert module_name("src/shop/api/__init__.py", roots) == ("shop.api", True)
    assert module_name("src/shop/api/routes.py", roots) == ("shop.api.routes", False)
    assert module_name("tests/test_api.py", roots) == ("tests.test_api", False)
    assert module_name("main.py", (".",)) == ("main", False)
    assert module_name("my-scripts/run.py", (".",)) == ("", False)
    # Django imports its migrations by name with importlib, digits first and all.
    assert module_name("shop/migrations/0008_backfill.py", (".",)) == (
        "shop.migrations.0008_backfill",
        False,
    )
    assert module_name("alembic/versions/2023-02-14_add.py", (".",)) == ("", False)


def _facts(module: str, *imports: tuple[str, str, ImportKind]) -> ModuleFacts:
    return ModuleFacts(
        path=module.replace(".", "/") + ".py",
        module=module,
        is_package=False,
        line_count=10,
        imports=tuple(ImportFact(m, n, i + 1, 1, k) for i, (m, n, k) in enumerate(imports)),
    )


def test_graph_of_a_flat_fastapi_app() -> None:
    project = build_project(
        [
            _facts(
                "main",
                ("routers", "users", ImportKind.MODULE),
                ("fastapi", "FastAPI", ImportKind.MODULE),
            ),
            _facts(
                "routers.users",
                ("crud", "", ImportKind.MODULE),
                ("models", "User", ImportKind.TYPE_CHECKING),
            ),
            _facts(
                "crud",
                ("models", "", ImportKind.MODULE),
                ("sqlalchemy.orm", "Session", ImportKind.MODULE),
            ),
            _facts("models", ("crud", "helper", ImportKind.FUNCTION)),
        ]
    )
    graph = project.graph
    assert graph.has_edge("main", "routers.users")
    assert graph.nodes["fastapi"]["external"] and graph.nodes["sqlalchemy"]["external"]
    assert [f.kind for f in graph.edges["routers.users", "models"]["imports"]] == [
        ImportKind.TYPE_CHECKING
    ]
    assert graph.has_edge("models", "crud") and graph.has_edge("crud", "models")
    assert sorted(project.first_party_edges()) == [
        ("crud", "models"),
        ("main", "routers.users"),
        ("models", "crud"),
        ("routers.users", "crud"),
        ("routers.users", "models"),
    ]


def test_import_targets() -> None:
    modules = {"app", "app.api", "app.api.routes", "app.models"}
    fact = ImportFact("app.api", "routes", 1, 1, ImportKind.MODULE)
    assert resolve_target(fact, modules) == ("app.api.routes", True)
    assert resolve_target(ImportFact("app.models", "User", 1, 1, ImportKind.MODULE), modules) == (
        "app.models",
        True,
    )
    assert resolve_target(ImportFact("app.missing.deep", "", 1, 1, ImportKind.MODULE), modules) == (
        "app",
        True,
    )
    assert resolve_target(
        ImportFact("requests.adapters", "", 1, 1, ImportKind.MODULE), modules
    ) == ("requests", False)
    assert resolve_target(ImportFact("...x", "", 1, 1, ImportKind.MODULE), modules) is None


def test_examples_can_span_files() -> None:
    from archguard.core.rule_meta import Invalid
    from archguard.rules.secrets.hardcoded_credential import HardcodedCredential

    example = Invalid(
        files={"app/a.py": 'password = "Xk9#mQ2v"\n', "app/b.py": "x = 1\n"},
        line=1,
        path="app/a.py",
    )
    findings = run_example(HardcodedCredential, example)
    assert [(f.location.path, f.location.line) for f in findings] == [("app/a.py", 1)]
