"""Declared layerings: archguard's own ``[tool.archguard.layers]`` table, or an
existing import-linter layers contract or Tach configuration, so a project that already
declared its architecture for another tool does not declare it twice."""

from __future__ import annotations

import configparser
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from archguard.config.settings import Layer, LayerContract, LayerLevel

_LAYER_KEYS = {"order", "containers", "services"}


def parse_layer_table(table: Any) -> tuple[LayerContract | None, tuple[str, ...]]:
    """``[tool.archguard.layers]``: ``order`` top to bottom (``"a | b"`` for independent
    siblings, ``"a : b"`` for siblings that may import each other), optional
    ``containers`` and ``services``. Raises ValueError with the user's words."""
    if not isinstance(table, Mapping):
        raise ValueError("must be a table with 'order' (and optionally 'containers', 'services')")
    unknown = sorted(set(table) - _LAYER_KEYS)
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r}; expected one of {sorted(_LAYER_KEYS)}")
    services = _strings(table.get("services", []), "services")
    if "order" not in table:
        if services:
            return None, services
        raise ValueError("'order' is missing: list the layers from top to bottom")
    order = _strings(table["order"], "order")
    if len(order) < 2:
        raise ValueError("'order' needs at least two layers")
    contract = LayerContract(
        levels=tuple(_level(item) for item in order),
        containers=_strings(table.get("containers", []), "containers"),
    )
    return contract, services


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"'{key}' must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _level(item: str) -> LayerLevel:
    independent = ":" not in item
    names = [n.strip() for n in item.replace(":", "|").split("|")]
    layers = []
    for name in names:
        # import-linter marks optional layers with parentheses; absence is fine here.
        clean = name.strip("()").strip()
        if not clean or not all(part.isidentifier() for part in clean.split(".")):
            raise ValueError(f"{name!r} is not a module path")
        layers.append(Layer(clean, (clean,)))
    return LayerLevel(tuple(layers), independent)


def read_in(root: Path) -> Callable[[str], str]:
    """A reader of files in ``root``; unreadable files read as empty: they belong to
    another tool, which reports its own errors."""

    def read(name: str) -> str:
        try:
            return (root / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return ""

    return read


def contracts_from_other_tools(read: Callable[[str], str]) -> tuple[LayerContract, ...]:
    """Layers contracts of import-linter (pyproject.toml, .importlinter, setup.cfg) or
    Tach (tach.toml) in the project root."""
    found: list[LayerContract] = []
    pyproject = _toml(read("pyproject.toml"))
    linter = pyproject.get("tool", {}).get("importlinter")
    if isinstance(linter, Mapping):
        for number, contract in enumerate(linter.get("contracts", []), start=1):
            found.extend(
                _import_linter(contract, f"pyproject.toml [tool.importlinter] contract {number}")
            )
    for name in (".importlinter", "setup.cfg"):
        found.extend(_import_linter_ini(name, read(name)))
    tach = _toml(read("tach.toml"))
    if tach:
        found.extend(_tach(tach))
    return tuple(found)


def _toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


def _import_linter(contract: Any, source: str) -> list[LayerContract]:
    if not isinstance(contract, Mapping) or contract.get("type") != "layers":
        return []
    layers = contract.get("layers", [])
    containers = contract.get("containers", [])
    if isinstance(containers, str):
        containers = [containers]
    try:
        levels = tuple(_level(item) for item in layers)
    except (ValueError, AttributeError):
        return []
    if len(levels) < 2:
        return []
    clean = tuple(c for c in containers if isinstance(c, str))
    return [LayerContract(levels, clean, source, str(contract.get("name", "")))]


def _import_linter_ini(name: str, text: str) -> list[LayerContract]:
    parser = configparser.ConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    found = []
    for section in parser.sections():
        if not section.startswith("importlinter:contract:"):
            continue
        values = parser[section]
        contract = {
            "type": values.get("type", "").strip(),
            "name": values.get("name", section),
            "layers": _ini_list(values.get("layers", "")),
            "containers": _ini_list(values.get("containers", "")),
        }
        found.extend(_import_linter(contract, f"{name} [{section}]"))
    return found


def _ini_list(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _tach(data: Mapping[str, Any]) -> list[LayerContract]:
    """Tach names layers (``layers = ["ui", "core"]``) and puts modules in them
    (``[[modules]] path = "app.api"  layer = "ui"``)."""
    names = data.get("layers", [])
    if not isinstance(names, list) or len(names) < 2:
        return []
    members: dict[str, list[str]] = {n: [] for n in names if isinstance(n, str)}
    for module in data.get("modules", []):
        if (
            isinstance(module, Mapping)
            and module.get("layer") in members
            and isinstance(module.get("path"), str)
        ):
            members[module["layer"]].append(module["path"])
    levels = tuple(
        LayerLevel((Layer(name, tuple(paths)),)) for name, paths in members.items() if paths
    )
    return [LayerContract(levels, (), "tach.toml")] if len(levels) >= 2 else []
