"""The per-file pass: one file in, one outcome out, never an exception.

A file is decoded, parsed once with ``ast`` (newer syntax than the host knows is lowered
first, see ``lowering``), and that one tree feeds everything: the import facts, the name
table, the domain facts the app plugs in (web routes and guards, database queries, data flows),
function shapes, and one traversal shared by every file rule that applies to the file.
"""

from __future__ import annotations

import ast
import re
import sys
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from archguard.core.facts import ImportFact, ModuleFacts
from archguard.core.findings import Finding, Location
from archguard.core.fingerprint import make_fingerprint, normalize_snippet
from archguard.core.orm import OrmFacts
from archguard.core.outcomes import (
    Analysed,
    Diagnostic,
    DiagnosticKind,
    Failed,
    FileOutcome,
    Skipped,
)
from archguard.core.taint import TaintFacts
from archguard.core.web import WebFacts
from archguard.scan import facts_ast, structure
from archguard.scan.budget import OverBudget, time_budget
from archguard.scan.chains import fold_chains
from archguard.scan.context import FileContext
from archguard.scan.file_rule import FileRule, Report
from archguard.scan.isolation import Died
from archguard.scan.line_hash import line_hashes
from archguard.scan.lowering import lower_isolated
from archguard.scan.redaction import redact
from archguard.scan.source import decode_source
from archguard.scan.suppressions import find_suppressions
from archguard.scan.syntax import Names
from archguard.scan.walker import Dispatch, walk


@dataclass(frozen=True)
class FileJob:
    path: str
    data: bytes
    module: str
    is_package: bool


@dataclass(frozen=True)
class Extractors:
    """The domain fact extractors: they live in the domain packages above this layer,
    and the app plugs them in here. Each takes (tree, module name, import facts, raw
    bytes) and checks its own trigger words in the bytes first, so files that cannot
    hold its facts cost nothing."""

    web: Callable[[ast.Module, str, tuple[ImportFact, ...], bytes], WebFacts | None]
    orm: Callable[[ast.Module, str, tuple[ImportFact, ...], bytes], OrmFacts | None]
    taint: Callable[[ast.Module, str, tuple[ImportFact, ...], bytes], TaintFacts | None]


#: CPU seconds one file may take. Real files take milliseconds; a file that needs more
#: than this is reported as too complex instead of holding up the scan.
TIME_BUDGET = 30.0


@dataclass(frozen=True)
class FilePass:
    """What the per-file pass does to every file: the enabled file rules, the size
    limit, the domain extractors (None only in tests of the bare pass), and each file's
    time budget in CPU seconds (None: ``TIME_BUDGET``)."""

    rules: tuple[type[FileRule], ...]
    max_size: int
    extractors: Extractors | None = None
    time_budget: float | None = None
    _ruleset: list[FileRuleSet] = field(default_factory=list, compare=False, repr=False)

    @property
    def ruleset(self) -> FileRuleSet:
        if not self._ruleset:
            self._ruleset.append(FileRuleSet(list(self.rules)))
        return self._ruleset[0]


class FileRuleSet:
    """The enabled file rules, with their triggers compiled once."""

    def __init__(self, rules: list[type[FileRule]]) -> None:
        self.rules = sorted(rules, key=lambda r: r.meta.id)
        self._checks = [
            (
                r,
                re.compile(_union(r.TRIGGERS)) if r.TRIGGERS else None,
                tuple(w.lower() for w in r.TRIGGER_WORDS or ()),
            )
            for r in self.rules
        ]
        self._words = any(words for _, _, words in self._checks)

    def rules_for(self, data: bytes) -> list[type[FileRule]]:
        lowered = data.lower() if self._words else b""
        return [
            rule
            for rule, pattern, words in self._checks
            if (pattern is None and not words)
            or any(w in lowered for w in words)
            or (pattern is not None and pattern.search(data) is not None)
        ]


def _union(patterns: tuple[bytes, ...] | list[bytes]) -> bytes:
    return b"|".join(b"(?:" + p + b")" for p in patterns)


#: How deep the parser and the extractors may recurse. Python's default (1,000) stops
#: ``ast.parse`` at a chain of about 3,000 operands and the extractors' visitors at a few
#: hundred chained calls; real files go further (generated code, long concatenations).
#: On 3.11 the parser's own C recursion is bounded by a multiple of this limit, and this
#: value keeps it well inside an 8 MiB stack. Operator chains are folded after parsing
#: (see ``chains``), so a 30,000-term sum still keeps its facts; beyond this the file is
#: reported as too complex instead of crashing the C stack.
DEPTH_BUDGET = 12_000


def analyze(job: FileJob, spec: FilePass) -> FileOutcome:
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, DEPTH_BUDGET))
    budget = TIME_BUDGET if spec.time_budget is None else spec.time_budget
    try:
        with time_budget(budget):
            return _analyze_safely(job, budget, spec)
    except OverBudget:
        return Failed(
            job.path,
            _too_complex(job.path, f"analysis took more than its budget of {budget:g} CPU seconds"),
        )
    finally:
        sys.setrecursionlimit(previous)


def _analyze_safely(job: FileJob, budget: float, spec: FilePass) -> FileOutcome:
    try:
        return _analyze(job, budget, spec)
    except RecursionError:
        return Failed(job.path, _too_complex(job.path, "nesting too deep to analyse"))
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


def _too_complex(path: str, why: str) -> Diagnostic:
    return Diagnostic(path, DiagnosticKind.TOO_COMPLEX, f"not analysed: {why}", level="warning")


def _analyze(job: FileJob, budget: float, spec: FilePass) -> FileOutcome:
    decoded = decode_source(job.path, job.data, spec.max_size)
    if isinstance(decoded, Diagnostic):
        if decoded.kind in (DiagnosticKind.BINARY, DiagnosticKind.TOO_LARGE):
            return Skipped(job.path, decoded)
        return Failed(job.path, decoded)
    text = decoded.text
    parsed = parse(job.path, text, budget)
    if isinstance(parsed, Diagnostic):
        return Failed(job.path, parsed)
    tree = parsed
    try:
        return _from_tree(job, spec, tree, text, first_try=True)
    except RecursionError:
        # A tower of operators deeper than the visitors can recurse (an 8,000-term sum):
        # fold it into a balanced tree and go again. Folding only then keeps the cost
        # off the common file.
        fold_chains(tree)
        return _from_tree(job, spec, tree, text, first_try=False)


def _from_tree(
    job: FileJob, spec: FilePass, tree: ast.Module, text: str, first_try: bool
) -> FileOutcome:
    lines = text.splitlines()
    imports, defs = facts_ast.extract(tree, job.module, job.is_package, lines)
    names = Names(job.module, imports)
    findings = _run_rules(job, spec.ruleset.rules_for(job.data), tree, text, lines, names)
    facts = ModuleFacts(
        path=job.path,
        module=job.module,
        is_package=job.is_package,
        line_count=len(lines),
        suppressions=find_suppressions(lines),
        imports=imports,
        definitions=defs,
    )
    facts, diagnostics = _with_domain_facts(job, facts, tree, spec.extractors, first_try)
    return Analysed(job.path, facts, findings, diagnostics)


def parse(path: str, text: str, budget: float = TIME_BUDGET) -> ast.Module | Diagnostic:
    """The file's ``ast`` tree, or why it cannot be parsed. Syntax newer than the running
    Python's is lowered first (see ``lowering``): nothing a fact or rule reads is lost,
    so it is not reported. Lowering runs libcst's native parser, in a child process
    (see ``isolation``): a file that crashes it is too complex, the scan goes on."""
    try:
        return _ast_parse(text, path)
    except SyntaxError as exc:
        if "too many nested" in (exc.msg or ""):
            return _too_complex(path, f"{exc.msg} (line {exc.lineno})")
        error = exc
    except (RecursionError, MemoryError):
        return _too_complex(path, "nesting too deep to parse")
    except ValueError as exc:  # NUL bytes and the like
        return Diagnostic(path, DiagnosticKind.SYNTAX_ERROR, f"not analysed: {exc}", level="error")
    # Wall time for the child: a loaded machine must not turn a normal parse into a
    # timeout, so never less than _LOWERING_FLOOR seconds.
    lowered = lower_isolated(text, max(budget, _LOWERING_FLOOR))
    if isinstance(lowered, Died):
        return _too_complex(path, f"{lowered.why} (syntax newer than Python {_HOST})")
    if lowered is not None:
        try:
            return _ast_parse(lowered, path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
    line = error.lineno or 1
    return Diagnostic(
        path,
        DiagnosticKind.SYNTAX_ERROR,
        f"not analysed: syntax error at line {line}, column {error.offset or 1}: {error.msg}",
        line=line,
        level="error",
    )


_HOST = f"{sys.version_info.major}.{sys.version_info.minor}"
_LOWERING_FLOOR = 10.0


def _ast_parse(text: str, path: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings are the user's business
        return ast.parse(text, filename=path)


def _run_rules(
    job: FileJob,
    rules: list[type[FileRule]],
    tree: ast.Module,
    text: str,
    lines: list[str],
    names: Names,
) -> tuple[Finding, ...]:
    if not rules:
        return ()
    ctx = FileContext(job.path, job.module, job.is_package, text, names, lines)
    instances = [rule(ctx) for rule in rules]
    walk(tree, Dispatch(instances))
    reports = [(rule, report) for rule in instances for report in rule.reports]
    if not reports:
        return ()
    reports = _without_deferred(reports)
    hashes = line_hashes(text, max(getattr(r.node, "lineno", 1) for _, r in reports))
    findings = []
    for rule, report in reports:
        span = ctx.span(report.node)
        key = (
            report.symbol if report.symbol is not None else normalize_snippet(ctx.code(report.node))
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
                pattern=report.shape,
                related=tuple(_related(ctx, job.path, node, why) for node, why in report.related),
            )
        )
    return tuple(sorted(findings, key=lambda f: f.sort_key))


def _without_deferred(reports: list[tuple[FileRule, Report]]) -> list[tuple[FileRule, Report]]:
    """Drops each report whose ``defer_to`` rules reported on the same line: the problem
    is then told once, by the rule that knows it best. A rule that is not enabled
    reports nothing, so the deferring rule speaks instead."""
    fired = {(rule.meta.id, getattr(report.node, "lineno", 0)) for rule, report in reports}
    return [
        (rule, report)
        for rule, report in reports
        if not any((other, getattr(report.node, "lineno", 0)) in fired for other in report.defer_to)
    ]


def _related(ctx: FileContext, path: str, node: ast.AST, why: str) -> Location:
    span = ctx.span(node)
    return Location(path, span.line, span.column, span.end_line, span.end_column, why)


#: Only modules that mention one of these can name modules in framework strings.
_REFERENCE_TRIGGERS = re.compile(
    rb"ForeignKey|OneToOneField|ManyToManyField|ParentalKey|include\(|INSTALLED_APPS|MIDDLEWARE"
    rb"|ROOT_URLCONF|WSGI_APPLICATION|ASGI_APPLICATION|AUTH_USER_MODEL"
)

#: Only modules that mention one of these can hold a literal that ``redaction`` masks.
_MAY_HOLD_SECRETS = re.compile(
    rb"(?i)secret|passw|pwd|token|key|credential|signing|salt|fernet|dsn|://"
)

#: Marks a module whose web facts could not be extracted (see _with_domain_facts).
WEB_FAILED = WebFacts(frameworks=("<failed>",))


def _with_domain_facts(
    job: FileJob,
    facts: ModuleFacts,
    tree: ast.Module,
    extractors: Extractors | None,
    first_try: bool = False,
) -> tuple[ModuleFacts, tuple[Diagnostic, ...]]:
    """The facts that always come from the tree beside imports: framework references,
    function shapes, and the domain extractors' web and database facts. A bug in one
    extractor costs the file those facts only, and says so."""
    imports = facts.imports
    references = (
        structure.framework_references(tree) if _REFERENCE_TRIGGERS.search(job.data) else ()
    )
    facts = replace(
        facts,
        imports=tuple(sorted(imports + references)),
        functions=structure.function_shapes(tree, job.module, imports),
    )
    if extractors is None:
        return facts, ()
    diagnostics: list[Diagnostic] = []
    try:
        facts = replace(facts, web=extractors.web(tree, job.module, imports, job.data))
    except Exception as exc:
        if first_try and isinstance(exc, RecursionError):
            raise  # folded and tried again, see _analyze
        facts = replace(facts, web=WEB_FAILED)
        diagnostics.append(_lost(job.path, "routes and guards", exc))
    try:
        facts = replace(facts, orm=extractors.orm(tree, job.module, imports, job.data))
    except Exception as exc:
        if first_try and isinstance(exc, RecursionError):
            raise
        diagnostics.append(_lost(job.path, "database facts", exc))
    try:
        facts = replace(facts, taint=extractors.taint(tree, job.module, imports, job.data))
    except Exception as exc:
        if first_try and isinstance(exc, RecursionError):
            raise
        diagnostics.append(_lost(job.path, "data flows", exc))
    if _MAY_HOLD_SECRETS.search(job.data):
        web, orm = redact(facts.web, facts.orm)
        facts = replace(facts, web=web, orm=orm)
    return facts, tuple(diagnostics)


def _lost(path: str, what: str, exc: Exception) -> Diagnostic:
    if isinstance(exc, RecursionError):
        return Diagnostic(
            path,
            DiagnosticKind.TOO_COMPLEX,
            f"{what} of this file were not extracted: nesting too deep; its other findings stand",
        )
    return Diagnostic(
        path,
        DiagnosticKind.INTERNAL_ERROR,
        f"{what} of this file were not extracted (internal error); "
        "its other findings stand; please report it",
    )
