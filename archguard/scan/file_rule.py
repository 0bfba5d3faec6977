"""The base class of rules that look at one file at a time.

A rule subclasses ``FileRule``, declares ``meta``, documents itself in its docstring,
lists ``VALID`` and ``INVALID`` examples, and implements ``visit_<Node>`` /
``leave_<Node>`` methods named after ``ast`` node classes (``visit_Call``,
``leave_FunctionDef``). One instance is made per file; all enabled rules share one
traversal of the file's one ``ast`` tree, the same tree every fact comes from. Rules do
no I/O: everything they know comes from the tree and ``self.ctx``.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass, replace
from typing import ClassVar

from archguard.core.levels import Confidence, Severity
from archguard.core.rule_meta import Example, RuleMeta
from archguard.scan.context import FileContext


@dataclass(frozen=True)
class Report:
    """A finding as a rule reports it; the runner turns it into a ``Finding``."""

    node: ast.AST
    message: str
    severity: Severity
    confidence: Confidence
    #: Identity of the finding within the file, for its fingerprint; None uses the code.
    symbol: str | None
    fix: str
    #: Which shape of the problem matched, when a rule knows several (``Finding.pattern``).
    shape: str = ""
    #: Rules that report the same problem more precisely: when one of them reports on
    #: the same line of the file, this report is dropped.
    defer_to: tuple[str, ...] = ()
    #: Other places that explain the finding, each with what it has to do with it.
    related: tuple[tuple[ast.AST, str], ...] = ()


class FileRule:
    meta: ClassVar[RuleMeta]
    #: Byte regexes; the rule runs on a file only if one of them (or one of the
    #: TRIGGER_WORDS) occurs in it. None for both means every file. This lets the scanner
    #: skip the rule traversal of files no rule can match.
    TRIGGERS: ClassVar[tuple[bytes, ...] | None] = None
    #: Lower-case words looked for in the lower-cased file. A substring test costs a
    #: fraction of a case-insensitive regex alternation, which took seconds per rule on
    #: a large repository.
    TRIGGER_WORDS: ClassVar[tuple[bytes, ...] | None] = None
    VALID: ClassVar[tuple[Example, ...]] = ()
    INVALID: ClassVar[tuple[Example, ...]] = ()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "meta" in cls.__dict__:
            cls.meta = replace(cls.meta, doc=inspect.cleandoc(cls.__doc__ or ""))

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.reports: list[Report] = []

    def report(
        self,
        node: ast.AST,
        message: str,
        *,
        symbol: str | None = None,
        severity: Severity | None = None,
        confidence: Confidence | None = None,
        fix: str = "",
        shape: str = "",
        defer_to: tuple[str, ...] = (),
        related: tuple[tuple[ast.AST, str], ...] = (),
    ) -> None:
        self.reports.append(
            Report(
                node=node,
                message=message,
                severity=severity or self.meta.severity,
                confidence=confidence or self.meta.confidence,
                symbol=symbol,
                fix=fix,
                shape=shape,
                defer_to=defer_to,
                related=related,
            )
        )
