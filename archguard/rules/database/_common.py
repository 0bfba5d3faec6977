"""What the database rules share: locations, findings and the exact fix for a
relation path."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from archguard.core.findings import Finding, Location
from archguard.core.levels import Severity
from archguard.core.orm import DbCall
from archguard.graph.project import Project
from archguard.orm.analysis import OrmAnalysis
from archguard.orm.consumption import Problem
from archguard.orm.models import Model, Registry, Relation
from archguard.orm.resolve import Resolved, Scope
from archguard.scan.context import PathKind, path_kind

#: Where the per-row rules (N+1, query and write in a loop, fk object for its id) report:
#: code that serves requests or runs jobs, and migrations, whose data migrations walk
#: whole tables on every install. Tests and scripts are left out: a test's N+1 costs
#: a test run, and on real repositories such findings were nearly all noise (437 of
#: 438 of one rule in one large Django repository were in tests).
PER_ROW = frozenset({PathKind.CODE, PathKind.MIGRATION})
#: Where the request-scoped rules (transactions, pagination, connections) report.
REQUESTS = frozenset({PathKind.CODE})


def placed(
    project: Project, findings: Iterable[Finding], kinds: frozenset[PathKind]
) -> Iterator[Finding]:
    """The findings whose file is of ``kinds``. A finding in a migration is a note: the
    migration may already have run everywhere. With ``report-non-production`` the
    others are kept as notes, as the security rules' are."""
    seen: dict[str, PathKind] = {}
    for finding in findings:
        path = finding.location.path
        kind = seen.get(path)
        if kind is None:
            kind = seen[path] = path_kind(path)
        if kind in kinds and kind is not PathKind.MIGRATION:
            yield finding
        elif kind in kinds or project.settings.report_non_production:
            yield replace(finding, severity=Severity.NOTE)


def at(project: Project, module: str, line: int, column: int = 1, message: str = "") -> Location:
    return Location(project.modules[module].path, line, column, line, column, message)


def origin_location(project: Project, query: Resolved) -> Location:
    return at(
        project,
        query.origin_module,
        query.origin.line,
        query.origin.column,
        f"query built here: {query.origin.text or query.model.name}",
    )


def problem_related(project: Project, problem: Problem) -> tuple[Location, ...]:
    site = problem.site
    if site.template:
        return template_related(project, problem)
    related = [origin_location(project, problem.query)]
    origin = problem.query
    if (
        site.loop_line
        and site.loop_line != site.line
        and (site.loop_module, site.loop_line) != (origin.origin_module, origin.origin.line)
    ):
        related.append(at(project, site.loop_module, site.loop_line, 1, "rows are consumed here"))
    return tuple(related)


def template_related(project: Project, problem: Problem) -> tuple[Location, ...]:
    """A template's read: where it reads, where it loops, and where the query was
    built when that is not where the finding is."""
    site = problem.site
    related = [
        Location(site.template, site.template_line, 1, site.template_line, 1, "read here"),
    ]
    if site.loop_line != site.template_line:
        related.append(
            Location(site.template, site.loop_line, 1, site.loop_line, 1, "the template's loop")
        )
    origin = problem.query
    if (origin.origin_module, origin.origin.line) != (site.module, site.line):
        related.append(origin_location(project, origin))
    return tuple(related)


def hops(registry: Registry, model: Model, path: str) -> list[Relation]:
    found: list[Relation] = []
    for name in path.split("__") if path else ():
        relation = model.relations.get(name)
        if relation is None:
            break
        found.append(relation)
        target = registry.models.get(relation.target)
        if target is None:
            break
        model = target
    return found


def load_fix(registry: Registry, query: Resolved, path: str) -> str:
    """The loader call that makes ``path`` load with the query."""
    relations = hops(registry, query.model, path)
    if not relations:
        return ""
    if query.model.orm == "sqlalchemy":
        parts = []
        for index, relation in enumerate(relations):
            loader = "selectinload" if relation.many else "joinedload"
            owner = relation.owner.rsplit(".", 1)[-1]
            parts.append(
                f"{loader}({owner}.{relation.name})"
                if index == 0
                else f".{loader}({owner}.{relation.name})"
            )
        return f".options({''.join(parts)})"
    names = [r.name for r in relations]
    first_many = next((i for i, r in enumerate(relations) if r.many or r.generic), None)
    if first_many is None:
        return f'.select_related("{"__".join(names)}")'
    rest = names[first_many + 1 :]
    head = "__".join(names[: first_many + 1])
    if rest and not any(r.many or r.generic for r in relations[first_many + 1 :]):
        target = registry.models.get(relations[first_many].target)
        inner = target.name if target is not None else "Related"
        return (
            f'.prefetch_related(Prefetch("{head}", '
            f'queryset={inner}.objects.select_related("{"__".join(rest)}")))'
        )
    return f'.prefetch_related("{"__".join(names)}")'


def written_model(analysis: OrmAnalysis, scope: Scope, call: DbCall) -> Model | None:
    """The model a write goes to: named in the call, or the model of the query or row
    it is made through."""
    model = analysis.registry.model(call.model)
    if model is None and call.query is not None:
        resolved = analysis.resolver.resolve(call.query, scope)
        model = resolved.model if resolved is not None else None
    return model


def dotted(query: Resolved, path: str) -> str:
    return f"{query.model.name}.{path.replace('__', '.')}"
