"""AG406 flat-architecture."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.layers import layer_of_content
from archguard.graph.project import Project
from archguard.graph.structure import architecture_modules
from archguard.rules.architecture._common import module_location
from archguard.rules.architecture._handlers import LOWER_LAYERS, handler_shapes, is_fat
from archguard.rules.project_rule import GRAPH, ProjectRule

#: Below this a single module is a fine structure.
_MIN_LINES = 200
#: One module declaring the app's routes and its models and running its queries is
#: flat from this size, thin handlers or not.
_SINGLE_MODULE_LINES = 120
_BIG_MODULE = 1000

_FLAT_MAIN = """
from fastapi import Depends, FastAPI, HTTPException
from sqlalchemy.orm import Session

from database import get_db
from models import Order, Product

app = FastAPI()

{routes}
"""
_ROUTE = """
@app.post("/orders/{n}")
def create_order_{n}(body: dict, db: Session = Depends(get_db)):
    product = db.get(Product, body["product_id"])
    if product.stock < body["quantity"]:
        raise HTTPException(status_code=409)
    product.stock -= body["quantity"]
    order = Order(total=product.price * body["quantity"])
    db.add(order)
    db.commit()
    return order
"""
_MODELS = "class Order:\n    pass\n\n\nclass Product:\n    pass\n"
_DATABASE = "def get_db():\n    yield None\n"


_SINGLE = """
from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
db = SQLAlchemy(app)


class Note(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer)
    body = db.Column(db.Text)


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80))

{routes}
"""
_SINGLE_ROUTE = """
@app.get("/notes/{n}")
def note_{n}():
    note = Note.query.filter_by(id={n}).first()
    return jsonify(id=note.id, body=note.body)


@app.post("/notes/{n}/edit")
def edit_note_{n}():
    note = Note.query.get({n})
    note.body = request.json["body"]
    db.session.commit()
    return jsonify(ok=True)
"""


def _single_module_app(routes: int) -> dict[str, str]:
    body = "".join(_SINGLE_ROUTE.replace("{n}", str(i)) for i in range(routes))
    return {"app.py": _SINGLE.replace("{routes}", body)}


def _flat_app(routes: int) -> dict[str, str]:
    body = "".join(_ROUTE.replace("{n}", str(i)) for i in range(routes))
    return {
        "main.py": _FLAT_MAIN.replace("{routes}", body),
        "models.py": _MODELS,
        "database.py": _DATABASE,
    }


class FlatArchitecture(ProjectRule):
    """
    ## What it does
    Reports an application whose structure is flat, once for the repository or once
    per top-level package. It fires when the handlers hold the logic (fat handlers,
    see AG405, in at least half of the modules that declare handlers), no layer
    below them exists (no services, repositories or crud modules, and no declared
    layers), and the code is either concentrated (the three largest modules hold
    half the lines or more, or one module reaches 1,000 lines) or has no package
    structure at all. Applications under 200 lines are left alone. A single module
    that declares the app's routes and its ORM models and runs its queries (from 120
    lines) is flat whatever its handlers do. The message lists
    the evidence and proposes a layering with the package's own names.

    ## Why is this bad?
    This is the shape assistants produce when asked for "an API with orders and
    products": one `main.py` with every route querying and computing, `models.py`
    and `database.py` beside it. It works until the second developer, the first
    background job, or the first test that should not need HTTP: then every change
    touches the big module, the same rules are rewritten in each handler, and
    nothing can be reused or tested alone.

    ## Example
    ```text
    main.py        900 lines: app, 25 routes, queries, pricing, emails
    models.py      database.py      schemas.py
    ```

    ## Use instead
    ```text
    app/api/        routes only: parse, call a service, shape the response
    app/services/   business rules, plain functions or classes
    app/repositories/   queries
    app/models/     tables          app/schemas/    request and response models
    ```

    ## References
    - https://fastapi.tiangolo.com/tutorial/bigger-applications/
    - https://www.cosmicpython.com/book/chapter_04_service_layer.html
    - https://github.com/zhanymkanov/fastapi-best-practices#project-structure
    """

    meta = RuleMeta(
        id="AG406",
        name="flat-architecture",
        category=Category.FLAT_ARCHITECTURE,
        severity=Severity.WARNING,
        confidence=Confidence.MEDIUM,
        summary="An application with fat handlers, no layer below them and code piled into a few modules.",
        tags=frozenset({"architecture", "maintainability"}),
    )

    VALID = (
        Valid(
            files={
                **_flat_app(20),
                "services/orders.py": "def place(body):\n    return body\n",
            },
            label="a services layer exists",
        ),
        Valid(files=_flat_app(1), label="too small to need layers"),
        Valid(files=_single_module_app(2), label="a single module too small to need layers"),
        Valid(
            files={
                "main.py": _FLAT_MAIN.replace(
                    "{routes}",
                    "".join(
                        f'\n@app.get("/products/{i}")\ndef product_{i}(db: Session = Depends(get_db)):\n'
                        f"    return db.get(Product, {i})\n"
                        for i in range(40)
                    ),
                ),
                "models.py": _MODELS,
                "database.py": _DATABASE,
            },
            label="thin handlers",
        ),
    )
    INVALID = (
        Invalid(files=_flat_app(20), path="main.py", line=1, message="fat handlers"),
        Invalid(
            files=_single_module_app(10),
            path="app.py",
            line=1,
            message="every route, model and query in app",
            label="a single-module app: thin handlers, but everything in one file",
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        modules = architecture_modules(project)
        units: dict[str, list[str]] = defaultdict(list)
        for name in modules:
            units[_unit(name, project.modules[name].is_package)].append(name)
        handler_modules: dict[str, bool] = {}
        for module, shape in handler_shapes(project, modules):
            handler_modules[module] = handler_modules.get(module, False) or is_fat(shape)
        declared = bool(project.settings.layer_contracts)
        queries = {m for m, shape in handler_shapes(project, modules) if shape.persistence}
        for unit, names in sorted(units.items()):
            lines = {n: project.modules[n].line_count for n in names}
            total = sum(lines.values())
            handlers = [n for n in names if n in handler_modules]
            fat = [n for n in handlers if handler_modules[n]]
            # Every route, model and query in one module: flat whatever the handlers do.
            single = (
                len(handlers) == 1
                and handlers[0] in queries
                and layer_of_content(project.modules[handlers[0]], models_only=True) == "data"
                and lines[handlers[0]] >= _SINGLE_MODULE_LINES
            )
            if total < _MIN_LINES and not single:
                continue
            if not handlers or (len(fat) * 2 < len(handlers) and not single):
                continue
            # Root-level modules may use layers that are packages of their own.
            scope = modules if not unit else names
            if declared or any(LOWER_LAYERS & set(n.split(".")) for n in scope):
                continue
            ranked = sorted(names, key=lambda n: (-lines[n], n))
            top3 = sum(lines[n] for n in ranked[:3])
            concentrated = (len(names) > 3 and top3 * 2 >= total) or lines[ranked[0]] >= _BIG_MODULE
            packages = {n.rsplit(".", 1)[0] for n in names if n.count(".") >= (2 if unit else 1)}
            unstructured = not packages
            if not (concentrated or unstructured or single):
                continue
            evidence = [
                (
                    f"every route, model and query in {handlers[0]}"
                    if single
                    else f"fat handlers in {len(fat)} of {len(handlers)} handler modules "
                    f"({', '.join(sorted(fat)[:3])})"
                ),
                "no services, repositories or crud layer and no declared layers",
            ]
            if concentrated:
                evidence.append(
                    f"the largest modules hold {top3 * 100 // max(total, 1)}% of "
                    f"{total} lines ({', '.join(ranked[:3])})"
                )
            if unstructured:
                evidence.append("no subpackages")
            base = f"{unit.replace('.', '/')}/" if unit else ""
            yield self.report(
                module_location(project, ranked[0]),
                f"{'Package ' + unit if unit else 'The application'} is flat: "
                f"{'; '.join(evidence)}. Proposed layering: {base}api/ (routes only), "
                f"{base}services/ (business rules), {base}repositories/ (queries), "
                f"{base}models/ and {base}schemas/.",
                key=unit or "<root>",
                fix=f"{base}api/  {base}services/  {base}repositories/  {base}models/  {base}schemas/",
                scope=GRAPH,
            )


def _unit(module: str, is_package: bool) -> str:
    """The top-level package a module belongs to; "" for modules at the root."""
    if "." in module or is_package:
        return module.split(".")[0]
    return ""
