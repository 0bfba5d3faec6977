"""What the per-file pass returns for each file: a value, never an exception."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from archguard.core.facts import ModuleFacts
from archguard.core.findings import Finding


class DiagnosticKind(str, Enum):
    SYNTAX_ERROR = "syntax-error"
    NOT_UTF8 = "not-utf8"
    BINARY = "binary"
    TOO_LARGE = "too-large"
    UNREADABLE = "unreadable"
    #: A FIFO, socket, device or directory with a Python file's name: never opened.
    NOT_REGULAR = "not-regular-file"
    #: A symlink leading outside the project (not followed) or to nothing.
    SYMLINK = "symlink-not-followed"
    INTERNAL_ERROR = "internal-error"
    UNKNOWN_RULE_IN_SUPPRESSION = "unknown-rule-in-suppression"
    #: Too deeply nested or too long to analyse within the per-file budget.
    TOO_COMPLEX = "too-complex"
    #: Semgrep could not apply the rule packs to one file (a timeout, a parse gap).
    PATTERN_ENGINE = "pattern-engine"
    #: Semgrep did not run at all: every pattern rule is missing from the results.
    ENGINE_FAILED = "engine-failed"
    #: The source roots look wrong: module names, and so the import graph, are off.
    SOURCE_ROOTS = "source-roots"
    #: The cache directory cannot be trusted (git tracks it) and was not used.
    CACHE = "cache"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """Something about the scan itself that a user must see (not a code finding)."""

    path: str
    kind: DiagnosticKind
    message: str
    line: int = 0
    level: str = "warning"  # "error" | "warning" | "note", as SARIF notifications


@dataclass(frozen=True)
class Analysed:
    path: str
    facts: ModuleFacts
    findings: tuple[Finding, ...]
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True)
class Failed:
    """The file could not be analysed (bad syntax, bad encoding, an internal error)."""

    path: str
    diagnostic: Diagnostic


@dataclass(frozen=True)
class Skipped:
    """The file was deliberately not analysed (binary, too large)."""

    path: str
    diagnostic: Diagnostic


FileOutcome = Analysed | Failed | Skipped
