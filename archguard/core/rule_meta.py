"""What a rule declares about itself, and the examples it ships with."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from archguard.core.levels import Category, Confidence, Severity

RULE_ID_PATTERN = re.compile(r"AG[1-9]\d\d")
RULE_NAME_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
DOC_HEADINGS = (
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## References",
)


@dataclass(frozen=True)
class RuleMeta:
    """Identity and defaults of a rule. ``doc`` is the Markdown taken from its docstring."""

    id: str
    name: str
    category: Category
    severity: Severity
    confidence: Confidence
    #: A one-line description, shown in rule lists and as SARIF's shortDescription.
    summary: str
    cwe: tuple[int, ...] = ()
    tags: frozenset[str] = frozenset()
    #: CVSS-like score, string-typed in SARIF; only security rules carry one.
    security_severity: float | None = None
    #: Off unless selected by id, prefix or ALL: rules about style rather than failures
    #: (as ruff's rules outside its default set).
    default: bool = True
    #: A security rule's findings in tests, migrations, scripts and dev settings are
    #: left out (no request runs that code), unless the rule names the severity they
    #: keep there: a real token committed in a test is leaked all the same.
    outside_production: Severity | None = None
    doc: str = ""
    #: Where the rule is documented, when that is not archguard's own page (the first
    #: reference of a rule from a user's Semgrep pack).
    reference: str = ""

    @property
    def is_security(self) -> bool:
        return "security" in self.tags

    @property
    def help_uri(self) -> str:
        return self.reference or f"https://archguard.invalid/rules/{self.id}"

    def section(self, heading: str) -> str:
        """The body of one ``## heading`` of the docs, without the heading line."""
        lines = self.doc.splitlines()
        out: list[str] = []
        inside = False
        for line in lines:
            if line.startswith("## "):
                inside = line[3:].strip().rstrip("?") == heading.rstrip("?")
                continue
            if inside:
                out.append(line)
        return "\n".join(out).strip()


@dataclass(frozen=True)
class Example:
    """Code a rule must stay silent on (``Valid``) or must fire on (``Invalid``).

    ``files`` maps repo-relative paths to source text; single-file examples use one
    entry. ``lines`` pins the lines (in ``path``) where findings must appear.
    """

    files: tuple[tuple[str, str], ...]
    must_fire: bool
    lines: tuple[int, ...] = ()
    path: str = ""
    #: A substring the finding's message must contain.
    message: str = ""
    #: What the example shows, when the code alone does not say it.
    label: str = ""


def Valid(
    code: str = "",
    *,
    path: str = "app/module.py",
    files: dict[str, str] | None = None,
    label: str = "",
) -> Example:
    return Example(_files(code, path, files), False, path=path, label=label)


def Invalid(
    code: str = "",
    *,
    line: int | tuple[int, ...] = (),
    path: str = "app/module.py",
    files: dict[str, str] | None = None,
    message: str = "",
    label: str = "",
) -> Example:
    lines = (line,) if isinstance(line, int) else tuple(line)
    return Example(_files(code, path, files), True, lines, path=path, message=message, label=label)


def _files(code: str, path: str, files: dict[str, str] | None) -> tuple[tuple[str, str], ...]:
    if files is not None:
        return tuple(sorted((name, _clean(text)) for name, text in files.items()))
    return ((path, _clean(code)),)


def _clean(code: str) -> str:
    """Examples are written indented inside triple quotes; store them as a file would be."""
    return textwrap.dedent(code).lstrip("\n")
