"""The command line: parse arguments, call a use case, render, choose the exit status."""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from archguard import __version__
from archguard.app.baselining import write_baseline
from archguard.app.catalog import explain, rules_markdown, rules_table
from archguard.app.errors import UsageError
from archguard.app.initializing import init_project
from archguard.app.scanning import NothingToScanError, ProgressHook, ScanOptions, run_scan
from archguard.config.loading import ConfigError
from archguard.core.levels import Severity
from archguard.report.context import FORMATS, NEEDS_AUDIT, RenderContext, reporter

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
_LEVELS = click.Choice([s.value for s in Severity])


class _Progress:
    """Files analysed out of total, on stderr, redrawn in place: only on a terminal,
    never in CI or with --quiet, and only once a scan has run for about two seconds
    (short scans would just flicker)."""

    DELAY = 2.0

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.shown = False
        self.last = 0.0

    @staticmethod
    def wanted(quiet: bool) -> bool:
        return not quiet and sys.stderr.isatty() and not os.environ.get("CI")

    def __call__(self, done: int, total: int, hits: int) -> None:
        now = time.monotonic()
        if now - self.start < self.DELAY or (now - self.last < 0.1 and done < total):
            return
        self.last = now
        self.shown = True
        sys.stderr.write(f"\r\033[Karchguard: {done}/{total} files ({hits} from cache)")
        sys.stderr.flush()

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(part.strip() for v in values for part in v.split(",") if part.strip())


def _fail(message: str) -> NoReturn:
    click.echo(f"archguard: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


_Result = TypeVar("_Result")


def _run(
    use_case: Callable[[ScanOptions, ProgressHook | None], _Result],
    options: ScanOptions,
    quiet: bool,
    exit_zero: bool = False,
) -> _Result:
    """A scanning use case with the progress display; bad input exits 2. With
    ``exit_zero``, a tree with nothing to scan is not an error: the command line and
    the configuration were usable."""
    progress = _Progress() if _Progress.wanted(quiet) else None
    try:
        return use_case(options, progress)
    except NothingToScanError as exc:
        if exit_zero:
            click.echo(f"archguard: warning: {exc}", err=True)
            sys.exit(EXIT_CLEAN)
        _fail(str(exc))
    except (UsageError, ConfigError) as exc:
        _fail(str(exc))
    finally:
        if progress:
            progress.close()


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM (and SIGHUP) end the run like Ctrl-C does: as an exception, so that every
    ``finally`` on the way stops the workers and Semgrep and closes what is open."""
    raise SystemExit(128 + signum)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="archguard")
def main() -> None:
    """archguard finds the production failures of generated Python backends:
    hardcoded secrets, missing authorization, N+1 queries, broken layering."""
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            if hasattr(signal, name) and signal.getsignal(getattr(signal, name)) in (
                signal.SIG_DFL,
                None,
            ):
                signal.signal(getattr(signal, name), _terminate)


def _project_options(f: Callable[..., None]) -> Callable[..., None]:
    """The options every command that reads a project shares. The command receives one
    ``options: ScanOptions`` built from them instead of the separate values."""

    @functools.wraps(f)
    def command(
        paths: tuple[Path, ...],
        config_file: Path | None,
        no_cache: bool,
        cache_dir: Path | None,
        jobs: int | None,
        **rest: Any,
    ) -> None:
        rule_choice = {key: rest.pop(key) for key in _RULE_OPTIONS if key in rest}
        options = ScanOptions(
            paths=paths,
            config_file=config_file,
            jobs=jobs,
            use_cache=not no_cache,
            cache_dir=cache_dir,
        )
        if rule_choice:
            options = replace(
                options,
                select=_split(rule_choice["select"]) or None,
                extend_select=_split(rule_choice["extend_select"]),
                ignore=_split(rule_choice["ignore"]),
                semgrep=not rule_choice["no_semgrep"],
                semgrep_rules=tuple(rule_choice["semgrep_rules"]),
            )
        f(options, **rest)

    decorators = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option(
            "--config",
            "config_file",
            type=click.Path(path_type=Path),
            help="Settings file (default: nearest archguard.toml or pyproject.toml).",
        ),
        click.option(
            "--jobs",
            "-j",
            type=click.IntRange(min=1),
            help="Worker processes (default: all cores).",
        ),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the cache."),
        click.option(
            "--cache-dir",
            type=click.Path(path_type=Path, file_okay=False),
            help="Cache directory (default: cache-dir from the settings); may be anywhere.",
        ),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


_RULE_OPTIONS = ("select", "extend_select", "ignore", "no_semgrep", "semgrep_rules")


def _rule_options(f: Callable[..., None]) -> Callable[..., None]:
    """The options of commands that run rules (scan, audit, baseline)."""
    decorators: list[Callable[[Callable[..., None]], Callable[..., None]]] = [
        _project_options,
        click.option(
            "--select",
            multiple=True,
            help="Rule ids or prefixes to run (replaces the configured list).",
        ),
        click.option("--extend-select", multiple=True, help="Rule ids or prefixes to add."),
        click.option("--ignore", multiple=True, help="Rule ids or prefixes to leave out."),
        click.option(
            "--semgrep-rules",
            multiple=True,
            type=click.Path(path_type=Path),
            help="A Semgrep rule file or folder of your own to run too (repeatable; "
            "adds to semgrep-rules in the settings).",
        ),
        click.option(
            "--no-semgrep",
            is_flag=True,
            help="Do not start Semgrep: skip the Semgrep rule packs.",
        ),
    ]
    for decorator in reversed(decorators):
        f = decorator(f)
    return f


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot write {path}: {exc.strerror or exc}")


@main.command()
@_rule_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default="text",
    show_default=True,
    help="Format written to standard output (or --output).",
)
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write the report to a file.")
@click.option(
    "--text-output", type=click.Path(path_type=Path), help="Also write a text report here."
)
@click.option(
    "--json-output", type=click.Path(path_type=Path), help="Also write a JSON report here."
)
@click.option(
    "--sarif-output", type=click.Path(path_type=Path), help="Also write a SARIF report here."
)
@click.option(
    "--github-output", type=click.Path(path_type=Path), help="Also write GitHub annotations here."
)
@click.option(
    "--html-output", type=click.Path(path_type=Path), help="Also write the HTML audit report here."
)
@click.option(
    "--fail-on",
    type=_LEVELS,
    help="Lowest severity that makes the exit status 1 (default: warning).",
)
@click.option(
    "--exit-zero",
    is_flag=True,
    help="Exit 0 whatever is found; only an unusable command line or config exits 2.",
)
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    help="Report only findings missing from this baseline.",
)
@click.option(
    "--changed-only",
    is_flag=True,
    help="Analyse the whole project; report only on the files given (pre-commit).",
)
@click.option("--since", metavar="REF", help="Report only on files changed since this git ref.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only: no fixes, no summary.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule.")
def scan(
    options: ScanOptions,
    fmt: str,
    output: Path | None,
    text_output: Path | None,
    json_output: Path | None,
    sarif_output: Path | None,
    github_output: Path | None,
    html_output: Path | None,
    fail_on: str | None,
    exit_zero: bool,
    baseline: Path | None,
    changed_only: bool,
    since: str | None,
    quiet: bool,
    statistics: bool,
) -> None:
    """Scan PATHS (default: the current directory) and report problems."""
    if changed_only and not options.paths:
        sys.exit(EXIT_CLEAN)  # pre-commit passed no file: nothing to report on
    options = replace(
        options,
        fail_on=Severity(fail_on) if fail_on else None,
        baseline=baseline,
        changed_only=changed_only,
        since=since,
    )
    extra = {
        "text": text_output,
        "json": json_output,
        "sarif": sarif_output,
        "github": github_output,
        "html": html_output,
    }
    wanted = {fmt} | {kind for kind, path in extra.items() if path is not None}
    context = RenderContext(quiet=quiet, statistics=statistics)
    if wanted & NEEDS_AUDIT:
        # The audit draws the import graph, so only it pays for networkx up front.
        from archguard.app.auditing import run_audit

        audit = _run(run_audit, options, quiet, exit_zero)
        report = audit.report
        context = replace(
            context,
            sources=audit.sources,
            architecture=audit.architecture,
            routes=audit.routes,
            title=audit.title,
        )
    else:
        report = _run(run_scan, options, quiet, exit_zero)
    for kind, path in extra.items():
        if path is not None:
            _write(path, reporter(kind)(report, context))
    if output is not None:
        _write(output, reporter(fmt)(report, context))
    else:
        terminal = replace(context, style=click.style) if fmt == "text" else context
        click.echo(reporter(fmt)(report, terminal), nl=False)
    sys.exit(EXIT_FINDINGS if report.fails() and not exit_zero else EXIT_CLEAN)


@main.command("audit")
@_rule_options
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=Path("archguard-report.html"),
    show_default=True,
    help="Where to write the HTML report.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
def audit_command(options: ScanOptions, output: Path, quiet: bool) -> None:
    """Audit PATHS (default: the current directory) into one self-contained HTML report:
    verdict, architecture picture, routes and their guards, findings with fixes.
    Exits 0 whatever was found: the report is the result."""
    from archguard.app.auditing import run_audit

    audit = _run(run_audit, options, quiet)
    context = RenderContext(
        sources=audit.sources,
        architecture=audit.architecture,
        routes=audit.routes,
        title=audit.title,
    )
    _write(output, reporter("html")(audit.report, context))
    counts = {s.value: 0 for s in Severity}
    for finding in audit.report.findings:
        counts[finding.severity.value] += 1
    click.echo(
        f"archguard: wrote {output}: {len(audit.report.findings)} findings "
        f"({counts['error']} errors, {counts['warning']} warnings, {counts['note']} notes), "
        f"{len(audit.routes)} routes, {len(audit.architecture.boxes)} boxes in the picture"
    )


@main.command()
@click.option("--explain", "explain_id", metavar="ID", help="Print the documentation of one rule.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "markdown"]), default="table", show_default=True
)
def rules(explain_id: str | None, fmt: str) -> None:
    """List every rule, or explain one."""
    try:
        if explain_id:
            click.echo(explain(explain_id), nl=False)
        else:
            click.echo(rules_markdown() if fmt == "markdown" else rules_table(), nl=False)
    except UsageError as exc:
        _fail(str(exc))


@main.command("init")
@click.argument("path", required=False, type=click.Path(path_type=Path), default=Path("."))
@click.option("--force", is_flag=True, help="Replace an existing [tool.archguard] section.")
def init_command(path: Path, force: bool) -> None:
    """Write a starter [tool.archguard] section into PATH/pyproject.toml."""
    try:
        result = init_project(path, force=force)
    except UsageError as exc:
        _fail(str(exc))
        return
    except OSError as exc:
        _fail(f"cannot write {path / 'pyproject.toml'}: {exc}")
        return
    verb = "Created" if result.created else "Added [tool.archguard] to"
    found = ", ".join(result.frameworks) or "no known framework"
    click.echo(f"{verb} {result.path} (found {found}; source roots: {', '.join(result.src)}).")
    if result.layers:
        click.echo(
            "Inferred layers, top to bottom (edit [tool.archguard.layers] to keep or change):"
        )
        for layer in result.layers:
            click.echo(f"  {layer}")


@main.command("baseline")
@_rule_options
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="Baseline file (default: the configured one, else archguard-baseline.json).",
)
def baseline_command(options: ScanOptions, output: Path | None) -> None:
    """Record the current findings so that later scans report only new ones."""
    try:
        target, count = write_baseline(options, output)
    except (UsageError, ConfigError) as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot write baseline: {exc}")
    click.echo(f"Wrote {count} finding{'s' if count != 1 else ''} to {target}.")


@main.command("graph")
@_project_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["dot", "mermaid", "json"]),
    default="dot",
    show_default=True,
)
@click.option(
    "--level",
    type=click.Choice(["module", "package"]),
    default="module",
    show_default=True,
    help="One node per module, or per package.",
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Write to this file, not stdout."
)
def graph_command(options: ScanOptions, fmt: str, level: str, output: Path | None) -> None:
    """Export the import graph, coloured by layer, with layering violations (red) and
    import cycles (orange) highlighted. Tests and migrations are left out."""
    from archguard.app.graphing import graph_of
    from archguard.report.graph_formats import RENDERERS

    try:
        text = RENDERERS[fmt](graph_of(options, level))
    except (UsageError, ConfigError) as exc:
        _fail(str(exc))
    if output is None:
        click.echo(text, nl=False)
    else:
        _write(output, text)


@main.command("routes")
@_project_options
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--unguarded", is_flag=True, help="List only routes with no authentication at any level."
)
def routes_command(options: ScanOptions, fmt: str, unguarded: bool) -> None:
    """List every HTTP route (FastAPI, Flask, Django, DRF, aiohttp) with its guards."""
    from archguard.app.listing_routes import list_routes
    from archguard.report import routes as routes_report

    try:
        listing = list_routes(options)
    except (UsageError, ConfigError) as exc:
        _fail(str(exc))
    shown = [
        r
        for r in listing.routes
        if not unguarded or routes_report.standing(r) == "no authentication"
    ]
    render = routes_report.render_json if fmt == "json" else routes_report.render_text
    click.echo(render(shown, listing.diagnostics), nl=False)
