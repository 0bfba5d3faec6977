"""Find, read and validate the configuration; every problem is reported at once."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from archguard.config.layer_sources import parse_layer_table
from archguard.config.settings import Settings
from archguard.config.taint_models import parse_taint_table
from archguard.core.levels import Severity

CONFIG_FILES = ("archguard.toml", "pyproject.toml")


@dataclass(frozen=True)
class ConfigProblem:
    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}"


class ConfigError(Exception):
    """Raised with every problem found, so the user can fix them in one go."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class LoadedConfig:
    settings: Settings
    #: The project root: where the config file lives (paths in output are relative to it).
    root: Path
    #: The file the settings came from, or None for defaults.
    source: Path | None


def find_config(start: Path) -> Path | None:
    """The nearest archguard.toml or pyproject.toml at or above ``start``."""
    here = start if start.is_dir() else start.parent
    for directory in (here, *here.parents):
        for name in CONFIG_FILES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
    return None


def load_config(config_file: Path | None) -> tuple[Settings, list[ConfigProblem]]:
    """Read settings from a file; ``None`` gives the defaults."""
    if config_file is None:
        return Settings(), []
    label = config_file.name
    try:
        data = tomllib.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return Settings(), [ConfigProblem(label, "-", f"cannot read: {exc}")]
    except tomllib.TOMLDecodeError as exc:
        return Settings(), [ConfigProblem(label, "-", f"not valid TOML: {exc}")]
    if config_file.name == "pyproject.toml":
        table = data.get("tool", {}).get("archguard", {})
        prefix = "tool.archguard."
    else:
        table = data
        prefix = ""
    return settings_from_table(table, label, prefix)


def settings_from_table(
    table: Mapping[str, Any], label: str, prefix: str = ""
) -> tuple[Settings, list[ConfigProblem]]:
    problems: list[ConfigProblem] = []
    changes: dict[str, Any] = {}
    if not isinstance(table, Mapping):
        return Settings(), [ConfigProblem(label, prefix.rstrip(".") or "-", "must be a table")]
    for key, value in table.items():
        if key == "layers":
            try:
                contract, services = parse_layer_table(value)
            except ValueError as exc:
                problems.append(ConfigProblem(label, prefix + key, str(exc)))
                continue
            changes["layer_contracts"] = (contract,) if contract else ()
            changes["service_roots"] = services
            continue
        if key == "taint":
            entries, found = parse_taint_table(value, label)
            problems.extend(
                ConfigProblem(label, prefix + key + (f".{where}" if where else ""), message)
                for where, message in found
            )
            changes["taint_models"] = entries
            continue
        field_name, parse = _FIELDS.get(key, (None, None))
        if field_name is None or parse is None:
            hint = _suggest(key)
            problems.append(ConfigProblem(label, prefix + key, "unknown key" + hint))
            continue
        try:
            changes[field_name] = parse(value)
        except ValueError as exc:
            problems.append(ConfigProblem(label, prefix + key, str(exc)))
    return replace(Settings(), **changes), problems


def _suggest(key: str) -> str:
    normal = key.replace("_", "-")
    return f" (did you mean '{normal}'?)" if normal in _FIELDS and normal != key else ""


def _str_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("must be a list of strings")
    return tuple(value)


def _per_file_ignores(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ValueError('must be a table of glob = ["RULE", ...]')
    out = []
    for glob, ids in sorted(value.items()):
        try:
            out.append((glob, _str_list(ids)))
        except ValueError:
            raise ValueError(f"'{glob}' must map to a list of rule ids") from None
    return tuple(out)


def _severity(value: Any) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        raise ValueError("must be one of 'note', 'warning', 'error'") from None


def _optional_str(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("must be a non-empty string")
    return value


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError("must be a positive integer")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


_FIELDS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "select": ("select", _str_list),
    "extend-select": ("extend_select", _str_list),
    "ignore": ("ignore", _str_list),
    "per-file-ignores": ("per_file_ignores", _per_file_ignores),
    "exclude": ("exclude", _str_list),
    "fail-on": ("fail_on", _severity),
    "baseline": ("baseline", _optional_str),
    "src": ("src", _str_list),
    "cache-dir": ("cache_dir", _optional_str),
    "max-file-size": ("max_file_size", _positive_int),
    "layers": ("layer_contracts", parse_layer_table),  # handled above: it sets two fields
    "graph-exclude": ("graph_exclude", _str_list),
    "public-routes": ("public_routes", _str_list),
    "report-non-production": ("report_non_production", _bool),
    "semgrep-rules": ("semgrep_rules", _str_list),
    "taint": ("taint_models", lambda value: value),  # handled above: it reports per entry
}
