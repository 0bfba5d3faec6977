"""Source positions for the few nodes that need one.

libcst's PositionProvider records a range for every node of the file (about 30 ms per
file on Django's sources). Findings and facts need positions for a handful of nodes, so
this runs libcst's code generation once with a state that records only those.
It relies on libcst's codegen hooks (``before_codegen``, ``after_codegen`` and
``record_syntactic_position``), the same ones PositionProvider is built on; a test checks
the results against PositionProvider.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

import libcst as cst
from libcst._nodes.internal import CodegenState

_NO_RECORDING = nullcontext()


@dataclass(frozen=True)
class Span:
    """1-based lines and columns; ``end_column`` is just after the last character."""

    line: int
    column: int
    end_line: int
    end_column: int


class _LocatingState(CodegenState):
    def __init__(self, module: cst.Module, targets: set[cst.CSTNode]) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.line = 1
        self.column = 0
        self.targets = targets
        self.starts: dict[cst.CSTNode, tuple[int, int]] = {}
        self.found: dict[cst.CSTNode, tuple[tuple[int, int], tuple[int, int]]] = {}
        self.syntactic: set[cst.CSTNode] = set()

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        newlines = value.count("\n") + value.count("\r") - value.count("\r\n")
        if newlines:
            self.line += newlines
            last = max(value.rfind("\n"), value.rfind("\r"))
            self.column = len(value) - last - 1
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if node in self.targets:
            self.starts[node] = (self.line, self.column)

    def after_codegen(self, node: cst.CSTNode) -> None:
        if node in self.targets and node not in self.syntactic:
            self.found[node] = (self.starts[node], (self.line, self.column))

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> object:
        if node not in self.targets:
            return _NO_RECORDING
        return self._record(node, start_node, end_node)

    @contextmanager
    def _record(
        self, node: cst.CSTNode, start_node: cst.CSTNode | None, end_node: cst.CSTNode | None
    ) -> Iterator[None]:
        # The hoisted start/end come from children that are generated inside this block.
        for helper in (start_node, end_node):
            if helper is not None:
                self.targets.add(helper)
        start = (self.line, self.column)
        yield
        end = (self.line, self.column)
        if start_node is not None and start_node in self.found:
            start = self.found[start_node][0]
        if end_node is not None and end_node in self.found:
            end = self.found[end_node][1]
        self.syntactic.add(node)
        self.found[node] = (start, end)


def locate(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[cst.CSTNode, Span]:
    """Spans of ``nodes`` (all of which must belong to ``module``)."""
    targets = set(nodes)
    if not targets:
        return {}
    state = _LocatingState(module, set(targets))
    module._codegen(state)
    spans = {}
    for node in targets:
        (line, col), (end_line, end_col) = state.found[node]
        spans[node] = Span(line, col + 1, end_line, end_col + 1)
    return spans
