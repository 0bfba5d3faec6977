"""AG404 god-module."""

from __future__ import annotations

from collections.abc import Iterable

from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.project import Project
from archguard.graph.structure import architecture_modules
from archguard.rules.architecture._common import module_location
from archguard.rules.architecture._exempt import is_wiring
from archguard.rules.project_rule import GRAPH, ProjectRule

_MAX_LINES = 1000
_MAX_DEFINITIONS = 40


def _functions(count: int) -> str:
    return "\n".join(f"def step{i}(order):\n    return order\n" for i in range(count))


class GodModule(ProjectRule):
    """
    ## What it does
    Reports a module of 1,000 lines or more, or with 40 or more top-level functions
    and classes. Settings, URL confs, entry points and `__init__` facades are exempt;
    tests and migrations are not in the graph. The message says which limit was
    reached and how the module's definitions split (classes, functions).

    ## Why is this bad?
    A module that size is several modules that were never separated: routes, models,
    validation and email sending in one `main.py` is the typical shape of generated
    code. Everything in it changes together, review diffs collide, and any import of
    one name loads (and couples to) all the others. It is also where fat handlers and
    import cycles live.

    ## Example
    ```python
    # app/main.py: 1,400 lines: app setup, 30 routes, models, schemas, helpers
    ```

    ## Use instead
    ```text
    app/api/orders.py   app/services/orders.py   app/models/order.py   app/schemas.py
    ```
    Split along the layers (routes, services, data access) and then by feature.

    ## References
    - https://en.wikipedia.org/wiki/God_object
    - https://docs.djangoproject.com/en/stable/intro/reusable-apps/
    - https://fastapi.tiangolo.com/tutorial/bigger-applications/
    """

    meta = RuleMeta(
        id="AG404",
        name="god-module",
        category=Category.HUB_MODULE,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="A module of 1,000 lines or more, or with 40 or more top-level functions and classes.",
        tags=frozenset({"architecture", "size"}),
    )

    VALID = (
        Valid(_functions(39), path="app/services/orders.py"),
        Valid(_functions(45), path="app/settings.py", label="settings are exempt"),
        Valid(_functions(45), path="app/tests/test_orders.py", label="tests are not in the graph"),
    )
    INVALID = (
        Invalid(_functions(40), path="app/services/orders.py", line=1, message="40 top-level"),
        Invalid("x = 1\n" * 1000, path="app/main_module.py", line=1, message="1000 lines"),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        for name in sorted(architecture_modules(project)):
            facts = project.modules[name]
            if is_wiring(facts):
                continue
            classes = sum(1 for d in facts.definitions if d.kind == "class")
            functions = sum(1 for d in facts.definitions if d.kind == "function")
            reasons = []
            if facts.line_count >= _MAX_LINES:
                reasons.append(f"{facts.line_count} lines")
            if classes + functions >= _MAX_DEFINITIONS:
                reasons.append(
                    f"{classes + functions} top-level definitions "
                    f"({classes} classes, {functions} functions)"
                )
            if not reasons:
                continue
            yield self.report(
                module_location(project, name),
                f"{name} is a god module: {' and '.join(reasons)} (limits: {_MAX_LINES} lines, "
                f"{_MAX_DEFINITIONS} definitions). Split it along the layers (routes, "
                "services, data access), then by feature.",
                key=name,
                scope=GRAPH,
            )
