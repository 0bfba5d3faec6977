"""The scan use case: paths and options in, a ScanReport out."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from archguard import __version__
from archguard.app.baseline import BaselineFile, read_baseline
from archguard.app.errors import UsageError
from archguard.app.file_pass import file_pass
from archguard.app.path_policy import apply_path_policy
from archguard.app.pattern_pass import PatternPass, merge_engines
from archguard.app.selection import select_rules
from archguard.app.suppressing import (
    is_ignored_for_file,
    is_suppressed,
    unknown_suppressions,
)
from archguard.app.template_files import load_templates
from archguard.config.layer_sources import contracts_from_other_tools, read_in
from archguard.config.loading import (
    ConfigError,
    ConfigProblem,
    find_config,
    load_config,
)
from archguard.config.settings import Settings
from archguard.core.facts import ModuleFacts, Suppression
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
from archguard.rules.registry import AnyRule, all_rules
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
    #: The paths named on the command line; none means the current directory.
    paths: tuple[Path, ...] = ()
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

    @property
    def targets(self) -> tuple[Path, ...]:
        return self.paths or (Path("."),)


@dataclass(frozen=True)
class ProjectLocation:
    """Where the project is and how it is configured."""

    root: Path
    settings: Settings
    config_source: Path | None


def locate_project(options: ScanOptions) -> ProjectLocation:
    missing = [str(p) for p in options.targets if not p.exists()]
    if missing:
        raise UsageError(f"path does not exist: {', '.join(missing)}")
    first = options.targets[0].resolve()
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
    for path in options.targets:
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
    location = locate_project(options)
    root = location.root
    settings = effective_settings(location.settings, options)
    rules = choose_rules(settings, options)
    loaded = load_files(root, settings, options)
    scope = _report_filter(root, options)
    signature = code_signature()

    # Semgrep runs beside the per-file pass. Pattern rules look at one file at a time,
    # so a pre-commit run needs them only on the files it reports on.
    patterns = PatternPass(
        root,
        rules.pattern,
        root / settings.cache_dir if options.use_cache else None,
        signature,
        settings.max_file_size,
    )
    patterns.start(
        [j for j in loaded.jobs if scope is None or j.path in scope],
        options.jobs or os.cpu_count() or 1,
    )
    outcomes = _analyze(root, settings, options, signature, rules.file, loaded.jobs, progress)
    per_file = PerFile.collect(outcomes + loaded.unreadable)
    pattern_results = patterns.finish(loaded.sources)

    templates = (
        FileCache(root / settings.cache_dir, f"{__version__}|{signature}|templates")
        if options.use_cache
        else None
    )
    project = _project(location, settings, rules, per_file, loaded, want_project, templates)
    project_findings = (
        [finding for rule in rules.project for finding in rule().check(project)]
        if project is not None
        else []
    )
    findings = merge_engines(
        per_file.findings + project_findings, pattern_results.findings, rules.pattern
    )
    diagnostics = [
        *per_file.diagnostics,
        *pattern_results.diagnostics,
        *per_file.unknown_suppressions(),
    ]
    kept, suppressed = _apply_suppressions(findings, per_file, settings)
    kept, non_production = apply_path_policy(
        kept, {r.meta.id: r.meta for r in rules.enabled}, settings.report_non_production
    )
    if scope is not None:
        kept = [f for f in kept if f.location.path in scope]
        diagnostics = [d for d in diagnostics if d.path in scope]
    kept, baselined, fixed = _apply_baseline(kept, root, settings, options, scope, loaded.files)

    report = ScanReport(
        findings=tuple(sorted(_with_line_hashes(kept, loaded.sources), key=lambda f: f.sort_key)),
        diagnostics=tuple(sorted(set(diagnostics))),
        rules=tuple(r.meta for r in rules.enabled),
        files_total=len(loaded.files),
        files_analysed=per_file.counts["Analysed"],
        files_failed=per_file.counts["Failed"],
        files_skipped=per_file.counts["Skipped"],
        baselined=baselined,
        fixed_baseline=fixed,
        suppressed=suppressed,
        non_production=non_production,
        metrics=repo_metrics(project) if project is not None and scope is None else (),
        fail_on=settings.fail_on,
    )
    return ScanRun(report, project, loaded.sources, root.name)


@dataclass(frozen=True)
class ChosenRules:
    """The rules a scan runs, by engine."""

    enabled: tuple[AnyRule, ...]
    file: list[type[FileRule]]
    project: list[type[ProjectRule]]
    pattern: list[type[PatternRule]]


def choose_rules(settings: Settings, options: ScanOptions) -> ChosenRules:
    rules = select_rules(settings.select, settings.extend_select, settings.ignore)
    if not options.semgrep:
        rules = [r for r in rules if not issubclass(r, PatternRule)]
    return ChosenRules(
        enabled=tuple(rules),
        file=[r for r in rules if issubclass(r, FileRule)],
        project=[r for r in rules if issubclass(r, ProjectRule)],
        pattern=[r for r in rules if issubclass(r, PatternRule)],
    )


@dataclass
class PerFile:
    """What the per-file pass gave, gathered: findings, diagnostics, facts, inline
    suppressions, and how many files ended each way."""

    findings: list[Finding] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    facts: list[ModuleFacts] = field(default_factory=list)
    suppressions: dict[str, tuple[Suppression, ...]] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)

    @classmethod
    def collect(cls, outcomes: list[FileOutcome]) -> PerFile:
        gathered = cls()
        for outcome in outcomes:
            gathered.counts[type(outcome).__name__] += 1
            if isinstance(outcome, Analysed):
                gathered.facts.append(outcome.facts)
                gathered.findings.extend(outcome.findings)
                gathered.diagnostics.extend(outcome.diagnostics)
                gathered.suppressions[outcome.path] = outcome.facts.suppressions
            else:
                gathered.diagnostics.append(outcome.diagnostic)
        return gathered

    def unknown_suppressions(self) -> list[Diagnostic]:
        known_ids = {r.meta.id for r in all_rules()}
        return [
            diagnostic
            for path, items in self.suppressions.items()
            for diagnostic in unknown_suppressions(path, items, known_ids)
        ]


def _project(
    location: ProjectLocation,
    settings: Settings,
    rules: ChosenRules,
    per_file: PerFile,
    loaded: LoadedFiles,
    wanted: bool,
    cache: FileCache | None = None,
) -> Project | None:
    """The project pass's picture of the code, when a project rule runs or the caller
    asks for it (an audit draws it)."""
    if not rules.project and not wanted:
        return None
    project = build_project(
        per_file.facts,
        settings,
        nested_projects(location.root, loaded.files),
        load_templates(location.root, settings, cache),
    )
    problem = misconfigured_roots(project)
    if problem is not None and any("architecture" in r.meta.tags for r in rules.project):
        # Graph rules would pass vacuously on a graph without edges.
        source = location.config_source.name if location.config_source else "(no config file)"
        raise ConfigError([ConfigProblem(source, "src", problem)])
    return project


def _apply_suppressions(
    findings: list[Finding], per_file: PerFile, settings: Settings
) -> tuple[list[Finding], int]:
    """Findings left after per-file ignores and inline suppressions, with duplicates of
    one identity numbered, and how many were suppressed inline."""
    kept = []
    suppressed = 0
    for finding in findings:
        if is_ignored_for_file(finding, settings.per_file_ignores):
            continue
        if is_suppressed(finding, per_file.suppressions.get(finding.location.path, ())):
            suppressed += 1
            continue
        kept.append(finding)
    return _number_duplicates(kept), suppressed


def _apply_baseline(
    findings: list[Finding],
    root: Path,
    settings: Settings,
    options: ScanOptions,
    scope: set[str] | None,
    files: list[str],
) -> tuple[list[Finding], int, tuple[BaselineEntry, ...]]:
    baseline = None if options.no_baseline else _baseline(root, settings, options)
    if baseline is None:
        return findings, 0, ()
    return baseline.apply(findings, scope=scope or set(files))


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
    targets = [root] if options.changed_only else [p.resolve() for p in options.targets]
    files = discover(root, targets, settings)
    if not files:
        raise UsageError(f"no Python files found under {', '.join(map(str, options.targets))}")
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
            p.resolve().relative_to(root).as_posix()
            for p in options.targets
            if p.resolve().is_file()
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
        [job for _, job, _ in misses],
        file_pass(file_rules, settings.max_file_size),
        workers,
        cache,
        tick,
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
