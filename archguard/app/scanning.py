"""The scan use case: paths and options in, a ScanReport out."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from archguard import __version__
from archguard.app.baseline import BaselineFile, read_baseline
from archguard.app.errors import UsageError
from archguard.app.pattern_pass import PatternPass, merge_engines
from archguard.app.selection import select_rules
from archguard.app.suppressing import (
    is_ignored_for_file,
    is_suppressed,
    unknown_suppressions,
)
from archguard.config.layer_sources import contracts_from_other_tools, read_in
from archguard.config.loading import (
    ConfigError,
    ConfigProblem,
    find_config,
    load_config,
)
from archguard.config.settings import Settings
from archguard.core.findings import Finding
from archguard.core.levels import Severity
from archguard.core.outcomes import (
    Analysed,
    Diagnostic,
    DiagnosticKind,
    Failed,
    FileOutcome,
)
from archguard.core.report import BaselineEntry, ScanReport
from archguard.graph.build import build_project
from archguard.graph.metrics import repo_metrics
from archguard.graph.project import Project
from archguard.graph.roots import misconfigured_roots
from archguard.rules.project_rule import ProjectRule
from archguard.rules.registry import all_rules
from archguard.scan import git
from archguard.scan.analyze import FileJob
from archguard.scan.cache import FileCache, code_signature
from archguard.scan.discover import discover
from archguard.scan.file_rule import FileRule
from archguard.scan.line_hash import line_hashes
from archguard.scan.modules import default_source_roots, module_name
from archguard.scan.pattern_rule import PatternRule
from archguard.scan.pool import analyze_files


@dataclass(frozen=True)
class ScanOptions:
    paths: tuple[Path, ...] = (Path("."),)
    config_file: Path | None = None
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: Severity | None = None
    jobs: int | None = None
    use_cache: bool = True
    baseline: Path | None = None
    #: Analyse the whole project, report only on the files named in ``paths``.
    changed_only: bool = False
    #: Report only on files changed since this git ref.
    since: str | None = None
    #: Ignore the configured baseline (used when writing a new one).
    no_baseline: bool = False
    #: Run the pattern rules through Semgrep; off, they are left out of the scan.
    semgrep: bool = True


@dataclass(frozen=True)
class ProjectLocation:
    """Where the project is and how it is configured."""

    root: Path
    settings: Settings
    config_source: Path | None


def locate_project(options: ScanOptions) -> ProjectLocation:
    missing = [str(p) for p in options.paths if not p.exists()]
    if missing:
        raise UsageError(f"path does not exist: {', '.join(missing)}")
    first = options.paths[0].resolve()
    config_file = options.config_file
    if config_file is not None and not config_file.is_file():
        raise UsageError(f"config file does not exist: {config_file}")
    if config_file is None:
        config_file = find_config(first)
    settings, problems = load_config(config_file)
    if problems:
        raise ConfigError(problems)
    if config_file is not None:
        root = config_file.resolve().parent
    else:
        root = git.toplevel(first) or (first if first.is_dir() else first.parent)
    if not settings.layer_contracts:
        settings = replace(settings, layer_contracts=contracts_from_other_tools(read_in(root)))
    for path in options.paths:
        try:
            path.resolve().relative_to(root)
        except ValueError:
            raise UsageError(f"{path} is outside the project root {root}") from None
    return ProjectLocation(root, settings, config_file)


def effective_settings(settings: Settings, options: ScanOptions) -> Settings:
    return replace(
        settings,
        select=options.select if options.select is not None else settings.select,
        extend_select=settings.extend_select + options.extend_select,
        ignore=settings.ignore + options.ignore,
        fail_on=options.fail_on or settings.fail_on,
    )


ProgressHook = Callable[[int, int, int], None]  # (done, total, cache hits)


@dataclass(frozen=True)
class ScanRun:
    """A scan's report, with what an audit draws beside it."""

    report: ScanReport
    #: The repo pass's project; None when no project rule ran and none was asked for.
    project: Project | None
    #: Path -> bytes of every file read.
    sources: dict[str, bytes]
    #: The project root's directory name.
    root_name: str = ""


def run_scan(options: ScanOptions, progress: ProgressHook | None = None) -> ScanReport:
    return execute_scan(options, progress).report


def execute_scan(
    options: ScanOptions,
    progress: ProgressHook | None = None,
    *,
    want_project: bool = False,
) -> ScanRun:
    project = locate_project(options)
    root = project.root
    settings = effective_settings(project.settings, options)
    rules = select_rules(settings.select, settings.extend_select, settings.ignore)
    file_rules = [r for r in rules if issubclass(r, FileRule)]
    project_rules = [r for r in rules if issubclass(r, ProjectRule)]
    pattern_rules = [r for r in rules if issubclass(r, PatternRule)]
    if not options.semgrep:
        rules = [r for r in rules if not issubclass(r, PatternRule)]
        pattern_rules = []

    loaded = load_files(root, settings, options)
    files, jobs, sources, unreadable = loaded.files, loaded.jobs, loaded.sources, loaded.unreadable
    report_only = _report_filter(root, options)

    signature = code_signature()
    workers = options.jobs or os.cpu_count() or 1
    patterns = PatternPass(
        root,
        pattern_rules,
        root / settings.cache_dir if options.use_cache else None,
        signature,
        settings.max_file_size,
    )
    # Pattern rules look at one file at a time, so a pre-commit run needs them only on
    # the files it reports on.
    patterns.start([j for j in jobs if report_only is None or j.path in report_only], workers)
    outcomes = _analyze(root, settings, options, signature, file_rules, jobs, progress)
    outcomes += unreadable
    pattern_results = patterns.finish(sources)

    findings: list[Finding] = []
    diagnostics: list[Diagnostic] = []
    facts = []
    counts: Counter[str] = Counter()
    suppressions = {}
    for outcome in outcomes:
        counts[type(outcome).__name__] += 1
        if isinstance(outcome, Analysed):
            facts.append(outcome.facts)
            findings.extend(outcome.findings)
            diagnostics.extend(outcome.diagnostics)
            suppressions[outcome.path] = outcome.facts.suppressions
        else:
            diagnostics.append(outcome.diagnostic)

    graph_project = (
        build_project(facts, settings, nested_projects(root, files))
        if project_rules or want_project
        else None
    )
    if graph_project is not None:
        problem = misconfigured_roots(graph_project)
        if problem is not None and any("architecture" in r.meta.tags for r in project_rules):
            # Graph rules would pass vacuously on a graph without edges.
            raise ConfigError(
                [
                    ConfigProblem(
                        project.config_source.name if project.config_source else "(no config file)",
                        "src",
                        problem,
                    )
                ]
            )
        for rule_class in project_rules:
            findings.extend(rule_class().check(graph_project))
    findings = merge_engines(findings, pattern_results.findings, pattern_rules)
    diagnostics.extend(pattern_results.diagnostics)

    known_ids = {r.meta.id for r in all_rules()}
    for path, items in suppressions.items():
        diagnostics.extend(unknown_suppressions(path, items, known_ids))
    kept = []
    suppressed = 0
    for finding in findings:
        if is_ignored_for_file(finding, settings.per_file_ignores):
            continue
        if is_suppressed(finding, suppressions.get(finding.location.path, ())):
            suppressed += 1
            continue
        kept.append(finding)
    kept = _number_duplicates(kept)

    if report_only is not None:
        kept = [f for f in kept if f.location.path in report_only]
        diagnostics = [d for d in diagnostics if d.path in report_only]

    baseline = None if options.no_baseline else _baseline(root, settings, options)
    baselined = 0
    fixed: tuple[BaselineEntry, ...] = ()
    if baseline is not None:
        kept, baselined, fixed = baseline.apply(kept, scope=report_only or set(files))

    kept = _with_line_hashes(kept, sources)
    report = ScanReport(
        findings=tuple(sorted(kept, key=lambda f: f.sort_key)),
        diagnostics=tuple(sorted(set(diagnostics))),
        rules=tuple(r.meta for r in rules),
        files_total=len(files),
        files_analysed=counts["Analysed"],
        files_failed=counts["Failed"],
        files_skipped=counts["Skipped"],
        baselined=baselined,
        fixed_baseline=fixed,
        suppressed=suppressed,
        metrics=repo_metrics(graph_project)
        if graph_project is not None and report_only is None
        else (),
        fail_on=settings.fail_on,
    )
    return ScanRun(report, graph_project, sources, root.name)


def nested_projects(root: Path, files: list[str]) -> tuple[str, ...]:
    """Directories, up to two levels below the root, that hold Python code and a
    pyproject.toml of their own: the roots of services in a monorepo."""
    candidates: set[str] = set()
    for path in files:
        parts = path.split("/")[:-1]
        candidates.update("/".join(parts[:depth]) for depth in (1, 2) if len(parts) >= depth)
    return tuple(sorted(d for d in candidates if (root / d / "pyproject.toml").is_file()))


@dataclass(frozen=True)
class LoadedFiles:
    files: list[str]
    jobs: list[FileJob]
    sources: dict[str, bytes]
    unreadable: list[FileOutcome]


def load_files(root: Path, settings: Settings, options: ScanOptions) -> LoadedFiles:
    """Discover the project's Python files and read them; unreadable ones become
    outcomes. Raises UsageError when there is no Python file at all."""
    targets = [root] if options.changed_only else [p.resolve() for p in options.paths]
    files = discover(root, targets, settings)
    if not files:
        raise UsageError(f"no Python files found under {', '.join(map(str, options.paths))}")
    roots = default_source_roots(files, settings.src, nested_projects(root, files))
    sources: dict[str, bytes] = {}
    jobs = []
    unreadable: list[FileOutcome] = []
    base = str(root)
    for path in files:
        try:
            with open(f"{base}/{path}", "rb") as handle:
                data = handle.read()
        except OSError as exc:
            unreadable.append(
                Failed(
                    path,
                    Diagnostic(
                        path,
                        DiagnosticKind.UNREADABLE,
                        f"not analysed: cannot read: {exc.strerror}",
                        level="error",
                    ),
                )
            )
            continue
        sources[path] = data
        module, is_package = module_name(path, roots)
        jobs.append(FileJob(path, data, module, is_package))
    return LoadedFiles(files, jobs, sources, unreadable)


def analyze_project(
    options: ScanOptions,
    file_rules: list[type[FileRule]],
    progress: ProgressHook | None = None,
) -> tuple[ProjectLocation, Settings, LoadedFiles, list[FileOutcome]]:
    """Every file's outcome, with the file rules given (none when only facts are wanted)."""
    project = locate_project(options)
    settings = effective_settings(project.settings, options)
    loaded = load_files(project.root, settings, options)
    outcomes = _analyze(
        project.root, settings, options, code_signature(), file_rules, loaded.jobs, progress
    )
    return project, settings, loaded, outcomes + loaded.unreadable


def _report_filter(root: Path, options: ScanOptions) -> set[str] | None:
    if options.changed_only:
        return {
            p.resolve().relative_to(root).as_posix() for p in options.paths if p.resolve().is_file()
        }
    if options.since:
        try:
            return git.changed_since(root, options.since)
        except git.GitError as exc:
            raise UsageError(f"--since {options.since}: {exc}") from None
    return None


def _analyze(
    root: Path,
    settings: Settings,
    options: ScanOptions,
    signature: str,
    file_rules: list[type[FileRule]],
    jobs: list[FileJob],
    progress: ProgressHook | None,
) -> list[FileOutcome]:
    salt = "|".join(
        [
            __version__,
            signature,
            str(settings.max_file_size),
            ",".join(r.meta.id for r in file_rules),
        ]
    )
    cache = FileCache(root / settings.cache_dir, salt) if options.use_cache else None
    results: dict[int, FileOutcome] = {}
    misses: list[tuple[int, FileJob, str | None]] = []  # (index, job, cache key)
    for index, job in enumerate(jobs):
        key = cache.key(job) if cache else None
        hit = cache.get(key) if cache and key else None
        if hit is not None:
            results[index] = hit
        else:
            misses.append((index, job, key))
    hits = len(results)
    done = [hits]

    def tick(n: int) -> None:
        done[0] += n
        if progress:
            progress(done[0], len(jobs), hits)

    workers = options.jobs or os.cpu_count() or 1
    outcomes = analyze_files(
        [job for _, job, _ in misses], file_rules, settings.max_file_size, workers, cache, tick
    )
    for (index, _, _), outcome in zip(misses, outcomes, strict=True):
        results[index] = outcome
    return [results[i] for i in range(len(jobs))]


def _number_duplicates(findings: list[Finding]) -> list[Finding]:
    """Two findings of one rule in one file with the same symbol get distinct
    fingerprints by order of appearance, which survives edits elsewhere in the file."""
    seen: Counter[str] = Counter()
    out = []
    for finding in sorted(findings, key=lambda f: f.sort_key):
        seen[finding.fingerprint] += 1
        n = seen[finding.fingerprint]
        out.append(
            finding if n == 1 else replace(finding, fingerprint=f"{finding.fingerprint}-{n}")
        )
    return out


def _baseline(root: Path, settings: Settings, options: ScanOptions) -> BaselineFile | None:
    path = options.baseline or (root / settings.baseline if settings.baseline else None)
    if path is None:
        return None
    return read_baseline(path)


def _with_line_hashes(findings: list[Finding], sources: dict[str, bytes]) -> list[Finding]:
    """GitHub line hashes for findings that do not have one yet (file rules compute
    theirs in the per-file pass, where they are cached)."""
    cache: dict[str, dict[int, str]] = {}
    last: dict[str, int] = {}
    for finding in findings:
        path = finding.location.path
        last[path] = max(last.get(path, 0), finding.location.line)
    out = []
    for finding in findings:
        if finding.line_hash:
            out.append(finding)
            continue
        path = finding.location.path
        if path not in cache:
            cache[path] = line_hashes(sources.get(path, b"").decode("utf-8", "replace"), last[path])
        out.append(replace(finding, line_hash=cache[path].get(finding.location.line, "")))
    return out
