"""``archguard graph``: DOT, Mermaid and JSON exports of the module graph."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import FIXTURES

Cli = Callable[..., object]

LAYERED = {
    "app/__init__.py": "",
    "app/api/__init__.py": "",
    "app/api/orders.py": "from app.services.orders import place\n",
    "app/services/__init__.py": "",
    "app/services/orders.py": "from app.repositories.orders import save\n\ndef place(x):\n    return save(x)\n",
    "app/repositories/__init__.py": "",
    "app/repositories/orders.py": "from app.api.orders import place as upward\n\ndef save(x):\n    return x\n",
}


def test_json_marks_cycles_violations_and_kinds(cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(LAYERED)
    result = cli("graph", root, "--format", "json", "--no-cache")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    edges = {(e["source"], e["target"]): e for e in data["edges"]}
    upward = edges[("app.repositories.orders", "app.api.orders")]
    assert upward["violation"] and upward["in_cycle"] and upward["kinds"] == ["module"]
    assert not edges[("app.api.orders", "app.services.orders")]["violation"]
    assert data["cycles"] == [["app.api.orders", "app.repositories.orders", "app.services.orders"]]
    assert {n["layer"] for n in data["nodes"]} == {"presentation", "application", "data"}
    assert data["metrics"]["layer_violations"] == 1


def test_dot_and_mermaid_highlight_the_same_edges(cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(LAYERED)
    dot = cli("graph", root, "--no-cache").output
    assert dot.startswith("digraph archguard {")
    assert '"app.repositories.orders" -> "app.api.orders" [' in dot
    violating = [line for line in dot.splitlines() if "#d62728" in line]
    assert len(violating) == 1 and "app.repositories.orders" in violating[0]
    mermaid = cli("graph", root, "--format", "mermaid", "--no-cache").output
    assert mermaid.startswith("flowchart TB")
    assert mermaid.count("stroke:#d62728") == 1


def test_package_level_and_lazy_edges_on_django(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli(
        "graph",
        FIXTURES / "django_inventory",
        "--level",
        "package",
        "--format",
        "json",
        "--no-cache",
    )
    data = json.loads(result.output)
    names = {n["name"] for n in data["nodes"]}
    assert {"accounts", "products", "inventory"} <= names
    framework = [e for e in data["edges"] if e["kinds"] == ["framework"]]
    assert framework, "INSTALLED_APPS and include() strings are framework edges"
    dot = cli("graph", FIXTURES / "django_inventory", "--level", "package", "--no-cache").output
    assert "style=dashed" in dot


def test_output_file_and_determinism(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first, second = tmp_path / "a.dot", tmp_path / "b.dot"
    for target in (first, second):
        assert cli("graph", FIXTURES / "flask_blog", "-o", target, "--no-cache").exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    assert b"#ff7f0e" in first.read_bytes()  # the blueprint cycle


def test_missing_path_exits_2(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("graph", tmp_path / "nope").exit_code == 2
