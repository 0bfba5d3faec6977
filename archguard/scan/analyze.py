"""The per-file pass: one file in, one outcome out, never an exception."""

from __future__ import annotations

import ast
import re
import traceback
import warnings
from dataclasses import dataclass, replace

import libcst as cst

from archguard.core.facts import Definition, ImportFact, ModuleFacts
from archguard.core.findings import Finding, Location
from archguard.core.fingerprint import make_fingerprint, normalize_snippet
from archguard.core.outcomes import (
    Analysed,
    Diagnostic,
    DiagnosticKind,
    Failed,
    FileOutcome,
    Skipped,
)
from archguard.core.web import WebFacts
from archguard.scan import facts_ast, orm_facts, structure, web_facts
from archguard.scan.context import FileContext
from archguard.scan.facts_cst import FactCollector, definition_nodes, definitions
from archguard.scan.file_rule import FileRule
from archguard.scan.line_hash import line_hashes
from archguard.scan.locate import locate
from archguard.scan.resolver import ImportTable
from archguard.scan.source import decode_source
from archguard.scan.suppressions import find_suppressions
from archguard.scan.walker import Dispatch, walk


@dataclass(frozen=True)
class FileJob:
    path: str
    data: bytes
    module: str
    is_package: bool


class FileRuleSet:
    """The enabled file rules, with their triggers compiled once."""

    def __init__(self, rules: list[type[FileRule]]) -> None:
        self.rules = sorted(rules, key=lambda r: r.meta.id)
        self._always = [r for r in self.rules if r.TRIGGERS is None]
        self._triggered = [
            (r, re.compile(_union(r.TRIGGERS))) for r in self.rules if r.TRIGGERS is not None
        ]
        patterns = [p for r in self.rules if r.TRIGGERS for p in r.TRIGGERS]
        self._any = re.compile(_union(patterns)) if patterns else None

    def rules_for(self, data: bytes) -> list[type[FileRule]]:
        if self._any is None or not self._any.search(data):
            return list(self._always)
        matched = {r for r, pattern in self._triggered if pattern.search(data)}
        return [r for r in self.rules if r.TRIGGERS is None or r in matched]


def _union(patterns: tuple[bytes, ...] | list[bytes]) -> bytes:
    return b"|".join(b"(?:" + p + b")" for p in patterns)


def analyze(job: FileJob, rules: FileRuleSet, max_size: int) -> FileOutcome:
    try:
        return _analyze(job, rules, max_size)
    except Exception as exc:  # the runner must survive any one file
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return Failed(
            job.path,
            Diagnostic(
                job.path,
                DiagnosticKind.INTERNAL_ERROR,
                f"internal error while analysing: {type(exc).__name__}: {exc} "
                f"({where.filename.rsplit('/', 1)[-1]}:{where.lineno}); please report it",
                level="error",
            ),
        )


def _analyze(job: FileJob, ruleset: FileRuleSet, max_size: int) -> FileOutcome:
    decoded = decode_source(job.path, job.data, max_size)
    if isinstance(decoded, Diagnostic):
        if decoded.kind in (DiagnosticKind.BINARY, DiagnosticKind.TOO_LARGE):
            return Skipped(job.path, decoded)
        return Failed(job.path, decoded)
    text = decoded.text
    lines = text.splitlines()
    rules = ruleset.rules_for(job.data)
    if not rules:
        facts = _facts_from_ast(job, text, lines)
        if facts is not None:
            return Analysed(job.path, facts, (), _web_diagnostics(job, facts))
    return _analyze_with_libcst(job, text, lines, rules)


def _syntax_error(text: str, exc: cst.ParserSyntaxError) -> tuple[int, int, str]:
    """Where and why the file does not parse, in CPython's words when it agrees that
    the file is broken (they are the words users know), else in libcst's."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except SyntaxError as py_exc:
        if py_exc.lineno:
            return py_exc.lineno, py_exc.offset or 1, py_exc.msg
    except (ValueError, RecursionError, MemoryError):
        pass
    return exc.raw_line, exc.raw_column + 1, exc.message


def _base_facts(job: FileJob, text: str, lines: list[str]) -> ModuleFacts:
    return ModuleFacts(
        path=job.path,
        module=job.module,
        is_package=job.is_package,
        line_count=len(lines),
        suppressions=find_suppressions(lines),
    )


def _facts_from_ast(job: FileJob, text: str, lines: list[str]) -> ModuleFacts | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings are the user's business
            tree = ast.parse(text, filename=job.path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # newer syntax than this Python knows, or broken: libcst decides
    imports, defs = facts_ast.extract(tree, job.module, job.is_package, lines)
    return _with_ast_facts(job, _base_facts(job, text, lines), tree, imports, defs)


def _with_ast_facts(
    job: FileJob,
    base: ModuleFacts,
    tree: ast.Module | str,
    imports: tuple[ImportFact, ...],
    defs: tuple[Definition, ...],
) -> ModuleFacts:
    """The module's facts with those that always come from ``ast``: web facts,
    function shapes and framework references. They need a line on most nodes, which
    ``ast`` gives for free, and ``ast.parse`` costs a tenth of libcst's, so they come
    from it even when libcst parsed the file for rules."""
    if isinstance(tree, str):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(tree, filename=job.path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return replace(base, imports=imports, definitions=defs)
    references = (
        structure.framework_references(tree) if _REFERENCE_TRIGGERS.search(job.data) else ()
    )
    return replace(
        base,
        imports=tuple(sorted(imports + references)),
        definitions=defs,
        web=_web(job, tree, imports),
        functions=structure.function_shapes(tree, job.module, imports),
        orm=orm_facts.extract(tree, job.module, imports)
        if orm_facts.TRIGGERS.search(job.data)
        else None,
    )


#: Only modules that mention one of these can name modules in framework strings.
_REFERENCE_TRIGGERS = re.compile(
    rb"ForeignKey|OneToOneField|ManyToManyField|ParentalKey|include\(|INSTALLED_APPS|MIDDLEWARE"
    rb"|ROOT_URLCONF|WSGI_APPLICATION|ASGI_APPLICATION|AUTH_USER_MODEL"
)


def _web(job: FileJob, tree: ast.Module, imports: tuple[ImportFact, ...]) -> WebFacts | None:
    """Web facts for modules that mention web code."""
    if not web_facts.TRIGGERS.search(job.data):
        return None
    try:
        return web_facts.extract(tree, job.module, imports)
    except Exception:  # a bug here must not cost the file its other facts and findings
        return _WEB_FAILED


#: Marks a module whose web facts could not be extracted (see _web_diagnostics).
_WEB_FAILED = WebFacts(frameworks=("<failed>",))


def _web_diagnostics(job: FileJob, facts: ModuleFacts) -> tuple[Diagnostic, ...]:
    if facts.web != _WEB_FAILED:
        return ()
    return (
        Diagnostic(
            job.path,
            DiagnosticKind.INTERNAL_ERROR,
            "routes and guards of this file were not extracted (internal error); "
            "its other findings stand; please report it",
        ),
    )


def _analyze_with_libcst(
    job: FileJob, text: str, lines: list[str], rules: list[type[FileRule]]
) -> FileOutcome:
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        line, column, message = _syntax_error(text, exc)
        return Failed(
            job.path,
            Diagnostic(
                job.path,
                DiagnosticKind.SYNTAX_ERROR,
                f"not analysed: syntax error at line {line}, column {column}: {message}",
                line=line,
                level="error",
            ),
        )
    names = ImportTable()
    ctx = FileContext(job.path, job.module, job.is_package, text, names)
    collector = FactCollector(job.module, job.is_package, names)
    instances = [rule(ctx) for rule in rules]
    walk(module, Dispatch([collector, *instances]))
    def_nodes = definition_nodes(module)
    reports = [(rule, report) for rule in instances for report in rule.reports]
    spans = locate(
        module,
        [
            *collector.nodes_to_locate(),
            *(n for n, _, _ in def_nodes),
            *(r.node for _, r in reports),
        ],
    )
    findings = []
    hashes = line_hashes(text) if reports else {}
    for rule, report in reports:
        span = spans[report.node]
        key = (
            report.symbol
            if report.symbol is not None
            else normalize_snippet(module.code_for_node(report.node))
        )
        meta = rule.meta
        findings.append(
            Finding(
                rule_id=meta.id,
                rule_name=meta.name,
                category=meta.category,
                severity=report.severity,
                confidence=report.confidence,
                message=report.message,
                location=Location(job.path, span.line, span.column, span.end_line, span.end_column),
                fingerprint=make_fingerprint(meta.id, job.path, key),
                cwe=meta.cwe,
                fix=report.fix,
                line_hash=hashes.get(span.line, ""),
            )
        )
    facts = _with_ast_facts(
        job,
        _base_facts(job, text, lines),
        text,
        collector.imports(spans),
        definitions(def_nodes, spans),
    )
    return Analysed(
        job.path,
        facts,
        tuple(sorted(findings, key=lambda f: f.sort_key)),
        _web_diagnostics(job, facts),
    )
