"""Running a rule on its own examples, in memory: the test suite and the docs use it."""

from __future__ import annotations

import tomllib
from dataclasses import replace

from archguard.app.file_pass import file_pass
from archguard.config.layer_sources import contracts_from_other_tools
from archguard.config.loading import settings_from_table
from archguard.config.settings import Settings
from archguard.core.findings import Finding
from archguard.core.outcomes import Analysed
from archguard.core.rule_meta import Example
from archguard.graph.build import build_project
from archguard.orm.templates import is_template_path, template_facts
from archguard.rules.project_rule import ProjectRule
from archguard.rules.registry import AnyRule
from archguard.scan.analyze import FileJob, analyze
from archguard.scan.file_rule import FileRule
from archguard.scan.modules import default_source_roots, module_name
from archguard.scan.pattern_rule import PatternRule

_MAX_SIZE = 2 * 1024 * 1024


class ExampleError(Exception):
    """An example that does not even analyse (a typo in the example itself)."""


#: Example files that configure the project instead of holding code.
_CONFIG_FILES = ("pyproject.toml", ".importlinter", "setup.cfg", "tach.toml")


def example_settings(example: Example) -> Settings:
    """The settings an example declares in its own pyproject.toml (and the layers
    contracts of import-linter or Tach files), as a scan of that tree would read them."""
    texts = {path: code for path, code in example.files if path in _CONFIG_FILES}
    settings = Settings()
    if "pyproject.toml" in texts:
        table = tomllib.loads(texts["pyproject.toml"]).get("tool", {}).get("archguard", {})
        settings, problems = settings_from_table(table, "pyproject.toml", "tool.archguard.")
        if problems:
            raise ExampleError("; ".join(str(p) for p in problems))
    if not settings.layer_contracts:
        settings = replace(
            settings, layer_contracts=contracts_from_other_tools(lambda name: texts.get(name, ""))
        )
    return settings


def run_example(rule: AnyRule, example: Example) -> list[Finding]:
    settings = example_settings(example)
    paths = [path for path, _ in example.files if path.endswith(".py")]
    nested = tuple(
        sorted({p.rpartition("/")[0] for p, _ in example.files if p.endswith("/pyproject.toml")})
    )
    roots = default_source_roots(paths, settings.src, nested)
    if issubclass(rule, PatternRule):
        raise ExampleError(f"{rule.meta.id} is a pattern rule: semgrep --test runs its examples")
    file_rules = [rule] if issubclass(rule, FileRule) else []
    spec = file_pass(file_rules, _MAX_SIZE)
    findings: list[Finding] = []
    facts = []
    for path, code in example.files:
        if path not in paths:
            continue
        module, is_package = module_name(path, roots)
        outcome = analyze(FileJob(path, code.encode("utf-8"), module, is_package), spec)
        if not isinstance(outcome, Analysed):
            raise ExampleError(f"{path}: {outcome.diagnostic.message}")
        findings.extend(outcome.findings)
        facts.append(outcome.facts)
    if issubclass(rule, ProjectRule):
        templates = {
            path: template_facts(code) for path, code in example.files if is_template_path(path)
        }
        findings.extend(rule().check(build_project(facts, settings, nested, templates)))
    return sorted(findings, key=lambda f: f.sort_key)


def examples_of(rule: AnyRule) -> list[tuple[str, Example]]:
    """(test id, example) for every VALID and INVALID example of a rule. Pattern rules
    keep theirs in annotated test files that ``semgrep --test`` runs."""
    out: list[tuple[str, Example]] = []
    if issubclass(rule, PatternRule):
        return out
    for kind, items in (("valid", rule.VALID), ("invalid", rule.INVALID)):
        for number, example in enumerate(items, start=1):
            out.append((f"{rule.meta.id}-{kind}-{number}", example))
    return out
