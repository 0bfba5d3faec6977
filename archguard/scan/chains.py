"""Long operator chains folded into shallow trees, so that depth never costs a file its
facts.

``a + b + c + ...`` parses into a left-leaning tower of ``BinOp`` nodes, one level per
operand: an 8,000-term sum (generated tables, long SQL or message concatenations) is
8,000 levels deep, and every recursive visitor of the extractors and rules would need
two or three Python frames per level. Nothing archguard reads depends on how a chain
associates (which names, calls, strings and operators it holds, and where), so when a
file's visitors run out of depth, every tower taller than ``_TALL`` is rebuilt as a
balanced tree of the same operands, in the same order, with the same operators between
them, and the file is analysed again. Every operand node is kept as it was, with
its position; the new inner nodes span from their first operand to their last.
"""

from __future__ import annotations

import ast

#: Towers up to this height are left alone: real expressions are far shorter, and a
#: finding keyed on an inner node keeps its exact node.
_TALL = 64


def fold_chains(tree: ast.AST) -> ast.AST:
    """``tree`` with every tall ``BinOp`` tower rebalanced in place (iteratively)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        for name, value in ast.iter_fields(node):
            if isinstance(value, ast.BinOp):
                value = _folded(value)
                setattr(node, name, value)
                stack.append(value)
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, ast.BinOp):
                        item = value[index] = _folded(item)
                    if isinstance(item, ast.AST):
                        stack.append(item)
            elif isinstance(value, ast.AST):
                stack.append(value)
    return tree


def _folded(node: ast.BinOp) -> ast.AST:
    """The tower rooted at ``node``, balanced when it is taller than ``_TALL``."""
    height = 0
    probe: ast.expr = node
    while isinstance(probe, ast.BinOp) and height <= _TALL:
        probe = probe.left
        height += 1
    if height <= _TALL:
        return node
    # Operands left to right, each with the operator that joins it to what precedes it.
    parts: list[tuple[ast.operator | None, ast.expr]] = []
    current: ast.expr = node
    while isinstance(current, ast.BinOp):
        parts.append((current.op, current.right))
        current = current.left
    parts.append((None, current))
    parts.reverse()
    return _balanced(parts, 0, len(parts))


def _balanced(parts: list[tuple[ast.operator | None, ast.expr]], start: int, end: int) -> ast.expr:
    """The operands ``parts[start:end]`` as a tree (and a recursion) of depth
    log2(end - start)."""
    if end - start == 1:
        return parts[start][1]
    middle = (start + end) // 2
    left = _balanced(parts, start, middle)
    right = _balanced(parts, middle, end)
    op = parts[middle][0]
    assert op is not None  # only the first operand has no operator before it
    folded = ast.BinOp(left=left, op=op, right=right)
    folded.lineno = left.lineno
    folded.col_offset = left.col_offset
    folded.end_lineno = right.end_lineno
    folded.end_col_offset = right.end_col_offset
    return folded
