"""Newer syntax rewritten into syntax the running Python's ``ast`` can parse.

Every fact and every file rule reads one ``ast`` tree. When the host Python is older than
the code (a 3.11 interpreter scanning 3.12-3.14 code), ``ast.parse`` refuses the file,
but libcst's parser knows every version. This rewrites only what the host cannot read,
keeping line numbers, so that routes, guards, queries and rule findings still land on
the right lines:

- PEP 695: ``type X[T] = ...`` becomes ``X = ...``; type parameters of functions and
  classes are dropped (no rule looks at them).
- PEP 758: ``except A, B:`` becomes ``except (A, B):``.
- PEP 701 and PEP 750: an f-string or t-string the host cannot parse (nested quotes of
  its own kind, backslashes or comments in replacement fields) becomes a concatenation
  of its parts, ``("text" + str(expr) + ...)``: the expressions are kept where flows and
  calls are read from; only the string's own form is lost.
"""

from __future__ import annotations

import ast
import io
import tokenize
import warnings

import libcst as cst

from archguard.scan.isolation import Died, Done, run_isolated

#: libcst's parser takes time quadratic in the length of an operator chain (two seconds
#: at 2,000 operators) and overflows its native stack near 8,000: a statement with more
#: operators than this is not handed to it at all.
MAX_OPERATORS = 1_000
#: Operator tokens that do not deepen the tree.
_FLAT = frozenset({",", ":", ";", "(", ")", "[", "]", "{", "}", "=", "->", "**=", "@"})


def lower_isolated(text: str, timeout: float) -> str | Died | None:
    """``lower(text)``, run where a crash of libcst's native parser (deep nesting) or a
    hang costs this file only: the lowered source, None when libcst cannot parse it
    either, or how the parse died."""
    longest = longest_chain(text)
    if longest > MAX_OPERATORS:
        return Died(f"a statement with {longest:,} operators is too long to parse")
    outcome = run_isolated(lower, text, timeout)
    return outcome.value if isinstance(outcome, Done) else outcome


def longest_chain(text: str) -> int:
    """The most operators in one logical line (0 when the tokenizer gives up first:
    the isolated parse still protects the scan)."""
    longest = count = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.OP and token.string not in _FLAT:
                count += 1
            elif token.type == tokenize.NEWLINE:
                longest, count = max(longest, count), 0
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass
    return max(longest, count)


def lower(text: str) -> str | None:
    """The source rewritten for this host's ``ast``, or None when libcst cannot parse it
    either (then the file really is broken)."""
    try:
        module = cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError, MemoryError, ValueError):
        return None
    return module.visit(_Lowering()).code


def _parses(code: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(f"({code})", mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


class _Lowering(cst.CSTTransformer):
    def __init__(self) -> None:
        super().__init__()
        self._module = cst.Module(body=[])

    def leave_TypeAlias(
        self, original_node: cst.TypeAlias, updated_node: cst.TypeAlias
    ) -> cst.Assign:
        return cst.Assign(
            targets=[cst.AssignTarget(target=updated_node.name)], value=updated_node.value
        )

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        if updated_node.type_parameters is None:
            return updated_node
        return updated_node.with_changes(type_parameters=None)

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        if updated_node.type_parameters is None:
            return updated_node
        return updated_node.with_changes(type_parameters=None)

    def leave_ExceptHandler(
        self, original_node: cst.ExceptHandler, updated_node: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        return updated_node.with_changes(type=_parenthesized(updated_node.type))

    def leave_ExceptStarHandler(
        self, original_node: cst.ExceptStarHandler, updated_node: cst.ExceptStarHandler
    ) -> cst.ExceptStarHandler:
        lowered = _parenthesized(updated_node.type)
        assert lowered is not None  # except* always names a type
        return updated_node.with_changes(type=lowered)

    def leave_FormattedString(
        self, original_node: cst.FormattedString, updated_node: cst.FormattedString
    ) -> cst.BaseExpression:
        return self._string(updated_node)

    def leave_TemplatedString(
        self, original_node: cst.TemplatedString, updated_node: cst.TemplatedString
    ) -> cst.BaseExpression:
        return self._string(updated_node, always=True)

    def _string(
        self, node: cst.FormattedString | cst.TemplatedString, always: bool = False
    ) -> cst.BaseExpression:
        code = self._module.code_for_node(node)
        if not always and _parses(code):
            return node
        parts: list[str] = []
        for part in node.parts:
            if isinstance(part, (cst.FormattedStringExpression, cst.TemplatedStringExpression)):
                parts.append(f"str({self._module.code_for_node(part.expression)})")
            elif isinstance(part, (cst.FormattedStringText, cst.TemplatedStringText)):
                parts.append(repr(part.value))
        # Keep the string's line count so that the lines after it keep their numbers.
        newlines = code.count("\n") - sum(p.count("\n") for p in parts)
        text = "(" + " + ".join(parts or ["''"]) + "\n" * max(newlines, 0) + ")"
        return cst.parse_expression(text)


def _parenthesized(expr: cst.BaseExpression | None) -> cst.BaseExpression | None:
    if isinstance(expr, cst.Tuple) and not expr.lpar:
        return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return expr
