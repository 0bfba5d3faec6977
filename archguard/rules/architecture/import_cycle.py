"""AG402 import-cycle."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from archguard.core.facts import ImportFact, ImportKind
from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.layering import layerings
from archguard.graph.project import Project
from archguard.graph.structure import (
    architecture_modules,
    feedback_arcs,
    module_graph,
    strongly_connected,
)
from archguard.rules.architecture._common import import_location, import_steps
from archguard.rules.project_rule import GRAPH, ProjectRule

#: A component holding this share of all modules is a tangle, not a slip.
_WARNING_SHARE = 0.05
_MODULE_LEVEL = frozenset({ImportKind.MODULE, ImportKind.DYNAMIC})


class ImportCycle(ProjectRule):
    """
    ## What it does
    Reports each group of first-party modules that import each other in a circle: one
    finding per strongly connected component of the import graph, not one per simple
    cycle (a large Django project has tens of thousands of those). The finding lists
    a small set of imports whose removal breaks every cycle in the component (a greedy
    feedback arc set, preferring imports that break the layering, then edges that carry
    few imports), each as a related
    location, and shows one cycle as a code flow. Severity grows with the share of all
    modules the component holds: under 5% a note, from 5% a warning (a cycle slows
    change but does not fail in production, so it is never an error).

    A component that exists only because of imports inside functions is reported as
    such, as a note: the function-local import hides the cycle from Python at start-up
    but not from the design. So is one that closes only through views imported at the
    bottom of a package's `__init__` after it creates its Flask app or blueprint, the
    layout the Flask documentation uses. `TYPE_CHECKING` imports and framework strings
    never run at import time and are left out; so are tests and migrations.

    ## Why is this bad?
    Modules in a cycle cannot be understood, tested or reused one at a time: importing
    any of them imports all of them. Cycles surface as `ImportError: cannot import
    name ... (most likely due to a circular import)` after an innocent reordering,
    and they grow: once two modules know each other, every new helper goes in
    whichever is nearer. Assistants "fix" the error by moving the import into a
    function, which keeps the tangle and hides it.

    ## Example
    ```python
    # app/models.py
    from app.services import notify      # models -> services
    # app/services.py
    from app.models import Order          # services -> models
    ```

    ## Use instead
    ```python
    # app/models.py no longer imports services: the service calls notify()
    # after saving, or the model emits a signal/event the service subscribes to.
    ```
    Move the shared names into a third module both import, invert one dependency
    (pass a callback, emit an event), or merge modules that are really one.

    ## References
    - https://docs.python.org/3/faq/programming.html#what-are-the-best-practices-for-using-import-in-a-module
    - https://en.wikipedia.org/wiki/Feedback_arc_set
    - https://import-linter.readthedocs.io/en/stable/contract_types.html#acyclic-siblings
    """

    meta = RuleMeta(
        id="AG402",
        name="import-cycle",
        category=Category.IMPORT_CYCLE,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="First-party modules that import each other in a circle, with the imports to cut.",
        tags=frozenset({"architecture", "coupling"}),
    )

    VALID = (
        Valid(
            files={
                "app/models.py": "class Order:\n    pass\n",
                "app/services.py": "from app.models import Order\n",
                "app/api.py": "from app.services import Order\nfrom app.models import Order as O\n",
            },
            label="a DAG",
        ),
        Valid(
            files={
                "app/models.py": """
                from typing import TYPE_CHECKING

                if TYPE_CHECKING:
                    from app.services import Notifier
            """,
                "app/services.py": "from app.models import Order\n",
            },
            label="TYPE_CHECKING imports do not run",
        ),
        Valid(
            files={
                "shop/models.py": 'from django.db import models\n\nclass Order(models.Model):\n    item = models.ForeignKey("catalog.Item", on_delete=models.CASCADE)\n',
                "catalog/models.py": "from django.db import models\nfrom shop.models import Order\n\nclass Item(models.Model):\n    pass\n",
            },
            label="a lazy ForeignKey string is not an import",
        ),
        Valid(
            files={
                "app/models.py": "from app.services import notify\n",
                "app/services.py": "from app.models import Order\n",
                "tests/test_models.py": "from app.models import Order\n",
                "pyproject.toml": '[tool.archguard]\ngraph-exclude = ["app"]\n',
            },
            label="excluded from the graph by configuration",
        ),
    )
    INVALID = (
        Invalid(
            files={
                "blog/__init__.py": """
                    from flask import Flask
                    from flask_sqlalchemy import SQLAlchemy
                    from blog.models import Post

                    app = Flask(__name__)
                    db = SQLAlchemy(app)
                """,
                "blog/models.py": """
                    from blog import db

                    class Post(db.Model):
                        id = db.Column(db.Integer, primary_key=True)
                """,
            },
            path="blog/models.py",
            line=1,
            message="blog, blog.models",
            label="a cycle through a package's __init__: the package imports its models at "
            "the top, the models import the package back",
        ),
        Invalid(
            files={
                "blog/__init__.py": """
                    from flask import Flask

                    app = Flask(__name__)
                    app.config.from_object("blog.config")

                    from blog import routes  # noqa: E402  (the Flask docs' layout)
                """,
                "blog/routes.py": """
                    from blog import app

                    @app.get("/")
                    def index():
                        return "posts"
                """,
                "blog/config.py": "DEBUG = False\n",
            },
            path="blog/__init__.py",
            line=6,
            message="the layout the Flask docs use",
            label="the Flask bottom-of-__init__ import: reported as a note, never an error",
        ),
        Invalid(
            files={
                "app/models.py": "from app.services import notify\n\nclass Order:\n    pass\n",
                "app/services.py": "from app.models import Order\n\ndef notify(order):\n    return order\n",
                "app/api.py": "from app.services import notify\n",
            },
            path="app/models.py",
            line=1,
            message="app.models, app.services",
        ),
        Invalid(
            files={
                "blog/__init__.py": """
                from flask import Flask
                from flask_sqlalchemy import SQLAlchemy

                db = SQLAlchemy()

                def create_app():
                    app = Flask(__name__)
                    from blog.posts import bp
                    app.register_blueprint(bp)
                    return app
            """,
                "blog/posts.py": "from flask import Blueprint\nfrom blog import db\n\nbp = Blueprint('posts', __name__)\n",
            },
            path="blog/__init__.py",
            line=8,
            message="function-local",
            label="a cycle hidden by an import inside a function",
        ),
        Invalid(
            files={
                "a/one.py": "import a.two\n",
                "a/two.py": "import a.three\n",
                "a/three.py": "import a.one\nimport a.two\n",
            },
            path="a/two.py",
            line=1,
            message="3 modules",
            label="one finding for the component",
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        modules = architecture_modules(project)
        graph = module_graph(project, modules)
        static = module_graph(project, modules, _MODULE_LEVEL)
        static_components = {m: c for c in strongly_connected(static) for m in c}
        total = len(modules) or 1
        layering = layerings(project, modules, strict=False)[0]

        def cost(a: str, b: str) -> float:
            # An import against the layering is the one to cut: it is wrong anyway. One
            # inside a function (an app factory importing its blueprints) is already
            # deferred; the names it reaches for are what to move.
            facts = graph.edges[a, b]["imports"]
            weight = float(len(facts))
            if all(f.kind is ImportKind.FUNCTION for f in facts):
                weight *= 3
            return weight / 10 if layering.violation(a, b) else weight

        accepted = _flask_bottom_imports(project, modules)
        settled = graph.copy()
        settled.remove_edges_from(accepted)
        settled_components = {m: c for c in strongly_connected(settled) for m in c}

        for component in strongly_connected(graph):
            sub = graph.subgraph(component)
            hidden = not any(len(static_components.get(m, ())) > 1 for m in component)
            # The Flask docs' own layout: the package creates the app (or blueprint)
            # and imports its views at the bottom of __init__, and the views import the
            # app back. Python resolves it; it is the accepted pattern, not a tangle.
            flask_pattern = not hidden and not any(
                len(settled_components.get(m, ())) > 1 for m in component
            )
            if hidden:
                # Without its function-local imports the component is acyclic, so those
                # imports are the cut, and the place to report.
                arcs = sorted((a, b) for a, b in sub.edges if not static.has_edge(a, b))
                cut = [
                    (a, b, f)
                    for a, b in arcs
                    for f in sub.edges[a, b]["imports"]
                    if f.kind is ImportKind.FUNCTION
                ]
            elif flask_pattern:
                # Reported where the pattern closes it: the bottom import.
                arcs = sorted(edge for edge in accepted if sub.has_edge(*edge))
                cut = [(a, b, fact) for a, b in arcs for fact in sub.edges[a, b]["imports"]]
            else:
                arcs = feedback_arcs(sub, cost)
                cut = [(a, b, fact) for a, b in arcs for fact in sub.edges[a, b]["imports"]]
            share = len(component) / total
            # A cycle slows change; it does not by itself fail in production, so it is
            # never an error.
            severity = Severity.WARNING if share >= _WARNING_SHARE else Severity.NOTE
            if hidden or flask_pattern:
                severity = Severity.NOTE
            cut = _one_per_line(cut)
            first_a, _, first_fact = min(cut, key=lambda item: _order(project, item[0], item[2]))
            cycle = _one_cycle(sub, arcs[0])
            flow = import_steps(project, sub, cycle)
            names = (
                ", ".join(component)
                if len(component) <= 6
                else ", ".join(component[:6]) + f" and {len(component) - 6} more"
            )
            local = sum(
                1
                for a, b in sub.edges
                for f in sub.edges[a, b]["imports"]
                if f.kind is ImportKind.FUNCTION
            )
            how = (
                " It exists only through function-local imports, which hide it from "
                "Python at start-up but not from the design."
                if hidden
                else " It closes through views imported at the bottom of the package's "
                "__init__ after the app is created, the layout the Flask docs use: fine "
                "while it stays that small."
                if flask_pattern
                else f" {local} of its imports are function-local, which hides part of it from "
                "Python at start-up."
                if local
                else ""
            )
            cuts = "; ".join(f"{a} -> {b} (line {fact.line})" for a, b, fact in cut[:5])
            yield self.report(
                import_location(project, first_a, first_fact),
                f"Import cycle of {len(component)} modules ({share:.0%} of the project): "
                f"{names}.{how} Removing {len(cut)} import{'s' if len(cut) != 1 else ''} "
                f"breaks it: {cuts}.",
                key="\0".join(component),
                severity=severity,
                confidence=Confidence.MEDIUM if hidden else Confidence.HIGH,
                related=tuple(
                    import_location(project, a, fact, f"cut: {a} imports {b}") for a, b, fact in cut
                ),
                flows=(flow,),
                fix="Move the names both sides need into a module that imports neither, "
                "or invert one dependency (pass a callback, emit an event).",
                scope=GRAPH,
            )


def _one_per_line(cut: list[tuple[str, str, ImportFact]]) -> list[tuple[str, str, ImportFact]]:
    """``from blog import db, limiter`` is one import statement to change, not two."""
    seen: set[tuple[str, str, int]] = set()
    out = []
    for a, b, fact in cut:
        if (a, b, fact.line) not in seen:
            seen.add((a, b, fact.line))
            out.append((a, b, fact))
    return out


def _order(project: Project, module: str, fact: ImportFact) -> tuple[str, int, int]:
    return (project.modules[module].path, fact.line, fact.column)


def _one_cycle(graph: nx.DiGraph, arc: tuple[str, str]) -> list[str]:
    """a -> b -> ... -> a: the arc to cut, then the shortest way back."""
    a, b = arc
    back: list[str] = nx.shortest_path(graph, b, a)
    return [a, *back]


def _flask_bottom_imports(project: Project, modules: set[str]) -> list[tuple[str, str]]:
    """Imports, in a package's ``__init__``, of the package's own modules below the line
    that creates its Flask app or blueprint (``from app import routes`` at the bottom)."""
    found = []
    for name in sorted(modules):
        facts = project.modules[name]
        web = facts.web
        if not facts.is_package or web is None:
            continue
        created = [r.line for r in web.routers if r.kind in ("flask-app", "flask-blueprint")]
        if not created:
            continue
        for fact in facts.imports:
            target = f"{fact.module}.{fact.name}" if fact.name else fact.module
            if (
                fact.kind is ImportKind.MODULE
                and fact.line > min(created)
                and target.startswith(name + ".")
            ):
                found.append((name, _module_of(target, modules)))
    return [(a, b) for a, b in found if b]


def _module_of(target: str, modules: set[str]) -> str:
    """``app.routes.index`` (a name in a module) -> ``app.routes``."""
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target
