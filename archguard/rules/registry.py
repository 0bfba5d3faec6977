"""Finds every rule by walking this package: a new rule file is picked up as it is.
Users' Semgrep pack rules are loaded per scan (``scan.rule_packs``)."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from archguard.rules.project_rule import ProjectRule
from archguard.scan.file_rule import FileRule
from archguard.scan.pattern_rule import PatternRule

AnyRule = type[FileRule] | type[ProjectRule] | type[PatternRule]


@lru_cache(maxsize=1)
def all_rules() -> tuple[AnyRule, ...]:
    """Every rule class, sorted by id. Raises if two rules share an id or a name."""
    import archguard.rules as package

    found: list[AnyRule] = []
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        leaf = info.name.rsplit(".", 1)[-1]
        if leaf.startswith("_") or leaf in ("registry", "project_rule"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, (FileRule, ProjectRule))
                and value.__module__ == module.__name__
                and "meta" in value.__dict__
            ):
                found.append(value)
    found.sort(key=lambda rule: rule.meta.id)
    for kind in ("id", "name"):
        seen: dict[str, str] = {}
        for rule in found:
            key = getattr(rule.meta, kind)
            if key in seen:
                raise RuntimeError(f"rule {kind} {key} used by {seen[key]} and {rule.__name__}")
            seen[key] = rule.__name__
    return tuple(found)
