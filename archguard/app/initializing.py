"""``archguard init``: a starter ``[tool.archguard]`` section in pyproject.toml.

tomlkit edits the file in place, so the user's existing content, comments and
formatting stay exactly as they were; only the new section is added at the end.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import Table

from archguard.app.errors import UsageError
from archguard.app.file_pass import file_pass
from archguard.app.scanning import nested_projects
from archguard.config.loading import settings_from_table
from archguard.config.settings import Settings
from archguard.core.outcomes import Analysed
from archguard.graph.build import build_project
from archguard.graph.layering import inferred_order
from archguard.scan.analyze import FileJob, analyze
from archguard.scan.discover import discover
from archguard.scan.modules import default_source_roots, module_name

#: Import roots that tell which framework a project uses, and the name shown for it.
_FRAMEWORKS = {
    "django": "Django",
    "rest_framework": "Django REST framework",
    "flask": "Flask",
    "fastapi": "FastAPI",
    "starlette": "Starlette",
    "sqlalchemy": "SQLAlchemy",
    "sqlmodel": "SQLModel",
    "flask_sqlalchemy": "Flask-SQLAlchemy",
    "celery": "Celery",
    "aiohttp": "aiohttp",
    "pydantic": "Pydantic",
}
_IMPORT = re.compile(rb"^[ \t]*(?:from|import)[ \t]+([A-Za-z_]\w*)", re.M)
_TEST_PARTS = {"tests", "test", "testing"}


@dataclass(frozen=True)
class InitResult:
    path: Path
    created: bool
    frameworks: tuple[str, ...]
    src: tuple[str, ...]
    #: The inferred layers written, top to bottom (empty when fewer than two).
    layers: tuple[str, ...] = ()


def init_project(root: Path, force: bool = False) -> InitResult:
    root = root.resolve()
    if not root.is_dir():
        raise UsageError(f"not a directory: {root}")
    target = root / "pyproject.toml"
    created = not target.exists()
    try:
        document = (
            tomlkit.parse(target.read_text(encoding="utf-8")) if not created else tomlkit.document()
        )
    except (TOMLKitError, UnicodeDecodeError) as exc:
        raise UsageError(f"{target} is not valid TOML: {exc}") from None
    tool = document.get("tool")
    if tool is not None and "archguard" in tool and not force:
        raise UsageError(f"{target} already has [tool.archguard]; pass --force to replace it")

    files = discover(root, [root], Settings()).files
    if not files:
        raise UsageError(f"no Python files found under {root}")
    frameworks = _frameworks(root, files)
    roots = tuple(r for r in default_source_roots(files, ()) if r != ".") or (".",)
    has_tests = any(set(PurePosixPath(f).parts[:-1]) & _TEST_PARTS for f in files)

    section = _section(frameworks, roots, has_tests)
    order = _inferred_order(root, files)
    if len(order) >= 2:
        section.add("layers", _layers_table(order))
    if tool is None:
        tool = tomlkit.table(is_super_table=True)
        document["tool"] = tool
    tool["archguard"] = section
    text = tomlkit.dumps(document)
    _, problems = settings_from_table(
        tomllib.loads(text)["tool"]["archguard"], "pyproject.toml", "tool.archguard."
    )
    if problems:  # never write a section that archguard itself would reject
        raise UsageError(
            "internal error: the generated settings do not load: "
            + "; ".join(str(p) for p in problems)
        )
    target.write_text(text, encoding="utf-8")
    return InitResult(
        target, created, tuple(_FRAMEWORKS[f] for f in frameworks), roots, tuple(order)
    )


def _inferred_order(root: Path, files: list[str]) -> list[str]:
    """The layers archguard infers for this tree, as a declared ``order``."""
    projects = nested_projects(root, files)
    roots = default_source_roots(files, (), projects)
    facts = []
    for path in files:
        try:
            data = (root / path).read_bytes()
        except OSError:
            continue
        module, is_package = module_name(path, roots)
        outcome = analyze(
            FileJob(path, data, module, is_package), file_pass([], Settings().max_file_size)
        )
        if isinstance(outcome, Analysed):
            facts.append(outcome.facts)
    return inferred_order(build_project(facts, Settings(), projects))


def _layers_table(order: list[str]) -> Table:
    table = tomlkit.table()
    table.add(tomlkit.comment("Inferred from module names and content, top to bottom: a layer may"))
    table.add(
        tomlkit.comment("import the layers below it. 'a | b': independent siblings; 'a : b':")
    )
    table.add(tomlkit.comment("siblings that may import each other. Edit, then keep it in review."))
    array = tomlkit.array()
    array.extend(order)
    table.add("order", array.multiline(True))
    return table


def _frameworks(root: Path, files: list[str]) -> list[str]:
    found: set[str] = set()
    for path in files:
        try:
            data = (root / path).read_bytes()
        except OSError:
            continue
        found.update(m.decode() for m in _IMPORT.findall(data) if m.decode() in _FRAMEWORKS)
    return sorted(found)


def _section(frameworks: list[str], roots: tuple[str, ...], has_tests: bool) -> Table:
    section = tomlkit.table()
    names = ", ".join(_FRAMEWORKS[f] for f in frameworks) or "none recognised"
    section.add(
        tomlkit.comment(
            "Written by `archguard init`; edit freely. Docs: archguard rules --explain ID"
        )
    )
    section.add(tomlkit.comment(f"Frameworks found: {names}."))
    section.add("src", tomlkit.array().multiline(False))
    section["src"].extend(roots)
    section["src"].comment("where first-party packages start (module names are relative to these)")
    section.add("fail-on", "warning")
    section["fail-on"].comment("lowest severity that fails a scan: note, warning or error")
    section.add(
        tomlkit.comment('baseline = "archguard-baseline.json"  # after `archguard baseline`')
    )
    if has_tests:
        ignores = tomlkit.inline_table()
        ignores["tests/**"] = ["AG1"]
        section.add("per-file-ignores", ignores)
        section["per-file-ignores"].comment("test credentials are fake on purpose")
    section.add(tomlkit.comment('ignore = ["AG509"]  # rules or families to leave out'))
    return section
