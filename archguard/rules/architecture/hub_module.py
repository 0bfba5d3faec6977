"""AG403 hub-module."""

from __future__ import annotations

from collections.abc import Iterable

from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.project import Project
from archguard.graph.structure import architecture_modules, module_graph
from archguard.rules.architecture._common import module_location
from archguard.rules.architecture._exempt import is_wiring
from archguard.rules.project_rule import GRAPH, ProjectRule

#: Fan-in and fan-out must both reach this, or the 90th percentile if higher.
_MIN_FAN = 10


def _star(center: str, around: int) -> dict[str, str]:
    """A module imported by ``around`` modules that itself imports ``around`` others."""
    files = {
        f"app/{center}.py": "".join(f"from app.leaf{i} import thing{i}\n" for i in range(around))
    }
    for i in range(around):
        files[f"app/leaf{i}.py"] = f"thing{i} = {i}\n"
        files[f"app/user{i}.py"] = f"from app.{center} import helper\n"
    return files


class HubModule(ProjectRule):
    """
    ## What it does
    Reports a module that many modules import and that itself imports many modules:
    fan-in and fan-out (distinct first-party modules, imports that run) both at
    least 10 or the project's 90th percentile, whichever is higher, and balanced
    (|in - out| < (in + out) / 4). Entry points and wiring are exempt: settings, URL
    confs, ASGI/WSGI, `main` and `app` modules, and `__init__` re-export facades.
    Tests and migrations are not in the graph.

    ## Why is this bad?
    A hub passes change through in both directions: everything it imports can break
    everything that imports it. It is usually a `utils.py` or `helpers.py` that grew
    into the place for "shared" code, pulling models, services and clients together.
    Builds, tests and reviews of any module depending on it pay for all of them, and
    it is where import cycles start.

    ## Example
    ```python
    # app/helpers.py: imported by 25 modules
    from app.models import Order, User, Invoice
    from app.services.mail import send
    from app.clients.stripe import charge
    ...
    ```

    ## Use instead
    Split it by what depends on what: pure helpers (formatting, dates) in a module
    that imports nothing of the project; domain helpers next to the domain; calls to
    services in the services themselves.

    ## References
    - https://en.wikipedia.org/wiki/Fan-out_(software)
    - https://www.sciencedirect.com/science/article/pii/S0164121219301476
    - https://martinfowler.com/ieeeSoftware/coupling.pdf
    """

    meta = RuleMeta(
        id="AG403",
        name="hub-module",
        category=Category.HUB_MODULE,
        severity=Severity.WARNING,
        confidence=Confidence.MEDIUM,
        summary="A module with both high fan-in and high fan-out: every change passes through it.",
        tags=frozenset({"architecture", "coupling"}),
    )

    VALID = (
        Valid(files={**_star("helpers", 6)}, label="fan-in and fan-out below 10"),
        Valid(files={**_star("main", 12)}, label="an entry point wires everything"),
        Valid(
            files={
                **{f"app/leaf{i}.py": f"thing{i} = {i}\n" for i in range(12)},
                "app/helpers.py": "from app.leaf0 import thing0\n",
                **{f"app/user{i}.py": "from app.helpers import thing0\n" for i in range(30)},
            },
            label="high fan-in alone is a library, not a hub",
        ),
    )
    INVALID = (
        Invalid(files=_star("helpers", 12), path="app/helpers.py", line=1, message="12 modules"),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        modules = architecture_modules(project)
        graph = module_graph(project, modules)
        if graph.number_of_nodes() == 0:
            return
        fan_in = sorted(graph.in_degree(m) for m in graph)
        fan_out = sorted(graph.out_degree(m) for m in graph)
        bar_in = max(_MIN_FAN, _percentile(fan_in, 0.9))
        bar_out = max(_MIN_FAN, _percentile(fan_out, 0.9))
        for name in sorted(graph):
            i, o = graph.in_degree(name), graph.out_degree(name)
            if i < bar_in or o < bar_out or abs(i - o) >= (i + o) / 4:
                continue
            if is_wiring(project.modules[name]):
                continue
            yield self.report(
                module_location(project, name),
                f"{name} is a hub: imported by {i} modules and importing {o} modules, so a "
                "change on either side reaches the other. Split it by dependency: pure "
                "helpers that import nothing of the project, domain code next to the "
                "domain, calls into services kept in the services.",
                key=name,
                related=tuple(
                    module_location(project, m, 1, f"imports {name}")
                    for m in sorted(graph.predecessors(name))[:10]
                ),
                scope=GRAPH,
            )


def _percentile(values: list[int], q: float) -> int:
    """Nearest-rank percentile of sorted values."""
    index = max(0, min(len(values) - 1, round(q * len(values) + 0.5) - 1))
    return values[index]
