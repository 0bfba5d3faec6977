"""The shared walk visits every node the standard library's own walk does, in source
order, and positions count characters as findings do."""

from __future__ import annotations

import ast
import collections
import sys
from pathlib import Path

import pytest

from archguard.scan.analyze import DEPTH_BUDGET
from archguard.scan.context import FileContext
from archguard.scan.syntax import Names
from archguard.scan.walker import Dispatch, walk
from tests.conftest import FIXTURES, REPO

TRICKY = [
    "@decorator\n# comment\n@other(1)\nasync def f(a, *, b=2) -> int:\n    '''doc'''\n    return a\n",
    "x = (  # why\n    1 +\n    2\n)\n",
    "s = '''multi\nline'''\nt = f'{x!r:>{w}}' \\\n    'tail'\n",
    "class C(Base, metaclass=M):\n\tattr: int = 3\n\tdef m(self): return self.attr\n",
    "if True:\r\n    y = {'k': [1, 2], **z}\r\n",
    "naïve = 'café'; π = 3.14\n",
    "match p:\n    case {'a': [x, *rest]} if x: pass\n",
]
NODE_TYPES = [
    "Name", "Call", "Constant", "Attribute", "Import", "ImportFrom", "FunctionDef",
    "AsyncFunctionDef", "ClassDef", "arg", "Assign", "AnnAssign", "Dict", "JoinedStr",
    "Compare", "match_case", "Subscript", "keyword", "Module",
]  # fmt: skip


def _corpus() -> list[str]:
    sources = list(TRICKY)
    for path in sorted([*FIXTURES.rglob("*.py"), *(REPO / "archguard").rglob("*.py")]):
        sources.append(path.read_text(encoding="utf-8"))
    return sources


class _Collect:
    def __init__(self) -> None:
        self.nodes: list[ast.AST] = []


for _name in NODE_TYPES:
    setattr(_Collect, f"visit_{_name}", lambda self, node: self.nodes.append(node))


@pytest.mark.parametrize("source", _corpus(), ids=lambda s: str(hash(s) % 10_000))
def test_walk_visits_what_ast_walk_visits(source: str) -> None:
    tree = ast.parse(source)
    collector = _Collect()
    walk(tree, Dispatch([collector]))
    mine = collections.Counter(type(n).__name__ for n in collector.nodes)
    reference = collections.Counter(
        type(n).__name__ for n in ast.walk(tree) if type(n).__name__ in NODE_TYPES
    )
    assert mine == reference


def test_walk_order_is_source_order_and_leave_follows_children() -> None:
    tree = ast.parse("import a\ndef f():\n    import b\nimport c\n")
    seen: list[str] = []

    class Visitor:
        def visit_Import(self, node: ast.Import) -> None:
            seen.append(node.names[0].name)

        def leave_FunctionDef(self, node: ast.FunctionDef) -> None:
            seen.append(f"leave {node.name}")

    walk(tree, Dispatch([Visitor()]))
    assert seen == ["a", "b", "leave f", "c"]


def test_deep_nesting_does_not_overflow_the_walk() -> None:
    source = "x = " + " + ".join(["a"] * 5000) + "\n"
    collector = _Collect()
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(DEPTH_BUDGET)  # as the per-file pass does, for ast.parse
    try:
        tree = ast.parse(source)
    finally:
        sys.setrecursionlimit(previous)
    walk(tree, Dispatch([collector]))
    assert sum(isinstance(n, ast.Name) for n in collector.nodes) == 5001


def test_spans_count_characters_not_bytes() -> None:
    source = "naïve = 'café'; π = call(1)\n"
    tree = ast.parse(source)
    ctx = FileContext("x.py", "x", False, source, Names("x", ()), source.splitlines())
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call))
    span = ctx.span(call)
    assert (span.line, span.column, span.end_line, span.end_column) == (1, 21, 1, 28)
    assert source[span.column - 1 : span.end_column - 1] == "call(1)"
    assert ctx.code(call) == "call(1)"


def test_repo_sources_exist() -> None:
    assert len(_corpus()) > len(TRICKY) + 20
    assert Path(REPO / "archguard" / "scan" / "walker.py").exists()
