"""The scan use case: paths and options in, a ScanReport out."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from archguard import __version__
from archguard.app.baseline import BaselineFile, read_baseline
from archguard.app.display import (
    baseline_root,
    display_root,
    prefix_for,
    rebase_report,
    rebase_sources,
)
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
from archguard.core.orm import TemplateFacts
from archguard.core.outcomes import (
    Analysed,
    Diagnostic,
    DiagnosticKind,
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
from archguard.scan.discover import Discovery, discover
from archguard.scan.file_rule import FileRule
from archguard.scan.line_hash import line_hashes
from archguard.scan.modules import default_source_roots, module_name
from archguard.scan.pattern_rule import PatternRule
from archguard.scan.pool import analyze_files
from archguard.scan.reading import read_source
from archguard.scan.rule_packs import RulePackError, load_packs
from archguard.taint.models import builtin_models


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
    #: The cache directory given on the command line (may be outside the project).
    cache_dir: Path | None = None
    baseline: Path | None = None
    #: Analyse the whole project, report only on the files named in ``paths``.
    changed_only: bool = False
    #: Report only on files changed since this git ref.
    since: str | None = None
    #: Ignore the configured baseline (used when writing a new one).
    no_baseline: bool = False
    #: Run Semgrep (the project's rule packs, and archguard's rules still written as
    #: Semgrep YAML); off, they are left out of the scan.
    semgrep: bool = True
    #: Semgrep rule files or folders given on the command line, beside the configured ones.
    semgrep_rules: tuple[Path, ...] = ()

    @property
    def targets(self) -> tuple[Path, ...]:
        return self.paths or (Path("."),)


@dataclass(frozen=True)
class ProjectLocation:
    """Where the project is and how it is configured."""

    root: Path
    settings: Settings
    config_source: Path | None
    #: The paths of the command line that belong to this project.
    targets: tuple[Path, ...] = ()


def locate_projects(options: ScanOptions) -> list[ProjectLocation]:
    """The projects the command line's paths belong to, in the order first named: each
    path takes the nearest configuration above it (or ``--config``), so ``archguard scan
    bad good`` scans two projects, each with its own settings and roots."""
    missing = [str(p) for p in options.targets if not os.path.lexists(p)]
    if missing:
        raise UsageError(f"path does not exist: {', '.join(missing)}")
    if options.config_file is not None and not options.config_file.is_file():
        raise UsageError(f"config file does not exist: {options.config_file}")
    found: dict[Path, tuple[Path | None, list[Path]]] = {}
    for target in options.targets:
        where = _real(target)
        config = options.config_file or find_config(where)
        if config is not None:
            root = Path(os.path.realpath(config)).parent
        else:
            # No configuration: a project already started covers the paths below it;
            # else the git work tree, else the path itself.
            root = next((r for r in found if _below(where, r)), None) or (
                git.toplevel(where) or (where if where.is_dir() else where.parent)
            )
        if not _below(where, root):
            raise UsageError(f"{target} is outside the project root {root}")
        found.setdefault(root, (config, []))[1].append(target)
    locations = []
    problems: list[ConfigProblem] = []
    for root, (config, targets) in found.items():
        settings, trouble = load_config(config)
        problems.extend(trouble)
        if not settings.layer_contracts:
            settings = replace(settings, layer_contracts=contracts_from_other_tools(read_in(root)))
        locations.append(ProjectLocation(root, settings, config, tuple(targets)))
    if problems:
        raise ConfigError(problems)
    return locations


def locate_project(options: ScanOptions) -> ProjectLocation:
    """The one project of a command that works on a single project (routes, graph)."""
    projects = locate_projects(options)
    if len(projects) > 1:
        raise UsageError(
            "these paths belong to different projects ("
            + ", ".join(str(p.root) for p in projects)
            + "): name the paths of one project"
        )
    return projects[0]


def _below(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


def _real(path: Path) -> Path:
    """``path`` with its directories resolved but not its own name: a symlinked file
    named on the command line belongs where it is, not where it leads."""
    absolute = Path(os.path.abspath(path))
    if absolute.is_dir():
        return Path(os.path.realpath(absolute))
    return Path(os.path.realpath(absolute.parent)) / absolute.name


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
    """A scan's report, with what an audit draws beside it. Paths are shown paths
    (see ``display``)."""

    report: ScanReport
    #: The repo pass's project (project-relative paths); None when no project rule ran
    #: and none was asked for.
    project: Project | None
    #: Path -> bytes of every file read.
    sources: dict[str, bytes]
    #: The project root's directory name.
    root_name: str = ""
    #: The project root as seen from the display root ("" or "backend/").
    prefix: str = ""


def run_scan(options: ScanOptions, progress: ProgressHook | None = None) -> ScanReport:
    return execute_scan(options, progress).report


def execute_scan(
    options: ScanOptions,
    progress: ProgressHook | None = None,
    *,
    want_project: bool = False,
    for_baseline: bool = False,
) -> ScanRun:
    """Scan every project the paths belong to; paths in the result are rebased onto the
    display root (``for_baseline``: onto the baseline's root)."""
    projects = locate_projects(options)
    if want_project and len(projects) > 1:
        raise UsageError(
            "an audit draws one project: name the paths of one project ("
            + ", ".join(str(p.root) for p in projects)
            + ")"
        )
    shown_from = (baseline_root if for_baseline else display_root)(projects[0].root)
    runs = []
    for location in projects:
        run = _scan_project(location, options, progress, want_project)
        prefix = prefix_for(location.root, shown_from)
        runs.append(
            replace(
                run,
                report=rebase_report(run.report, prefix),
                sources=rebase_sources(run.sources, prefix),
                prefix=prefix,
            )
        )
    if len(runs) == 1:
        return runs[0]
    return ScanRun(
        merge_reports([r.report for r in runs]),
        None,
        {path: data for r in runs for path, data in r.sources.items()},
    )


def merge_reports(reports: list[ScanReport]) -> ScanReport:
    """One report of several projects' scans; each project fails by its own fail-on."""
    rules = {meta.id: meta for report in reports for meta in report.rules}
    return ScanReport(
        findings=tuple(sorted((f for r in reports for f in r.findings), key=lambda f: f.sort_key)),
        diagnostics=tuple(sorted({d for r in reports for d in r.diagnostics})),
        rules=tuple(rules[i] for i in sorted(rules)),
        files_total=sum(r.files_total for r in reports),
        files_analysed=sum(r.files_analysed for r in reports),
        files_failed=sum(r.files_failed for r in reports),
        files_skipped=sum(r.files_skipped for r in reports),
        files_incomplete=sum(r.files_incomplete for r in reports),
        baselined=sum(r.baselined for r in reports),
        fixed_baseline=tuple(e for r in reports for e in r.fixed_baseline),
        suppressed=sum(r.suppressed for r in reports),
        non_production=sum(r.non_production for r in reports),
        fail_on=min((r.fail_on for r in reports), key=lambda s: s.rank),
        failing=any(r.fails() for r in reports),
    )


def _scan_project(
    location: ProjectLocation,
    options: ScanOptions,
    progress: ProgressHook | None,
    want_project: bool,
) -> ScanRun:
    root = location.root
    settings = effective_settings(location.settings, options)
    rules = choose_rules(settings, options, root)
    cache_dir, cache_diagnostics = cache_directory(location, options)
    loaded = load_files(location, settings, options)
    scope = _report_filter(root, options, location.targets)
    signature = code_signature()

    # Semgrep runs beside the per-file pass. Pattern rules look at one file at a time,
    # so a pre-commit run needs them only on the files it reports on.
    patterns = PatternPass(root, rules.pattern, cache_dir, signature, settings.max_file_size)
    try:
        patterns.start(
            [j for j in loaded.jobs if scope is None or j.path in scope],
            options.jobs or os.cpu_count() or 1,
        )
        outcomes = _analyze(
            cache_dir, settings, options, signature, rules.file, loaded.jobs, progress
        )
        per_file = PerFile.collect(outcomes + loaded.not_read)
        pattern_results = patterns.finish(loaded.sources)
    finally:
        patterns.close()

    template_cache = (
        FileCache(cache_dir, f"{__version__}|{signature}|templates") if cache_dir else None
    )
    templates = load_templates(location.root, settings, template_cache)
    projects, project_diagnostics = _projects(
        location, settings, rules, per_file, loaded, templates
    )
    roots_wrong = any(d.level == "warning" for d in project_diagnostics)
    project_rules = [rule for rule in rules.project if not roots_wrong or not _needs_edges(rule)]
    project_findings = [
        finding
        for project in projects
        for rule in project_rules
        for finding in rule().check(project)
    ]
    project: Project | None = projects[0] if len(projects) == 1 else None
    if want_project and project is None:
        # The audit's picture shows the whole tree.
        nested = nested_projects(location.root, loaded.files)
        project = build_project(per_file.facts, settings, nested, templates)
    findings = merge_engines(
        per_file.findings + project_findings, pattern_results.findings, rules.pattern
    )
    diagnostics = [
        *per_file.diagnostics,
        *pattern_results.diagnostics,
        *per_file.unknown_suppressions(rules.packs),
        *loaded.directory_diagnostics,
        *cache_diagnostics,
        *project_diagnostics,
    ]
    kept, suppressed = _apply_suppressions(findings, per_file, settings)
    kept, non_production = apply_path_policy(
        kept, {r.meta.id: r.meta for r in rules.enabled}, settings.report_non_production
    )
    if scope is not None:
        kept = [f for f in kept if f.location.path in scope]
        diagnostics = [d for d in diagnostics if not d.path or d.path in scope]
    kept, baselined, fixed = _apply_baseline(kept, location, settings, options, scope, loaded.files)

    report = ScanReport(
        findings=tuple(sorted(_with_line_hashes(kept, loaded.sources), key=lambda f: f.sort_key)),
        diagnostics=tuple(sorted(set(diagnostics))),
        rules=tuple(r.meta for r in rules.enabled),
        files_total=len(loaded.files) + len(loaded.refused),
        files_analysed=per_file.counts["Analysed"],
        files_failed=per_file.counts["Failed"],
        files_skipped=per_file.counts["Skipped"],
        files_incomplete=per_file.incomplete,
        baselined=baselined,
        fixed_baseline=fixed,
        suppressed=suppressed,
        non_production=non_production,
        metrics=repo_metrics(projects[0]) if len(projects) == 1 and scope is None else (),
        fail_on=settings.fail_on,
    )
    return ScanRun(report, project, loaded.sources, root.name)


def _needs_edges(rule: type[ProjectRule]) -> bool:
    """Graph rules that judge imports: on a graph without first-party edges they would
    pass vacuously."""
    tags = rule.meta.tags
    return "architecture" in tags and bool(tags & {"coupling", "layering"})


def cache_directory(
    location: ProjectLocation, options: ScanOptions
) -> tuple[Path | None, list[Diagnostic]]:
    """The cache directory to use, or None, with what the user must know about it.
    A configured ``cache-dir`` must stay inside the project (a shared configuration
    could otherwise make every scan write wherever it names); ``--cache-dir`` may point
    anywhere. A cache that git tracks is ignored: a committed cache could hide
    findings, since its entries are trusted by content hash."""
    if not options.use_cache:
        return None, []
    root = location.root
    if options.cache_dir is not None:
        directory = Path(os.path.abspath(options.cache_dir))
    else:
        directory = Path(os.path.abspath(root / location.settings.cache_dir))
        if not _below(Path(os.path.realpath(directory)), root):
            source = location.config_source.name if location.config_source else "settings"
            raise ConfigError(
                [
                    ConfigProblem(
                        source,
                        "cache-dir",
                        f"{location.settings.cache_dir!r} resolves outside the project "
                        f"({directory}); give it with --cache-dir to use it anyway",
                    )
                ]
            )
    tracked = git.tracked_under(root, directory)
    if tracked:
        return None, [
            Diagnostic(
                "",
                DiagnosticKind.CACHE,
                f"the cache directory {directory.name}/ holds files that git tracks "
                f"({tracked[0]}{', ...' if len(tracked) > 1 else ''}): it is ignored, "
                "because committed cache entries could hide findings. Remove it from git "
                f"(git rm -r --cached {directory.name}) and ignore it",
                level="warning",
            )
        ]
    return directory, []


@dataclass(frozen=True)
class ChosenRules:
    """The rules a scan runs, by engine."""

    enabled: tuple[AnyRule, ...]
    file: list[type[FileRule]]
    project: list[type[ProjectRule]]
    pattern: list[type[PatternRule]]
    #: Every rule of the project's Semgrep packs, enabled or not (their ids are known).
    packs: tuple[type[PatternRule], ...] = ()


def choose_rules(settings: Settings, options: ScanOptions, root: Path | None = None) -> ChosenRules:
    packs = tuple(rule_packs(settings, options, root)) if options.semgrep else ()
    rules = select_rules(settings.select, settings.extend_select, settings.ignore, packs)
    if not options.semgrep:
        rules = [r for r in rules if not issubclass(r, PatternRule)]
    return ChosenRules(
        enabled=tuple(rules),
        file=[r for r in rules if issubclass(r, FileRule)],
        project=[r for r in rules if issubclass(r, ProjectRule)],
        pattern=[r for r in rules if issubclass(r, PatternRule)],
        packs=packs,
    )


def rule_packs(
    settings: Settings, options: ScanOptions, root: Path | None
) -> list[type[PatternRule]]:
    """The rules of the Semgrep packs the project configures (paths relative to its
    root) and the command line names (relative to the current directory)."""
    base = root or Path(".")
    paths = [base / p for p in settings.semgrep_rules] + list(options.semgrep_rules)
    if not paths:
        return []
    try:
        return load_packs([p.resolve() for p in paths])
    except RulePackError as exc:
        raise UsageError(str(exc)) from None


@dataclass
class PerFile:
    """What the per-file pass gave, gathered: findings, diagnostics, facts, inline
    suppressions, and how many files ended each way."""

    findings: list[Finding] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    facts: list[ModuleFacts] = field(default_factory=list)
    suppressions: dict[str, tuple[Suppression, ...]] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    #: Files analysed with some of their facts missing (an extractor gave up).
    incomplete: int = 0

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
                gathered.incomplete += any(
                    d.kind in (DiagnosticKind.TOO_COMPLEX, DiagnosticKind.INTERNAL_ERROR)
                    for d in outcome.diagnostics
                )
            else:
                gathered.diagnostics.append(outcome.diagnostic)
        return gathered

    def unknown_suppressions(self, packs: tuple[type[PatternRule], ...] = ()) -> list[Diagnostic]:
        known_ids = {r.meta.id for r in (*all_rules(), *packs)}
        return [
            diagnostic
            for path, items in self.suppressions.items()
            for diagnostic in unknown_suppressions(path, items, known_ids)
        ]


def _projects(
    location: ProjectLocation,
    settings: Settings,
    rules: ChosenRules,
    per_file: PerFile,
    loaded: LoadedFiles,
    templates: dict[str, TemplateFacts],
) -> tuple[list[Project], list[Diagnostic]]:
    """The project pass's pictures of the code (one per app when apps share module
    names, see ``app_groups``), when a project rule runs, with a warning when the
    source roots look wrong."""
    if not rules.project:
        return [], []
    nested = nested_projects(location.root, loaded.files)
    groups = app_groups(per_file.facts, loaded.roots)
    projects = [build_project(group, settings, nested, templates) for group in groups]
    diagnostics = []
    if len(groups) > 1:
        apps = ", ".join(sorted({_root_of(g[0].path, loaded.roots) + "/" for g in groups}))
        diagnostics.append(
            Diagnostic(
                "",
                DiagnosticKind.SOURCE_ROOTS,
                f"apps in {apps} use the same module names: each was analysed as a project "
                "of its own (routes, imports and settings are not mixed between them)",
                level="note",
            )
        )
    problem = next((p for p in map(misconfigured_roots, projects) if p), None)
    if problem is not None and any(_needs_edges(r) for r in rules.project):
        source = location.config_source.name if location.config_source else "pyproject.toml"
        diagnostics.append(
            Diagnostic(
                "",
                DiagnosticKind.SOURCE_ROOTS,
                f"{problem} The import-graph rules (cycles, layering, hubs, service "
                f"boundaries) did not run. Set src in {source} to fix it.",
                level="warning",
            )
        )
    return projects, diagnostics


def app_groups(facts: list[ModuleFacts], roots: tuple[str, ...]) -> list[list[ModuleFacts]]:
    """The project's modules as one group; or, when files under different source roots
    have the same module name (two Django projects in one repository, each with its
    ``config.settings``), one group per source root, so that neither hides the other."""
    root_of = {f.path: _root_of(f.path, roots) for f in facts}
    seen: dict[str, str] = {}
    clash = False
    for f in facts:
        if f.module:
            first = seen.setdefault(f.module, root_of[f.path])
            clash = clash or first != root_of[f.path]
    if not clash:
        return [facts]
    groups: dict[str, list[ModuleFacts]] = {}
    for f in facts:
        groups.setdefault(root_of[f.path], []).append(f)
    return [groups[root] for root in sorted(groups)]


def _root_of(path: str, roots: tuple[str, ...]) -> str:
    """The deepest source root that holds ``path`` (``roots`` are deepest first)."""
    return next((r for r in roots if r != "." and path.startswith(r + "/")), ".")


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
    location: ProjectLocation,
    settings: Settings,
    options: ScanOptions,
    scope: set[str] | None,
    files: list[str],
) -> tuple[list[Finding], int, tuple[BaselineEntry, ...]]:
    baseline = None if options.no_baseline else _baseline(location.root, settings, options)
    if baseline is None:
        return findings, 0, ()
    # Entries name paths from the baseline's root; old baselines, from the project root.
    prefix = prefix_for(location.root, baseline_root(location.root))
    covered = scope or set(files)
    return baseline.apply(findings, scope=covered | {prefix + p for p in covered})


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
    #: Every file read (or tried), root-relative.
    files: list[str]
    jobs: list[FileJob]
    sources: dict[str, bytes]
    #: Files that were not read: unreadable, too large, not regular.
    not_read: list[FileOutcome]
    #: Files found but refused before reading (FIFOs, symlinks out of the project).
    refused: list[FileOutcome] = field(default_factory=list)
    #: Directories that could not be listed.
    directory_diagnostics: list[Diagnostic] = field(default_factory=list)
    #: The source roots module names were computed from, deepest first.
    roots: tuple[str, ...] = (".",)


class NothingToScanError(UsageError):
    """The paths hold no Python file to analyse; the message says why."""


def load_files(location: ProjectLocation, settings: Settings, options: ScanOptions) -> LoadedFiles:
    """Discover the project's Python files and read them; files that cannot be read
    become outcomes. Raises NothingToScanError when there is nothing at all."""
    root = location.root
    named = location.targets or options.targets
    targets = [root] if options.changed_only else list(named)
    found = discover(root, targets, settings)
    if not found.files and not found.refused and not found.unreadable:
        raise NothingToScanError(_nothing_to_scan(named, found, location))
    sources: dict[str, bytes] = {}
    texts: list[tuple[str, bytes]] = []
    not_read: list[FileOutcome] = list(found.refused)
    base = str(root)
    for path in found.files:
        data = read_source(base, path, settings.max_file_size)
        if isinstance(data, bytes):
            sources[path] = data
            texts.append((path, data))
        else:
            not_read.append(data)
    projects = nested_projects(root, found.files)
    roots = default_source_roots(found.files, settings.src, projects, sources)
    jobs = []
    for path, data in texts:
        module, is_package = module_name(path, roots)
        jobs.append(FileJob(path, data, module, is_package))
    files = sorted(found.files)
    return LoadedFiles(
        files, jobs, sources, not_read, list(found.refused), list(found.unreadable), roots
    )


def _nothing_to_scan(named: tuple[Path, ...], found: Discovery, location: ProjectLocation) -> str:
    where = ", ".join(map(str, named))
    if not found.excluded:
        return f"no Python files found under {where}"
    config = location.config_source.name if location.config_source else "the settings"
    reasons: dict[tuple[str, str], int] = {}
    for _, pattern, origin in found.excluded:
        reasons[(pattern, origin)] = reasons.get((pattern, origin), 0) + 1
    parts = []
    for (pattern, origin), count in sorted(reasons.items(), key=lambda x: -x[1]):
        files = f"{count} file{'s' if count != 1 else ''}"
        if origin == "default":
            parts.append(f"{files} in {pattern}/ folders, which are always left out")
        else:
            parts.append(f'{files} by exclude pattern "{pattern}" in {config}')
    return (
        f"no Python files to scan under {where}: every Python file there is excluded "
        f"({'; '.join(parts)})"
    )


def analyze_project(
    options: ScanOptions,
    file_rules: list[type[FileRule]],
    progress: ProgressHook | None = None,
) -> tuple[ProjectLocation, Settings, LoadedFiles, list[FileOutcome]]:
    """Every file's outcome, with the file rules given (none when only facts are wanted)."""
    project = locate_project(options)
    settings = effective_settings(project.settings, options)
    cache_dir, _ = cache_directory(project, options)
    loaded = load_files(project, settings, options)
    outcomes = _analyze(
        cache_dir, settings, options, code_signature(), file_rules, loaded.jobs, progress
    )
    return project, settings, loaded, outcomes + loaded.not_read


def _report_filter(root: Path, options: ScanOptions, targets: tuple[Path, ...]) -> set[str] | None:
    if options.changed_only:
        return {
            _real(t).relative_to(root).as_posix()
            for t in targets or options.targets
            if not os.path.isdir(t)
        }
    if options.since:
        try:
            return git.changed_since(root, options.since)
        except git.GitError as exc:
            raise UsageError(f"--since {options.since}: {exc}") from None
    return None


def _analyze(
    cache_dir: Path | None,
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
            # The taint summaries apply the models of rules/taint/, which live outside
            # the package's code.
            builtin_models().digest,
            str(settings.max_file_size),
            ",".join(r.meta.id for r in file_rules),
        ]
    )
    cache = FileCache(cache_dir, salt) if cache_dir is not None else None
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
