"""Module facts from the one ``ast`` extractor, and the syntax lowering that lets it
read code newer than the running Python."""

from __future__ import annotations

import textwrap

import pytest

from archguard.app.file_pass import file_pass
from archguard.core.facts import ImportFact, ImportKind
from archguard.core.outcomes import Analysed
from archguard.scan.analyze import FileJob, FileRuleSet, analyze
from archguard.scan.lowering import lower
from archguard.scan.syntax import resolve_relative
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
    """(imports, definitions) of a source, twice: as written, and with its syntax lowered
    as for a host too old for it. Lowering must not change a fact."""
    text = textwrap.dedent(source).lstrip("\n")
    direct = _facts(text, module, is_package)
    lowered_text = lower(text)
    assert lowered_text is not None
    lowered = _facts(lowered_text, module, is_package)
    assert direct == lowered
    return direct, lowered


def _facts(text: str, module: str, is_package: bool):  # type: ignore[no-untyped-def]
    outcome = analyze(FileJob("x.py", text.encode(), module, is_package), file_pass([], 10**6))
    assert isinstance(outcome, Analysed)
    return outcome.facts.imports, outcome.facts.definitions


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_lowering_keeps_every_fact(name: str) -> None:
    _both(SNIPPETS[name])


@pytest.mark.parametrize("path", sorted(FIXTURES.rglob("*.py")), ids=lambda p: p.name)
def test_lowering_keeps_every_fact_of_the_fixtures(path) -> None:  # type: ignore[no-untyped-def]
    _both(path.read_text(encoding="utf-8"))


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


NEW_SYNTAX = {
    # PEP 695 aliases and type parameters, PEP 758 bare exception tuples, PEP 701
    # f-strings with nested quotes of their own kind.
    "pep695": (
        "type Pair[T] = tuple[T, T]\ndef first[T](p: Pair[T]) -> T:\n    return p[0]\n"
        "class Box[T](Base):\n    pass\n",
        "Pair = tuple[T, T]\ndef first(p: Pair[T]) -> T:\n    return p[0]\n"
        "class Box(Base):\n    pass\n",
    ),
    "pep758": (
        "try:\n    import ujson as json\nexcept ImportError, ModuleNotFoundError:\n    import json\n",
        "try:\n    import ujson as json\nexcept (ImportError, ModuleNotFoundError):\n"
        "    import json\n",
    ),
    "pep701": (
        'import os\nname = f"{os.environ["USER"]}"\nfrom app import x\n',
        'import os\nname = (str(os.environ["USER"]))\nfrom app import x\n',
    ),
}


@pytest.mark.parametrize("name", sorted(NEW_SYNTAX))
def test_newer_syntax_is_lowered_onto_the_same_lines(name: str) -> None:
    newer, older = NEW_SYNTAX[name]
    lowered = lower(newer)
    assert lowered is not None
    assert lowered.count("\n") == newer.count("\n")
    assert _facts(lowered, "app.m", False) == _facts(older, "app.m", False)


def test_a_file_neither_parser_reads_is_a_syntax_error() -> None:
    outcome = analyze(FileJob("x.py", b"def broken(:\n", "x", False), file_pass([], 10**6))
    assert not isinstance(outcome, Analysed)
    assert outcome.diagnostic.kind.value == "syntax-error"
    assert "line 1" in outcome.diagnostic.message
