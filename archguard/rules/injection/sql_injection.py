"""AG501 sql-injection."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.project import Project
from archguard.rules.injection._taint import TaintPath, TaintRule, confidence_of, short
from archguard.taint.analysis import TaintAnalysis
from archguard.taint.propagate import flat

_FIX = (
    'pass the value as a bound parameter: cursor.execute("... WHERE id = %s", [value]), '
    'text("... WHERE id = :id") with {"id": value}, or the ORM; pick identifiers '
    "(table, column, sort order) from a fixed allowlist"
)

_REPOSITORY = """
    import sqlite3

    DB = "/srv/shop.db"


    def find_products(term):
        conn = sqlite3.connect(DB)
        cur = conn.cursor()
        cur.execute(f"SELECT id, name FROM products WHERE name LIKE '%{term}%'")
        return cur.fetchall()
"""
_REPOSITORY_BOUND = """
    import sqlite3

    DB = "/srv/shop.db"


    def find_products(term):
        conn = sqlite3.connect(DB)
        cur = conn.cursor()
        cur.execute("SELECT id, name FROM products WHERE name LIKE ?", (f"%{term}%",))
        return cur.fetchall()
"""
_SERVICE = """
    from shop.repository import find_products


    def search(term):
        cleaned = term.strip()
        return [{"id": row[0], "name": row[1]} for row in find_products(cleaned)]
"""
_FLASK_ROUTES = """
    from flask import Flask, jsonify, request

    from shop import service

    app = Flask(__name__)


    @app.get("/products")
    def products():
        return jsonify(service.search(request.args.get("q", "")))
"""
_FASTAPI_ROUTES = """
    from fastapi import APIRouter

    from shop.service import search

    router = APIRouter()


    @router.get("/products")
    def products(q: str = ""):
        return search(q)
"""


class SqlInjection(TaintRule):
    """
    ## What it does
    Follows request values (FastAPI path, query, body, header and cookie parameters,
    Pydantic model fields, Flask `request.args`/`form`/`json`/..., Django and DRF
    `request.GET`/`POST`/`data`/`query_params` and URL arguments, aiohttp, Tornado and
    GraphQL arguments) through assignments, containers, string building and calls,
    across functions and modules, to where they become SQL text: DB-API
    `cursor.execute` / `executemany` / `executescript`, SQLAlchemy `text()` and
    `exec_driver_sql`, Django `raw()`, `.extra()` and `RawSQL`, `pandas.read_sql`, and
    your own sinks declared in `[tool.archguard.taint]`. The finding sits where the
    query text is built: at the `execute`, or at the call that hands the built text to
    a helper (`run_query(q)`). Its code flow lists every step from the request to the
    database.

    A value passed as a bound parameter (the second argument of `execute`), turned
    into a number (`int()`, `len()`), or given to a query builder (`filter`, `where`)
    is not injectable. A function that builds SQL text from its own parameter is
    reported with medium confidence even when no request is seen to reach it, since
    any caller with a request value can rewrite the query.

    ## Why is this bad?
    The database cannot tell the query apart from the data. A value such as
    `' OR '1'='1` or `1; DROP TABLE users; --` rewrites the statement: it
    reads other users' rows, bypasses a login, or destroys data. Generated code
    does this a lot because an f-string is the shortest way to "put the id in".

    ## Example
    ```python
    @app.get("/users")
    def find_user(name: str):
        with engine.connect() as conn:
            rows = conn.execute(text(f"SELECT * FROM users WHERE name = '{name}'"))
            return [dict(row._mapping) for row in rows]
    ```

    ## Use instead
    ```python
    @app.get("/users")
    def find_user(name: str):
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT * FROM users WHERE name = :name"), {"name": name})
            return [dict(row._mapping) for row in rows]
    ```
    With DB-API drivers pass the values as the second argument
    (`cursor.execute("... WHERE id = %s", [user_id])`); with Django prefer the
    ORM, or `raw("... WHERE id = %s", [user_id])`. Identifiers (table or column
    names) cannot be parameters: pick them from a fixed allowlist.

    ## References
    - [OWASP: SQL Injection Prevention Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html)
    - [Django: performing raw SQL queries](https://docs.djangoproject.com/en/stable/topics/db/sql/)
    - [SQLAlchemy: using textual SQL](https://docs.sqlalchemy.org/en/20/tutorial/dbapi_transactions.html#sending-parameters)
    - [CWE-89](https://cwe.mitre.org/data/definitions/89.html)
    """

    meta = RuleMeta(
        id="AG501",
        name="sql-injection",
        category=Category.SQL_INJECTION,
        severity=Severity.ERROR,
        confidence=Confidence.HIGH,
        summary="Request values or parameters spliced into SQL text that is then executed.",
        cwe=(89,),
        tags=frozenset({"security", "sql"}),
        security_severity=9.1,
    )
    SINKS = ("sql",)
    SANITIZERS = ("sql",)

    VALID = (
        Valid(
            files={
                "shop/repository.py": _REPOSITORY_BOUND,
                "shop/service.py": _SERVICE,
                "shop/routes.py": _FLASK_ROUTES,
            },
            label="the repository binds the term as a parameter",
        ),
        Valid(
            files={
                "shop/repository.py": _REPOSITORY_BOUND,
                "shop/service.py": _SERVICE,
                "shop/routes.py": _FASTAPI_ROUTES,
            },
            label="FastAPI: the query parameter is bound in the repository",
        ),
        Valid(
            """
            from fastapi import FastAPI
            from sqlalchemy import text

            from app.db import engine

            app = FastAPI()


            @app.get("/orders")
            def orders(limit: str = "10", status: str = "open"):
                with engine.connect() as conn:
                    rows = conn.execute(
                        text(f"SELECT * FROM orders WHERE status = :s LIMIT {int(limit)}"),
                        {"s": status},
                    )
                    return [dict(r._mapping) for r in rows]
            """,
            label="int() and a bound parameter",
        ),
        Valid(
            """
            from django.db import connection


            def report(request):
                placeholders = ", ".join(["%s"] * len(request.GET.getlist("id")))
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT * FROM shop_order WHERE id IN ({placeholders})",
                        request.GET.getlist("id"),
                    )
                    return cursor.fetchall()
            """,
            path="shop/views.py",
            label="a placeholder list sized from the request",
        ),
        Valid(
            """
            from sqlalchemy import select

            from app.models import User


            class UserRepository:
                def __init__(self, session):
                    self.session = session

                def by_name(self, name):
                    return self.session.execute(select(User).filter_by(name=name)).scalar_one()
            """,
            label="a query builder binds its criteria",
        ),
        Valid(
            """
            TABLE = "events"


            def purge(cursor):
                cursor.execute(f"DELETE FROM {TABLE} WHERE created < now() - interval '30 days'")
            """,
            label="a constant spliced in",
        ),
        Valid(
            """
            class Store:
                table = "events"

                def count(self, cursor):
                    cursor.execute(f"SELECT count(*) FROM {self.table}")
                    return cursor.fetchone()[0]
            """,
            label="the object's own configuration, not a caller's value",
        ),
        Valid(
            files={
                "pyproject.toml": """
                    [tool.archguard.taint]
                    sanitizers = [{ call = "app.sql.quote_ident", kinds = ["sql"] }]
                """,
                "app/sql.py": """
                    def quote_ident(name):
                        return '"' + name.replace('"', '""') + '"'
                """,
                "app/views.py": """
                    from flask import Flask, request

                    from app.db import get_cursor
                    from app.sql import quote_ident

                    app = Flask(__name__)


                    @app.get("/export")
                    def export():
                        column = quote_ident(request.args["sort"])
                        cur = get_cursor()
                        cur.execute(f"SELECT * FROM items ORDER BY {column}")
                        return {"rows": cur.fetchall()}
                """,
            },
            label="a sanitizer the project declares",
        ),
    )
    INVALID = (
        Invalid(
            files={
                "shop/repository.py": _REPOSITORY,
                "shop/service.py": _SERVICE,
                "shop/routes.py": _FLASK_ROUTES,
            },
            path="shop/repository.py",
            line=9,
            message="request.args",
            label="Flask: route, service and repository modules",
        ),
        Invalid(
            files={
                "shop/repository.py": _REPOSITORY,
                "shop/service.py": _SERVICE,
                "shop/routes.py": _FASTAPI_ROUTES,
            },
            path="shop/repository.py",
            line=9,
            message="query parameter `q` of products()",
            label="FastAPI: route, service and repository modules",
        ),
        Invalid(
            """
            from fastapi import FastAPI
            from sqlalchemy import text

            from app.db import engine

            app = FastAPI()


            @app.get("/users/{name}")
            def find_user(name: str):
                with engine.connect() as conn:
                    rows = conn.execute(text(f"SELECT * FROM users WHERE name = '{name}'"))
                    return [dict(row._mapping) for row in rows]
            """,
            line=12,
            message="path parameter `name`",
        ),
        Invalid(
            files={
                "app/db.py": """
                    import sqlite3


                    def run_query(sql):
                        conn = sqlite3.connect("/srv/app.db")
                        return conn.execute(sql).fetchall()
                """,
                "app/views.py": """
                    from flask import Flask, request

                    from app.db import run_query

                    app = Flask(__name__)


                    @app.route("/notes")
                    def notes():
                        owner = request.args.get("owner")
                        return {"notes": run_query("SELECT * FROM notes WHERE owner = '" + owner + "'")}
                """,
            },
            path="app/views.py",
            line=11,
            message="run_query",
            label="string-built SQL handed to a project helper that executes it",
        ),
        Invalid(
            """
            from django.db import connection
            from django.http import JsonResponse


            def search(request, category):
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT id FROM shop_product WHERE category = '%s'" % category
                    )
                    return JsonResponse({"ids": [r[0] for r in cursor.fetchall()]})
            """,
            path="shop/views.py",
            line=7,
            message="parameter `category`",
            label="a Django view's argument, whether or not the URLconf is seen",
        ),
        Invalid(
            files={
                "pyproject.toml": """
                    [tool.archguard.taint]
                    sinks = [{ call = "app.db.Database.run_raw", kind = "sql", arguments = [0] }]
                """,
                "app/db.py": """
                    class Database:
                        def run_raw(self, statement):
                            return self.pool.run(statement)
                """,
                "app/views.py": """
                    from fastapi import Depends, FastAPI

                    from app.db import Database

                    app = FastAPI()


                    @app.delete("/tags/{tag}")
                    def drop_tag(tag: str, db: Database = Depends(Database)):
                        db.run_raw(f"DELETE FROM tags WHERE name = '{tag}'")
                        return {"ok": True}
                """,
            },
            path="app/views.py",
            line=10,
            message="path parameter `tag`",
            label="a sink the project declares",
        ),
    )

    def describe(self, path: TaintPath) -> str:
        sink = path.reach.sink
        where = short(path.anchor_function)
        via = "" if sink.function == path.anchor_function else f" (in {short(sink.function)})"
        return (
            f"SQL text built in {where}() from {path.origin.label} is executed by "
            f"{sink.label}{via}. Whoever sends that request can rewrite the query: pass the "
            "value as a bound parameter instead."
        )

    def fix(self, path: TaintPath) -> str:
        return _FIX

    def shapes(
        self, project: Project, analysis: TaintAnalysis, paths: list[TaintPath]
    ) -> Iterator[Finding]:
        """SQL text built from a function's own parameter (not a request value seen to
        reach it): the Semgrep rule's old shape, at medium confidence."""
        covered = {(p.anchor.path, p.anchor.line) for p in paths}
        seen: set[tuple[str, int]] = set()
        candidates = []
        for function, reach in analysis.reaches():
            trace = reach.trace
            if (
                reach.sink.kind != "sql"
                or trace.origin is not None
                or trace.param < 0
                or not trace.built
                or self.cleared(reach)
                or (trace.param == 0 and function.takes_self)
            ):
                continue
            anchor = trace.anchor or reach.sink.location
            # The function that builds the text names the parameter; its callers' traces
            # of the same text come after it.
            own = (trace.anchor_function or reach.sink.function) == function.qualified
            candidates.append((not own, anchor, function.qualified, function, reach))
        for _, anchor, _, function, reach in sorted(candidates, key=lambda c: c[:3]):
            place = (anchor.path, anchor.line)
            if place in covered or place in seen:
                continue
            seen.add(place)
            trace = reach.trace
            name = self.parameter(function, trace.param)
            sink = reach.sink
            builder = trace.anchor_function or sink.function
            via = "" if sink.function == builder else f" (in {short(sink.function)})"
            confidence = confidence_of(False, trace.unresolved)
            yield self.report(
                replace(anchor, message=""),
                f"SQL text built in {short(builder)}() from its parameter `{name}` is executed "
                f"by {sink.label}{via}. A caller that passes a request value can rewrite the "
                "query: pass the value as a bound parameter instead.",
                key=f"{builder}|param:{name}|sql:{sink.label}",
                severity=Severity.WARNING,
                confidence=confidence,
                flows=(
                    (*flat(trace.steps), replace(sink.location, message=f"sink: {sink.label}")),
                ),
                fix=_FIX,
            )
