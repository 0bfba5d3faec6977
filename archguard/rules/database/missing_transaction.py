"""AG307 missing-transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.orm import DbCall, FunctionFlow, Origin
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.project import Project
from archguard.orm.analysis import OrmAnalysis, orm_analysis
from archguard.orm.resolve import Scope, class_of
from archguard.rules.database._common import REQUESTS, at, placed, written_model
from archguard.rules.project_rule import ProjectRule
from archguard.web.routes import route_inventory

_HOOKS = frozenset({"perform_create", "perform_update", "perform_destroy", "create", "update"})
_MODELS = """
    from django.db import models

    class Account(models.Model):
        balance = models.DecimalField(max_digits=12, decimal_places=2)

    class Transfer(models.Model):
        source = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
        target = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
        amount = models.DecimalField(max_digits=12, decimal_places=2)
"""
_URLS = """
    from django.urls import path
    from bank import views

    urlpatterns = [path("transfers/", views.transfer)]
"""


class MissingTransaction(ProjectRule):
    """
    ## What it does
    Finds request handlers (routes, DRF `perform_create` / `perform_update` and
    serializer `create` / `update`) that write two or more different models with no
    transaction around them: Django writes outside `transaction.atomic` (decorator or
    `with` block) when `ATOMIC_REQUESTS` is not set, and SQLAlchemy handlers that
    `commit()` more than once, leaving the first part committed if the rest fails.
    A handler that writes one model, or stages everything and commits once, is fine.
    In a DRF hook, `serializer.save()` writes the model of the view's serializer.

    ## Why is this bad?
    Without a transaction, a failure between the writes (a validation error, a
    timeout, a deploy) leaves the database half-updated: money debited and never
    credited, an order without its lines, stock decremented for an order that does
    not exist. These states are hard to detect and repair afterwards.

    ## Example
    ```python
    def transfer(request):
        source.balance -= amount
        source.save()
        target.balance += amount
        target.save()
        Transfer.objects.create(source=source, target=target, amount=amount)
    ```

    ## Use instead
    ```python
    @transaction.atomic
    def transfer(request):
        ...
    ```
    In SQLAlchemy, stage all changes and `commit()` once, or wrap them in
    `with session.begin():`.

    ## References
    - https://docs.djangoproject.com/en/stable/topics/db/transactions/
    - https://docs.sqlalchemy.org/en/20/orm/session_transaction.html
    """

    meta = RuleMeta(
        id="AG307",
        name="missing-transaction",
        category=Category.TRANSACTION,
        severity=Severity.WARNING,
        confidence=Confidence.MEDIUM,
        summary="A handler writes several models with no transaction: a failure leaves partial writes.",
        tags=frozenset({"database", "reliability"}),
    )

    VALID = (
        Valid(
            files={
                "bank/models.py": _MODELS,
                "bank/urls.py": _URLS,
                "bank/settings.py": 'ROOT_URLCONF = "bank.urls"\n',
                "bank/views.py": """
                from django.db import transaction
                from django.http import JsonResponse
                from bank.models import Account, Transfer

                @transaction.atomic
                def transfer(request):
                    source = Account.objects.select_for_update().get(pk=request.POST["from"])
                    target = Account.objects.select_for_update().get(pk=request.POST["to"])
                    amount = int(request.POST["amount"])
                    source.balance -= amount
                    source.save()
                    target.balance += amount
                    target.save()
                    Transfer.objects.create(source=source, target=target, amount=amount)
                    return JsonResponse({"ok": True})
            """,
            },
            label="the fixed twin",
        ),
        Valid(
            files={
                "app/extensions.py": """
                from flask_sqlalchemy import SQLAlchemy

                db = SQLAlchemy()
            """,
                "app/models.py": """
                from app.extensions import db

                class Submission(db.Model):
                    id = db.Column(db.Integer, primary_key=True)
                    kind = db.Column(db.String(20))

                class Solve(db.Model):
                    id = db.Column(db.Integer, primary_key=True)
            """,
                "app/api.py": """
                from flask import Blueprint, request
                from app.extensions import db
                from app.models import Solve, Submission

                bp = Blueprint("api", __name__)

                @bp.patch("/submissions/<int:pk>")
                def mark(pk):
                    submission = db.get_or_404(Submission, pk)
                    if request.json["type"] == "correct":
                        db.session.add(Solve(id=submission.id))
                        submission.kind = "discard"
                        db.session.commit()
                    else:
                        submission.kind = "incorrect"
                        db.session.commit()
                    return {"ok": True}
            """,
            },
            label="one commit per branch: a request makes only one of them",
        ),
        Valid(
            files={
                "app/extensions.py": """
                from flask_sqlalchemy import SQLAlchemy

                db = SQLAlchemy()
            """,
                "app/models.py": """
                from app.extensions import db

                class Page(db.Model):
                    id = db.Column(db.Integer, primary_key=True)
            """,
                "app/setup.py": """
                from flask import Blueprint
                from sqlalchemy.exc import IntegrityError
                from app.extensions import db
                from app.models import Page

                bp = Blueprint("setup", __name__)

                @bp.post("/setup")
                def setup():
                    for page in (Page(id=1), Page(id=2)):
                        try:
                            db.session.add(page)
                            db.session.commit()
                        except IntegrityError:
                            db.session.rollback()
                    try:
                        db.session.add(Page(id=3))
                        db.session.commit()
                    except IntegrityError:
                        db.session.rollback()
                    return {"ok": True}
            """,
            },
            label="each commit is a step guarded by its own rollback, on purpose",
        ),
    )
    INVALID = (
        Invalid(
            files={
                "bank/models.py": _MODELS,
                "bank/urls.py": _URLS,
                "bank/settings.py": 'ROOT_URLCONF = "bank.urls"\n',
                "bank/views.py": """
                from django.http import JsonResponse
                from bank.models import Account, Transfer

                def transfer(request):
                    source = Account.objects.get(pk=request.POST["from"])
                    target = Account.objects.get(pk=request.POST["to"])
                    amount = int(request.POST["amount"])
                    source.balance -= amount
                    source.save()
                    target.balance += amount
                    target.save()
                    Transfer.objects.create(source=source, target=target, amount=amount)
                    return JsonResponse({"ok": True})
            """,
            },
            path="bank/views.py",
            line=4,
            message="transaction.atomic",
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        return placed(project, self._check(project), REQUESTS)

    def _check(self, project: Project) -> Iterator[Finding]:
        analysis = orm_analysis(project)
        registry = analysis.registry
        if not registry.models:
            return
        handlers = {name for route in route_inventory(project).routes for name in route.functions}
        atomic_requests = "ATOMIC_REQUESTS" in registry.settings
        for name, (module, flow) in sorted(registry.functions.items()):
            hook = (
                flow.name.rsplit(".", 1)[-1] in _HOOKS
                and "." in flow.name
                and any(
                    "rest_framework" in b
                    for b in registry.external_bases(class_of(module, flow.name))
                )
            )
            if flow.atomic or not (name in handlers or hook):
                continue
            writes = [c for c in flow.calls if c.write and not c.atomic]
            candidates = [c for c in writes if c.op == "commit" and not c.loop_line]
            # Commits that can run in one request: not in different arms of one ``if``,
            # and not a step guarded with its own rollback.
            commits = _one_path([c for c in candidates if not c.guarded])
            if len(commits) >= 2:
                yield self.report(
                    at(project, module, flow.line, 1),
                    f"{flow.name}() commits {len(commits)} times (lines "
                    f"{', '.join(str(c.line) for c in commits)}): if a later step fails, the earlier "
                    "commits stay. Stage all changes and commit once at the end, or use "
                    "`with session.begin():`.",
                    key=f"{flow.name}:commits",
                    related=tuple(at(project, module, c.line, c.column, "commit") for c in commits),
                )
                continue
            if atomic_requests:
                continue
            models = self._models(analysis, module, flow, writes)
            if len(models) < 2:
                continue
            names = sorted(models)
            yield self.report(
                at(project, module, flow.line, 1),
                f"{flow.name}() writes {', '.join(names)} with no transaction: if a later write fails, "
                "the earlier ones stay. Wrap the writes in transaction.atomic (decorator or `with`).",
                key=f"{flow.name}:{'+'.join(names)}",
                severity=Severity.WARNING,
                related=tuple(
                    at(project, module, c.line, c.column, "write")
                    for _, c in sorted(models.items())
                ),
            )

    @staticmethod
    def _models(
        analysis: OrmAnalysis, module: str, flow: FunctionFlow, writes: list[DbCall]
    ) -> dict[str, DbCall]:
        found: dict[str, DbCall] = {}
        scope = Scope(module, class_of(module, flow.name))
        for call in writes:
            model = written_model(analysis, scope, call)
            if (
                model is None
                and call.op == "save"
                and call.query is not None
                and call.query.origin is Origin.PARAMETER
                and scope.cls
            ):
                # ``serializer.save()`` in a DRF hook saves the view's serializer's model.
                registry = analysis.registry
                model = registry.serializer_model(registry.view_serializer(scope.cls))
            if model is not None and model.orm == "django":
                found.setdefault(model.name, call)
        return found


def _one_path(calls: list[DbCall]) -> list[DbCall]:
    """The most of ``calls`` that one run can make: none two in different arms of one
    ``if``."""
    best: list[DbCall] = []
    for start in range(len(calls)):
        chosen: list[DbCall] = []
        for call in calls[start:] + calls[:start]:
            if not any(call.excludes(other) for other in chosen):
                chosen.append(call)
        if len(chosen) > len(best):
            best = sorted(chosen, key=lambda c: c.line)
    return best
