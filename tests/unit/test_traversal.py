"""The fast walk and the targeted locator must agree with libcst's own machinery."""

from __future__ import annotations

import collections
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from archguard.scan.locate import locate
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
    "type Alias[T] = list[T]\ntry:\n    pass\nexcept A, B:\n    pass\n",
]
NODE_TYPES = [
    "Name",
    "Call",
    "SimpleString",
    "Attribute",
    "Import",
    "ImportFrom",
    "FunctionDef",
    "ClassDef",
    "Param",
    "Assign",
    "AnnAssign",
    "Dict",
    "FormattedString",
    "Decorator",
    "Comparison",
    "IndentedBlock",
    "MatchCase",
    "Subscript",
    "Arg",
]


def _corpus() -> list[str]:
    sources = list(TRICKY)
    for path in sorted([*FIXTURES.rglob("*.py"), *(REPO / "archguard").rglob("*.py")]):
        sources.append(path.read_text(encoding="utf-8"))
    return sources


class _Collect:
    def __init__(self) -> None:
        self.nodes: list[cst.CSTNode] = []


for _name in NODE_TYPES:
    setattr(_Collect, f"visit_{_name}", lambda self, node: self.nodes.append(node))


class _Reference(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.counts: collections.Counter[str] = collections.Counter()

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.counts[type(node).__name__] += 1
        return True


@pytest.mark.parametrize("source", _corpus(), ids=lambda s: str(hash(s) % 10_000))
def test_walk_and_locate_agree_with_libcst(source: str) -> None:
    module = cst.parse_module(source)
    collector = _Collect()
    walk(module, Dispatch([collector]))
    reference = _Reference()
    module.visit(reference)
    mine = collections.Counter(type(n).__name__ for n in collector.nodes)
    assert mine == collections.Counter(
        {k: v for k, v in reference.counts.items() if k in NODE_TYPES}
    )

    spans = locate(module, collector.nodes)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    for node in collector.nodes:
        want = positions[node]
        got = spans[node]
        assert (got.line, got.column, got.end_line, got.end_column) == (
            want.start.line,
            want.start.column + 1,
            want.end.line,
            want.end.column + 1,
        ), type(node).__name__


def test_walk_order_is_source_order_for_statements() -> None:
    module = cst.parse_module("import a\nx = 1\nimport b\n")
    seen: list[str] = []

    class Imports:
        def visit_Import(self, node: cst.Import) -> None:
            seen.append(cst.Module([]).code_for_node(node.names[0].name))

    walk(module, Dispatch([Imports()]))
    assert seen == ["a", "b"]


def test_repo_sources_exist() -> None:
    assert len(_corpus()) > len(TRICKY) + 20
    assert Path(REPO / "archguard" / "scan" / "walker.py").exists()
