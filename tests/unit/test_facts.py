"""Module facts: the ast and libcst extractors must give identical results."""

from __future__ import annotations

import textwrap

import pytest

from archguard.core.facts import ImportFact, ImportKind
from archguard.core.outcomes import Analysed
from archguard.scan.analyze import (
    FileJob,
    FileRuleSet,
    _analyze_with_libcst,
    _facts_from_ast,
)
from archguard.scan.resolver import resolve_relative
from tests.conftest import FIXTURES

SNIPPETS = {
    "kinds": """
        from __future__ import annotations
        import os, sys as system
        import a.b.c
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from app.models import User
        else:
            import app.runtime
        if TYPE_CHECKING: import app.quick
        try:
            import ujson as json
        except ImportError:
            import json
        def f():
            from app.services import billing
            importlib.import_module("app.plugins.x")
        import importlib
        mod = importlib.import_module("app.plugins.y")
        lazy = __import__("app.legacy")
        """,
    "relative": """
        from . import views
        from .. import settings
        from .models import User, Order as O
        from ..core.db import *
        """,
    "unicode": "café = 1; import json\nπ = 2;    from os import path\n",
    "definitions": """
        @app.get("/x")
        @login_required
        def view(): ...
        class Model(Base): ...
        async def task(): ...
        X: int = 1
        Y = Z = 2
        """,
}


def _both(source: str, module: str = "app.api.routes", is_package: bool = False):  # type: ignore[no-untyped-def]
    text = textwrap.dedent(source).lstrip("\n")
    lines = text.splitlines()
    job = FileJob("x.py", text.encode(), module, is_package)
    # The whole facts of both paths: the fast ast path and the libcst path (which adds
    # the same ast-only facts: web, function shapes, framework references).
    fast = _facts_from_ast(job, text, lines)
    assert fast is not None
    outcome = _analyze_with_libcst(job, text, lines, [])
    assert isinstance(outcome, Analysed)
    assert fast == outcome.facts
    return (fast.imports, fast.definitions), (outcome.facts.imports, outcome.facts.definitions)


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_ast_and_libcst_extractors_agree(name: str) -> None:
    from_ast, from_cst = _both(SNIPPETS[name])
    assert from_ast == from_cst


@pytest.mark.parametrize("path", sorted(FIXTURES.rglob("*.py")), ids=lambda p: p.name)
def test_extractors_agree_on_fixtures(path) -> None:  # type: ignore[no-untyped-def]
    from_ast, from_cst = _both(path.read_text(encoding="utf-8"))
    assert from_ast == from_cst


def test_import_kinds_and_targets() -> None:
    (imports, _), _ = _both(SNIPPETS["kinds"])
    by_target = {(i.module, i.name): i.kind for i in imports}
    assert by_target[("app.models", "User")] is ImportKind.TYPE_CHECKING
    assert by_target[("app.quick", "")] is ImportKind.TYPE_CHECKING
    assert by_target[("app.runtime", "")] is ImportKind.MODULE
    assert by_target[("app.services", "billing")] is ImportKind.FUNCTION
    assert by_target[("app.plugins.y", "")] is ImportKind.DYNAMIC
    assert by_target[("app.legacy", "")] is ImportKind.DYNAMIC
    # A call before `import importlib` cannot be resolved from the import table.
    assert ("app.plugins.x", "") not in by_target


def test_relative_imports_resolve_against_the_module() -> None:
    (imports, _), _ = _both(SNIPPETS["relative"], module="shop.api.routes")
    assert {(i.module, i.name) for i in imports} == {
        ("shop.api", "views"),
        ("shop", "settings"),
        ("shop.api.models", "User"),
        ("shop.api.models", "Order"),
        ("shop.core.db", "*"),
    }
    assert resolve_relative("shop", True, 1, "models") == "shop.models"
    assert resolve_relative("top", False, 3, "x") == "...x"


def test_columns_count_characters_not_bytes() -> None:
    (imports, _), _ = _both(SNIPPETS["unicode"])
    assert [(i.line, i.column) for i in imports] == [(1, 11), (2, 11)]
    assert imports[0] == ImportFact("json", "", 1, 11, ImportKind.MODULE, "json")


def test_definitions() -> None:
    (_, defs), _ = _both(SNIPPETS["definitions"])
    assert [(d.name, d.kind, d.line, d.decorators) for d in defs] == [
        ("Model", "class", 4, ()),
        ("X", "variable", 6, ()),
        ("Y", "variable", 7, ()),
        ("Z", "variable", 7, ()),
        ("task", "function", 5, ()),
        ("view", "function", 3, ("app.get", "login_required")),
    ]


def test_rule_triggers_decide_the_parser() -> None:
    ruleset = FileRuleSet([])
    assert ruleset.rules_for(b"anything") == []
