"""AG408 duplicated-logic."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.layering import layerings
from archguard.graph.project import Project
from archguard.graph.services import find_services
from archguard.graph.structure import architecture_modules
from archguard.rules.architecture._common import module_location
from archguard.rules.project_rule import GRAPH, ProjectRule

_PRICE = """
    {header}
        subtotal = 0
        for item in {items}:
            subtotal += item.price * item.quantity
        discount = 0
        if subtotal > 100:
            discount = subtotal * 0.1
        tax = (subtotal - discount) * 0.2
        return round(subtotal - discount + tax, 2)
"""


class DuplicatedLogic(ProjectRule):
    """
    ## What it does
    Reports a function whose body (at least 6 statements) is the same as a function's
    in a module of another layer or another service, once identifiers are renamed
    consistently and literals abstracted: a copy with renamed variables is still a
    copy, while different logic that merely looks alike is not (attribute and keyword
    names are kept). One finding per group of copies, at the first, with the others
    as related locations. Copies within one layer are left to ordinary linters; tests
    and migrations are not compared.

    ## Why is this bad?
    Business rules copied into the route handler and the service, or into two
    services, drift: the discount is fixed in one copy and the other keeps charging
    the old price. Assistants copy whole functions when asked to "add an endpoint
    that also does X", so the copies look intentional and nobody knows which is
    authoritative.

    ## Example
    ```python
    # app/api/orders.py                      # app/services/pricing.py
    def quote(items):                        def order_total(lines):
        subtotal = 0                             subtotal = 0
        for item in items: ...                   for line in lines: ...
    ```

    ## Use instead
    Keep the rule in one place, the lowest layer that owns it (the service or the
    domain), and call it from the others.

    ## References
    - https://en.wikipedia.org/wiki/Duplicate_code
    - https://docs.pmd-code.org/latest/pmd_userdocs_cpd.html
    - https://www.cosmicpython.com/book/chapter_04_service_layer.html
    """

    meta = RuleMeta(
        id="AG408",
        name="duplicated-logic",
        category=Category.DUPLICATED_LOGIC,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="The same function body in modules of different layers or services.",
        tags=frozenset({"architecture", "maintainability"}),
    )

    VALID = (
        Valid(
            files={
                "app/api/orders.py": "from app.services.pricing import order_total\n",
                "app/services/pricing.py": _PRICE.format(
                    header="def order_total(lines):", items="lines"
                ),
            },
            label="one copy, called from the route",
        ),
        Valid(
            files={
                "app/services/pricing.py": _PRICE.format(
                    header="def order_total(lines):", items="lines"
                ),
                "app/services/quotes.py": _PRICE.format(
                    header="def quote_total(lines):", items="lines"
                ),
            },
            label="copies within one layer are left to other linters",
        ),
        Valid(
            files={
                "app/api/orders.py": _PRICE.format(
                    header="def quote(items):", items="items"
                ).replace("0.1", "0.1\n        tax = 0"),
                "app/services/pricing.py": _PRICE.format(
                    header="def order_total(lines):", items="lines"
                ),
            },
            label="different logic",
        ),
    )
    INVALID = (
        Invalid(
            files={
                "app/api/orders.py": _PRICE.format(header="def quote(items):", items="items"),
                "app/services/pricing.py": _PRICE.format(
                    header="def order_total(lines):", items="lines"
                ),
            },
            path="app/api/orders.py",
            line=1,
            message="app.services.pricing.order_total",
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        modules = architecture_modules(project)
        layering = layerings(project, modules)[0]
        services = find_services(project, modules)
        groups: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
        for name in sorted(modules):
            for shape in project.modules[name].functions:
                if shape.body_hash:
                    groups[shape.body_hash].append((project.modules[name].path, name, shape.line))
        shapes = {(m, s.line): s for m in modules for s in project.modules[m].functions}
        for digest, copies in sorted(groups.items(), key=lambda item: min(item[1])):
            copies.sort()
            owners = set()
            for _, module, _ in copies:
                place = layering.placement.get(module)
                service = services.get(module)
                owners.add((place.label if place else None, service.directory if service else None))
            layers = {layer for layer, _ in owners if layer is not None}
            units = {service for _, service in owners if service is not None}
            if len(layers) < 2 and len(units) < 2:
                continue
            (_, first, line), others = copies[0], copies[1:]
            shape = shapes[(first, line)]
            names = ", ".join(f"{m}.{shapes[(m, ln)].name}" for _, m, ln in others)
            yield self.report(
                module_location(project, first, line),
                f"{first}.{shape.name} ({shape.statements} statements) is duplicated in "
                f"{names}, in another {'service' if len(units) >= 2 else 'layer'}. Keep one "
                "copy in the lowest layer that owns the rule and call it from the others.",
                key=digest,
                related=tuple(module_location(project, m, ln, "copy") for _, m, ln in others),
                scope=GRAPH,
            )
