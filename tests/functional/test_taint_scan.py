"""Taint findings through the command line: SARIF code flows across files, the
project's own models, and their configuration errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from tests.conftest import assert_valid_sarif

APP = {
    "shop/__init__.py": "",
    "shop/repository.py": """
        import sqlite3


        def find_products(term):
            cur = sqlite3.connect("/srv/shop.db").cursor()
            cur.execute(f"SELECT id FROM products WHERE name LIKE '%{term}%'")
            return cur.fetchall()
    """,
    "shop/service.py": """
        from shop.repository import find_products


        def search(term):
            return find_products(term.strip())
    """,
    "shop/routes.py": """
        from flask import Flask, request

        from shop import service

        app = Flask(__name__)


        @app.get("/products")
        def products():
            return {"items": service.search(request.args.get("q", ""))}
    """,
}


def test_sarif_carries_the_path_across_files(
    make_repo: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    root = make_repo(APP)
    result = cli("scan", root, "--format", "sarif", "--no-semgrep", "--select", "AG501")
    assert result.exit_code == 1, result.output
    log = assert_valid_sarif(result.output)
    (finding,) = log["runs"][0]["results"]
    assert finding["ruleId"] == "AG501"
    where = finding["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "shop/repository.py"
    assert where["region"]["startLine"] == 6
    (flow,) = finding["codeFlows"]
    steps = [
        (
            step["location"]["physicalLocation"]["artifactLocation"]["uri"],
            step["location"]["message"]["text"],
        )
        for step in flow["threadFlows"][0]["locations"]
    ]
    files = [uri for uri, _ in steps]
    assert files[0] == "shop/routes.py" and files[-1] == "shop/repository.py"
    assert "shop/service.py" in files
    assert steps[0][1].startswith("source: request.args")
    assert steps[-1][1] == "sink: cur.execute"


def test_a_project_sink_and_a_bad_model(
    make_repo: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    files = {
        "app/db.py": """
            def run_raw(statement):
                return statement
        """,
        "app/views.py": """
            from flask import Flask, request

            from app import db

            app = Flask(__name__)


            @app.post("/tags")
            def drop():
                return db.run_raw("DELETE FROM tags WHERE name = '" + request.form["t"] + "'")
        """,
    }
    sink = '[tool.archguard.taint]\nsinks = [{ call = "app.db.run_raw", kind = "sql" }]\n'
    root = make_repo(files, config="")
    (root / "pyproject.toml").write_text(sink, encoding="utf-8")
    found = cli("scan", root, "--no-semgrep", "--select", "AG501", "--no-cache")
    assert found.exit_code == 1 and "app/views.py:10" in found.output, found.output

    (root / "pyproject.toml").write_text(sink.replace('"sql"', '"sequel"'), encoding="utf-8")
    broken = cli("scan", root, "--no-semgrep", "--no-cache")
    assert broken.exit_code == 2
    assert "tool.archguard.taint.sinks[0].kind" in broken.output
