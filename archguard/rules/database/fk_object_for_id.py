"""AG304 fk-object-for-id."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.project import Project
from archguard.orm.analysis import orm_analysis
from archguard.rules.database._common import PER_ROW, at, dotted, placed, problem_related
from archguard.rules.project_rule import ProjectRule

_MODELS = """
    from django.conf import settings
    from django.db import models

    class Project(models.Model):
        owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        name = models.CharField(max_length=100)

    class Task(models.Model):
        project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
        title = models.CharField(max_length=200)
"""


class FkObjectForId(ProjectRule):
    """
    ## What it does
    Finds a foreign-key object loaded only to read its id, or to compare it:
    `task.project.id`, `task.project.pk`, `task.project == project`, where
    `task.project_id` holds the same value without a query. It works for any
    foreign key of a Django model and for SQLAlchemy relationships whose model maps
    the `<name>_id` column. Relations already loaded with the query are not reported.
    Inside a loop over rows it is a warning (a query per row); on one object, a note.

    ## Why is this bad?
    Reading `task.project` runs `SELECT ... FROM project WHERE id = ...` just to hand
    back the id the task row already carries. In a loop that is an N+1 query that
    no prefetch is needed for.

    ## Example
    ```python
    for task in Task.objects.filter(title__icontains=q):
        if task.project.id == project_id:
            ...
    ```

    ## Use instead
    ```python
    for task in Task.objects.filter(title__icontains=q):
        if task.project_id == project_id:
            ...
    ```

    ## References
    - https://docs.djangoproject.com/en/stable/topics/db/optimization/#use-foreign-key-values-directly
    - https://docs.djangoproject.com/en/stable/ref/models/fields/#database-representation
    """

    meta = RuleMeta(
        id="AG304",
        name="fk-object-for-id",
        category=Category.N_PLUS_ONE,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="A foreign-key object is loaded only for its id or an identity check; <fk>_id has it.",
        tags=frozenset({"performance", "database"}),
    )

    VALID = (
        Valid(
            files={
                "tracker/models.py": _MODELS,
                "tracker/services.py": """
                from tracker.models import Task

                def in_project(project_id, query):
                    return [t.title for t in Task.objects.filter(title__icontains=query)
                            if t.project_id == project_id]
            """,
            },
            label="the fixed twin",
        ),
        Valid(
            files={
                "tracker/models.py": _MODELS,
                "tracker/services.py": """
                from tracker.models import Task

                def labels(query):
                    tasks = Task.objects.filter(title__icontains=query).select_related("project")
                    return [(t.project.id, t.project.name) for t in tasks]
            """,
            },
            label="loaded with the query anyway",
        ),
    )
    INVALID = (
        Invalid(
            files={
                "tracker/models.py": _MODELS,
                "tracker/services.py": """
                from tracker.models import Task

                def in_project(project_id, query):
                    return [t.title for t in Task.objects.filter(title__icontains=query)
                            if t.project.id == project_id]
            """,
            },
            path="tracker/services.py",
            line=5,
            message="project_id",
        ),
        Invalid(
            files={
                "tracker/models.py": _MODELS,
                "tracker/views.py": """
                from django.http import HttpResponseForbidden
                from django.shortcuts import get_object_or_404
                from tracker.models import Project

                def rename(request, pk):
                    project = get_object_or_404(Project, pk=pk)
                    if project.owner != request.user:
                        return HttpResponseForbidden()
            """,
            },
            path="tracker/views.py",
            line=7,
            message="owner_id",
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        return placed(project, self._check(project), PER_ROW)

    def _check(self, project: Project) -> Iterator[Finding]:
        seen: set[tuple[str, str, str]] = set()
        for problem in orm_analysis(project).of_kind("fk_id", "compare"):
            site = problem.site
            key = (site.module, site.function, problem.path)
            if key in seen:
                continue
            seen.add(key)
            attribute = problem.path.rsplit("__", 1)[-1] + "_id"
            prefix = problem.path.rpartition("__")[0]
            prefix_text = prefix.replace("__", ".") + "." if prefix else ""
            target = dotted(problem.query, problem.path)
            if problem.kind == "fk_id":
                what = f"reads {target} only for its id"
                fix = f"{prefix_text}{attribute}"
            else:
                what = f"compares {target} as an object"
                fix = f"{prefix_text}{attribute} == other.pk"
            cost = "one query per row" if site.loop_line else "an extra query"
            yield self.report(
                at(project, site.module, site.line, site.column),
                f"This {what}: loading it costs {cost}. Use `{fix}` instead, which is already on the row.",
                key=f"{site.function}:{problem.path}:{problem.kind}",
                severity=Severity.WARNING if site.loop_line else Severity.NOTE,
                related=problem_related(project, problem),
                fix=fix,
            )
