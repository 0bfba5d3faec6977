"""The taint engine: per-function summaries from the ast, the models, and the
repository pass's propagation over the call graph."""

from __future__ import annotations

import ast
import json
import textwrap

import pytest

from archguard.app.examples import run_example
from archguard.app.file_pass import file_pass
from archguard.config.loading import settings_from_table
from archguard.core.outcomes import Analysed
from archguard.core.rule_meta import Example, Invalid, Valid
from archguard.core.taint import FunctionSummary, Root, TaintFacts
from archguard.rules.injection.insecure_file_upload import InsecureFileUpload
from archguard.rules.injection.sql_injection import SqlInjection
from archguard.scan import facts_ast
from archguard.scan.analyze import FileJob, analyze
from archguard.scan.codec import decode_outcome, encode_outcome
from archguard.taint.facts import extract
from archguard.taint.models import builtin_models, load_models, model_directory


def summaries(code: str, module: str = "app.views") -> dict[str, FunctionSummary]:
    text = textwrap.dedent(code)
    tree = ast.parse(text)
    imports, _ = facts_ast.extract(tree, module, False, text.splitlines())
    facts = extract(tree, module, imports, builtin_models())
    assert facts is not None
    return {f.name: f for f in facts.functions}


def sink_roots(summary: FunctionSummary, kind: str) -> set[tuple[str, int, str, tuple[str, ...]]]:
    return {
        (f.root.value, f.index, f.name, f.path)
        for use in summary.sinks
        if use.kind == kind
        for f in use.flows
    }


def fires(rule: type, files: dict[str, str], path: str) -> list[int]:
    example = Example(
        tuple(sorted((p, textwrap.dedent(c).lstrip("\n")) for p, c in files.items())),
        True,
        path=path,
    )
    return sorted(f.location.line for f in run_example(rule, example) if f.location.path == path)


# -- per file ---------------------------------------------------------------------------


def test_values_flow_through_assignments_containers_and_string_building() -> None:
    found = summaries(
        """
        def f(cur, a, b, c, d, e):
            parts = [a]
            parts.append(b)
            q = "SELECT * FROM t WHERE x IN (%s)" % ",".join(parts)
            q += " AND y = '{}'".format(c)
            q = q + f" AND z = {d.value}"
            with cur as handle:
                handle.execute(q)
            for row in e["rows"]:
                cur.execute("DELETE FROM t WHERE id = " + row)
        """
    )["f"]
    roots = sink_roots(found, "sql")
    assert {(r[1], r[3]) for r in roots} == {(1, ()), (2, ()), (3, ()), (4, ("value",)), (5, ())}
    assert all(f.built for use in found.sinks for f in use.flows)


def test_sanitizers_cut_the_flow_for_their_kinds_only() -> None:
    found = summaries(
        """
        import os
        from werkzeug.utils import secure_filename

        def f(cur, n, name):
            cur.execute(f"SELECT * FROM t LIMIT {int(n)}")
            path = os.path.join("/srv", secure_filename(name))
            open(path, "wb").write(b"")
            cur.execute(f"SELECT * FROM t WHERE p = '{path}'")
        """
    )["f"]
    (sql,) = [u for u in found.sinks if u.kind == "sql"]
    assert [f.cleared for f in sql.flows] == [("path",)]
    (path,) = [u for u in found.sinks if u.kind == "path"]
    assert all("path" in f.cleared for f in path.flows)


def test_bound_parameters_are_not_a_sink() -> None:
    found = summaries(
        """
        def f(cur, name):
            cur.execute("SELECT * FROM t WHERE name = ?", (name,))
        """
    )["f"]
    assert not found.sinks


def test_request_objects_are_read_by_path_and_calls_left_to_the_project() -> None:
    found = summaries(
        """
        from flask import request
        from app.repo import find

        def view():
            upload = request.files["doc"]
            return find(upload.filename, request.args.get("q"))
        """
    )["view"]
    (call,) = found.calls
    assert call.target == "app.repo.find"
    paths = {(a.position, f.root, f.name, f.path) for a in call.arguments for f in a.flows}
    assert paths == {
        (0, Root.GLOBAL, "flask.request", ("files", "filename")),
        (1, Root.GLOBAL, "flask.request", ("args", "get()")),
    }
    assert [f.root for f in found.returns] == [Root.CALL]


def test_an_allowlist_check_makes_a_value_safe() -> None:
    found = summaries(
        """
        COLUMNS = {"name", "created"}

        def f(cur, sort):
            if sort not in COLUMNS:
                raise ValueError(sort)
            cur.execute(f"SELECT * FROM t ORDER BY {sort}")
        """
    )["f"]
    (use,) = found.sinks
    assert all("all" in f.cleared for f in use.flows)


def test_summaries_survive_the_cache_codec() -> None:
    code = b"from flask import request\n\ndef v(cur):\n    cur.execute('x' + request.args['q'])\n"
    outcome = analyze(FileJob("app/v.py", code, "app.v", False), file_pass([], 10**6))
    assert isinstance(outcome, Analysed) and isinstance(outcome.facts.taint, TaintFacts)
    assert decode_outcome(json.loads(json.dumps(encode_outcome(outcome)))) == outcome


def test_the_builtin_models_read_and_name_qualified_callees() -> None:
    models = builtin_models()
    assert models.sinks_of("sqlalchemy.text")[0].kind == "sql"
    assert {s.kind for s in models.sinks_of("x.y", "save")} == {"path", "store"}
    assert models.sanitizer("werkzeug.utils.secure_filename") == frozenset({"path"})
    found = models.source(("django.views.generic.View",), ("request", "GET", "get()"))
    assert found is not None and found.kinds == frozenset({"request"})
    upload = models.source(("fastapi.UploadFile",), ("filename",))
    assert upload is not None and "filename" in upload.kinds
    again = load_models(sorted(model_directory().glob("*.yaml")))
    assert again.digest == models.digest


# -- the project's own models --------------------------------------------------------------


def test_taint_config_problems_name_the_key() -> None:
    _, problems = settings_from_table(
        {
            "taint": {
                "sinks": [
                    {"call": "db.run_raw", "kind": "sqll"},
                    {"call": "not a name", "kind": "sql"},
                    {"call": "db.x", "kind": "sql", "arguments": [-1]},
                ],
                "sanitizers": [{"call": "app.clean", "kinds": []}, {"call": "app.c", "kind": "x"}],
                "sources": "no",
                "other": [],
            }
        },
        "pyproject.toml",
        "tool.archguard.",
    )
    keys = {p.key for p in problems}
    assert keys == {
        "tool.archguard.taint.sinks[0].kind",
        "tool.archguard.taint.sinks[1].call",
        "tool.archguard.taint.sinks[2].arguments[0]",
        "tool.archguard.taint.sanitizers[0].kinds",
        "tool.archguard.taint.sanitizers[1].kind",
        "tool.archguard.taint.sources",
        "tool.archguard.taint.other",
    }


def test_a_project_source_is_followed() -> None:
    lines = fires(
        SqlInjection,
        {
            "pyproject.toml": """
                [tool.archguard.taint]
                sources = [{ call = "app.http.param" }]
            """,
            "app/http.py": "def param(name):\n    return name\n",
            "app/jobs.py": """
                from app.http import param

                def purge(cur):
                    cur.execute("DELETE FROM t WHERE owner = '" + param("owner") + "'")
            """,
        },
        "app/jobs.py",
    )
    assert lines == [4]


# -- the repository pass --------------------------------------------------------------------


def test_recursion_ends_and_still_carries_the_flow() -> None:
    lines = fires(
        SqlInjection,
        {
            "app/walk.py": """
                def walk(cur, name, depth):
                    if depth == 0:
                        cur.execute(f"SELECT * FROM t WHERE name = '{name}'")
                        return
                    return walk(cur, name, depth - 1)
            """,
            "app/views.py": """
                from flask import Flask, request

                from app.walk import walk

                app = Flask(__name__)

                @app.get("/t")
                def t():
                    return walk(None, request.args["name"], 3)
            """,
        },
        "app/walk.py",
    )
    assert lines == [3]


def test_methods_resolve_through_self_annotations_and_bases() -> None:
    files = {
        "app/repo.py": """
            class Base:
                def run(self, sql):
                    return self.conn.execute(sql)

            class Users(Base):
                def by_name(self, name):
                    return self.run("SELECT * FROM users WHERE name = '%s'" % name)
        """,
        "app/api.py": """
            from fastapi import Depends, FastAPI

            from app.repo import Users

            app = FastAPI()

            @app.get("/users")
            def users(name: str, repo: Users = Depends(Users)):
                return repo.by_name(name)
        """,
    }
    example = Invalid(files=files, path="app/repo.py", line=7)
    found = run_example(SqlInjection, example)
    assert [(f.location.line, f.confidence.value) for f in found] == [(7, "high")]
    assert "query parameter `name` of users()" in found[0].message
    (flow,) = found[0].code_flows
    assert flow[0].path == "app/api.py" and flow[-1].path == "app/repo.py"


def test_an_unresolved_call_keeps_taint_with_less_confidence() -> None:
    example = Invalid(
        """
        from flask import Flask, request

        app = Flask(__name__)

        @app.get("/t")
        def t():
            helper = registry.lookup("keys")
            key = helper.normalise(request.args["k"])
            registry.cursor().execute(f"SELECT * FROM t WHERE k = '{key}'")
        """,
        line=9,
    )
    (finding,) = run_example(SqlInjection, example)
    assert finding.confidence.value == "medium"


def test_fingerprints_do_not_move_with_unrelated_lines() -> None:
    code = """
        from flask import Flask, request

        app = Flask(__name__)

        @app.get("/t")
        def t(cur):
            cur.execute("SELECT * FROM t WHERE k = '" + request.args["k"] + "'")
    """
    code = textwrap.dedent(code).lstrip("\n")
    first = run_example(SqlInjection, Invalid(code, line=7))
    moved = run_example(SqlInjection, Invalid("# a comment\n\n\n" + code, line=10))
    assert [f.fingerprint for f in first] == [f.fingerprint for f in moved]
    assert first[0].location.line + 3 == moved[0].location.line


@pytest.mark.parametrize(
    "handler",
    [
        "async def up(file: UploadFile):\n    (DIR / file.filename).write_bytes(await file.read())",
        "async def up(files: list[UploadFile]):\n"
        "    for f in files:\n"
        '        with open(DIR / f.filename, "wb") as out:\n'
        "            out.write(await f.read())",
    ],
)
def test_fastapi_upload_names_reach_the_write(handler: str) -> None:
    code = (
        "from pathlib import Path\n\nfrom fastapi import FastAPI, UploadFile\n\n"
        'app = FastAPI()\nDIR = Path("/srv")\n\n\n@app.post("/up")\n' + handler + "\n"
    )
    found = run_example(InsecureFileUpload, Invalid(code))
    assert any("filename" in f.message for f in found)


def test_scripts_without_a_module_name_are_analysed() -> None:
    lines = fires(
        SqlInjection,
        {
            "models/store.py": """
                class Store:
                    def find(self, key):
                        return self.db.execute("SELECT * FROM t WHERE k = " + key)
            """,
            "run-app.py": """
                from flask import Flask
                from models.store import *

                app = Flask(__name__)

                @app.route("/t/<key>")
                def t(key):
                    return Store().find(key)
            """,
        },
        "models/store.py",
    )
    assert lines == [3]


def test_a_sanitized_twin_stays_silent() -> None:
    assert not run_example(
        SqlInjection,
        Valid(
            """
            from flask import Flask, request

            app = Flask(__name__)

            @app.get("/t")
            def t(cur):
                cur.execute("SELECT * FROM t WHERE k = " + str(int(request.args["k"])))
            """
        ),
    )
