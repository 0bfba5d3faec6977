"""Any project shape scans with exit 0 or 1, and paths are shown from where GitHub and
pre-commit look: the git work tree's root, else the current directory (issue 17)."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import assert_valid_sarif, git_run

Cli = Callable[..., Result]
SECRET = 'SECRET_KEY = "q7Zp2Wm9Xr4Lk8Nv3Bt6Yh1Jd5Fs0Gc"\n'


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def git_repo(root: Path) -> Path:
    git_run(root, "init", "-q")
    git_run(root, "add", "-A")
    git_run(root, "commit", "-qm", "initial")
    return root


TUTORIAL = {
    # A bare set of modules that import each other by bare name, run from their folder.
    "01-hello/models.py": """
        class User:
            def __init__(self, name):
                self.name = name
    """,
    "01-hello/main.py": """
        from flask import Flask, jsonify

        from models import User

        app = Flask(__name__)
        app.config["SECRET_KEY"] = "q7Zp2Wm9Xr4Lk8Nv3Bt6Yh1Jd5Fs0Gc"


        @app.route("/users/<name>")
        def show(name):
            return jsonify(User(name).name)
    """,
    # Its own package, imported as `app` from its folder.
    "02-todo/app/__init__.py": "",
    "02-todo/app/models.py": """
        from sqlalchemy import Column, Integer, String
        from sqlalchemy.orm import declarative_base

        Base = declarative_base()


        class Todo(Base):
            __tablename__ = "todos"
            id = Column(Integer, primary_key=True)
            title = Column(String)
    """,
    "02-todo/app/main.py": """
        from fastapi import FastAPI

        from app.models import Todo

        app = FastAPI()


        @app.get("/todos")
        def list_todos():
            return [Todo(title="x")]
    """,
    "exercise_3/db.py": """
        import sqlite3


        def connect():
            return sqlite3.connect("app.db")
    """,
    "exercise_3/server.py": """
        from flask import Flask

        import db

        app = Flask(__name__)


        @app.route("/items")
        def items():
            return str(db.connect().execute("select * from items").fetchall())
    """,
}


def test_side_by_side_mini_apps_scan_with_roots_of_their_own(cli: Cli, tmp_path: Path) -> None:
    root = git_repo(write(tmp_path / "course", TUTORIAL))
    result = cli("scan", root, "--no-cache", "--no-semgrep", "--format", "json")
    assert result.exit_code == 1, result.output  # the secret, not a usage error
    report = json.loads(result.output)
    assert report["diagnostics"] == []
    assert ("AG101", "01-hello/main.py") in {
        (f["rule_id"], f["location"]["path"]) for f in report["findings"]
    }
    graph = json.loads(cli("graph", root, "--no-cache", "--format", "json").output)
    edges = {(e["source"], e["target"]) for e in graph["edges"] if not e.get("external")}
    assert {("main", "models"), ("app.main", "app.models"), ("server", "db")} <= edges
    routes = json.loads(cli("routes", root, "--no-cache", "--format", "json").output)
    assert sorted(r["path"] for r in routes["routes"]) == ["/items", "/todos", "/users/<name>"]


def _django(name: str) -> dict[str, str]:
    return {
        f"{name}/manage.py": """
            import os
            import sys

            if __name__ == "__main__":
                os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
                from django.core.management import execute_from_command_line

                execute_from_command_line(sys.argv)
        """,
        f"{name}/config/__init__.py": "",
        f"{name}/config/settings.py": f"""
            DEBUG = True
            INSTALLED_APPS = ["django.contrib.auth", "{name}"]
            ROOT_URLCONF = "config.urls"
        """,
        f"{name}/config/urls.py": f"""
            from django.urls import path

            from {name} import views

            urlpatterns = [path("items/<int:pk>/", views.item_detail)]
        """,
        f"{name}/{name}/__init__.py": "",
        f"{name}/{name}/models.py": """
            from django.db import models


            class Item(models.Model):
                name = models.CharField(max_length=100)
        """,
        f"{name}/{name}/views.py": f"""
            from django.http import JsonResponse

            from {name}.models import Item


            def item_detail(request, pk):
                return JsonResponse({{"name": Item.objects.get(pk=pk).name}})
        """,
    }


def test_two_django_projects_in_one_repository_are_both_analysed(cli: Cli, tmp_path: Path) -> None:
    """Both have a config.settings module: neither may hide the other's routes and
    settings."""
    root = git_repo(write(tmp_path / "repo", _django("shop") | _django("blog")))
    result = cli("scan", root, "--no-cache", "--no-semgrep", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    debug = {f["location"]["path"] for f in report["findings"] if f["rule_id"] == "AG601"}
    assert debug == {"shop/config/settings.py", "blog/config/settings.py"}
    [note] = report["diagnostics"]
    assert note["kind"] == "source-roots" and "blog/, shop/" in note["message"]
    routes = json.loads(cli("routes", root, "--no-cache", "--format", "json").output)
    assert sorted(r["handler"] for r in routes["routes"]) == [
        "blog.views.item_detail",
        "shop.views.item_detail",
    ]


def test_paths_in_two_projects_scan_as_two_projects(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`archguard scan bad good`: each keeps its own settings and fail-on."""
    write(tmp_path / "bad", {"pyproject.toml": "[tool.archguard]\n", "app/settings.py": SECRET})
    write(
        tmp_path / "good",
        {
            "pyproject.toml": '[tool.archguard]\nfail-on = "error"\nignore = ["AG101"]\n',
            "app/settings.py": SECRET + "DEBUG = True\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    result = cli("scan", "bad", "good", "--no-cache", "--no-semgrep", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert sorted((f["rule_id"], f["location"]["path"]) for f in report["findings"]) == [
        ("AG101", "bad/app/settings.py"),
        ("AG601", "good/app/settings.py"),
    ]
    assert report["summary"]["files"] == 2
    # good alone: its warning is below its fail-on.
    assert cli("scan", "good", "--no-cache", "--no-semgrep").exit_code == 0
    assert cli("scan", "good", "good/app", "--no-cache", "--no-semgrep").exit_code == 0


def test_paths_are_shown_from_the_git_work_tree_root_in_every_format(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = write(
        tmp_path / "repo",
        {
            "backend/pyproject.toml": "[tool.archguard]\n",
            "backend/app/__init__.py": "",
            "backend/app/settings.py": SECRET,
            "README.md": "# shop\n",
        },
    )
    git_repo(repo)
    out = tmp_path / "out"
    out.mkdir()
    for cwd in (repo, repo / "backend" / "app", tmp_path):
        monkeypatch.chdir(cwd)
        result = cli(
            "scan",
            repo / "backend",
            "--no-cache",
            "--no-semgrep",
            "--sarif-output",
            out / "r.sarif",
            "--json-output",
            out / "r.json",
            "--github-output",
            out / "gh.txt",
            "--html-output",
            out / "r.html",
        )
        assert result.exit_code == 1
        assert "backend/app/settings.py:1:14: AG101" in result.output
        report = json.loads((out / "r.json").read_text())
        [finding] = report["findings"]
        assert finding["location"]["path"] == "backend/app/settings.py"
        sarif = assert_valid_sarif((out / "r.sarif").read_text())
        run = sarif["runs"][0]
        artifact = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact == {"uri": "backend/app/settings.py", "uriBaseId": "%SRCROOT%"}
        assert "%SRCROOT%" in run["originalUriBaseIds"]
        assert (out / "gh.txt").read_text().startswith("::error file=backend/app/settings.py,")
        assert "backend/app/settings.py" in (out / "r.html").read_text()
        fingerprint = finding["fingerprint"]
    # The fingerprint is the project's own: the same from a copy outside any git tree.
    copy = write(tmp_path / "elsewhere", {"pyproject.toml": "[tool.archguard]\n"})
    write(copy, {"app/__init__.py": "", "app/settings.py": SECRET})
    monkeypatch.chdir(copy)
    moved = json.loads(cli("scan", "--no-cache", "--no-semgrep", "--format", "json").output)
    assert moved["findings"][0]["location"]["path"] == "app/settings.py"
    assert moved["findings"][0]["fingerprint"] == fingerprint


def test_outside_git_paths_follow_the_current_directory_and_the_baseline_does_not(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = write(
        tmp_path / "work" / "api",
        {"pyproject.toml": "[tool.archguard]\n", "app/settings.py": SECRET},
    )
    monkeypatch.chdir(tmp_path / "work")
    above = json.loads(cli("scan", "api", "--no-cache", "--no-semgrep", "--format", "json").output)
    monkeypatch.chdir(project)
    inside = json.loads(cli("scan", "--no-cache", "--no-semgrep", "--format", "json").output)
    assert above["findings"][0]["location"]["path"] == "api/app/settings.py"
    assert inside["findings"][0]["location"]["path"] == "app/settings.py"
    assert above["findings"][0]["fingerprint"] == inside["findings"][0]["fingerprint"]
    baseline = project / "archguard-baseline.json"
    assert cli("baseline", "--no-cache", "--no-semgrep").exit_code == 0
    written_inside = baseline.read_text()
    monkeypatch.chdir(tmp_path)
    assert cli("baseline", project, "--no-cache", "--no-semgrep").exit_code == 0
    assert baseline.read_text() == written_inside
    assert json.loads(written_inside)["findings"][0]["path"] == "app/settings.py"
    scan = cli("scan", project, "--no-cache", "--no-semgrep", "--baseline", baseline)
    assert scan.exit_code == 0, scan.output


def test_a_git_baseline_names_paths_from_the_work_tree_root(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = write(
        tmp_path / "repo",
        {
            "backend/pyproject.toml": '[tool.archguard]\nbaseline = "archguard-baseline.json"\n',
            "backend/app/settings.py": SECRET,
        },
    )
    git_repo(repo)
    monkeypatch.chdir(repo / "backend")
    assert cli("baseline", "--no-cache", "--no-semgrep").exit_code == 0
    data = json.loads((repo / "backend" / "archguard-baseline.json").read_text())
    assert [e["path"] for e in data["findings"]] == ["backend/app/settings.py"]
    monkeypatch.chdir(repo)
    assert cli("scan", "backend", "--no-cache", "--no-semgrep").exit_code == 0
    # A baseline written before paths were shown from the work tree still matches.
    for entry in data["findings"]:
        entry["path"] = "app/settings.py"
    (repo / "backend" / "archguard-baseline.json").write_text(json.dumps(data))
    assert cli("scan", "backend", "--no-cache", "--no-semgrep").exit_code == 0
    # Fixed entries are reported in the baseline's own terms.
    (repo / "backend" / "app" / "settings.py").write_text("import os\n")
    report = json.loads(
        cli("scan", "backend", "--no-cache", "--no-semgrep", "--format", "json").output
    )
    assert [e["path"] for e in report["fixed_baseline_entries"]] == ["app/settings.py"]


def test_exit_zero_means_zero_unless_the_command_line_or_config_is_unusable(
    cli: Cli, make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_repo({"app/settings.py": SECRET, "README.md": "x\n"})
    assert cli("scan", root, "--no-cache", "--no-semgrep", "--exit-zero").exit_code == 0
    # Nothing to scan is not an unusable command line.
    empty = write(tmp_path / "docs", {"pyproject.toml": "[tool.archguard]\n", "a.md": "x\n"})
    nothing = cli("scan", empty, "--exit-zero")
    assert nothing.exit_code == 0 and "no Python files" in nothing.output
    assert cli("scan", empty).exit_code == 2
    # An unusable command line or configuration still is.
    assert cli("scan", tmp_path / "nope", "--exit-zero").exit_code == 2
    assert cli("scan", root, "--exit-zero", "--select", "AG999").exit_code == 2
    (root / "pyproject.toml").write_text('[tool.archguard]\nfail-on = "loud"\n')
    assert cli("scan", root, "--exit-zero").exit_code == 2


def test_no_python_files_says_which_exclude_left_them_out(
    cli: Cli, make_repo: Callable[..., Path]
) -> None:
    root = make_repo(
        {"legacy/old.py": "x = 1\n", "legacy/older.py": "y = 2\n"},
        config='exclude = ["legacy/"]\n',
    )
    result = cli("scan", root / "legacy")
    assert result.exit_code == 2
    assert "no Python files to scan under" in result.output
    assert '2 files by exclude pattern "legacy/" in pyproject.toml' in result.output
    venv = make_repo({"venv/lib/site.py": "x = 1\n"})
    result = cli("scan", venv / "venv")
    assert "1 file in venv/ folders, which are always left out" in result.output
