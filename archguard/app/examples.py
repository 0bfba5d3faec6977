"""Running a rule on its own examples, in memory: the test suite and the docs use it."""

from __future__ import annotations

from archguard.core.findings import Finding
from archguard.core.outcomes import Analysed
from archguard.core.rule_meta import Example
from archguard.graph.build import build_project
from archguard.rules.project_rule import ProjectRule
from archguard.rules.registry import AnyRule
from archguard.scan.analyze import FileJob, FileRuleSet, analyze
from archguard.scan.file_rule import FileRule
from archguard.scan.modules import default_source_roots, module_name
from archguard.scan.pattern_rule import PatternRule

_MAX_SIZE = 2 * 1024 * 1024


class ExampleError(Exception):
    """An example that does not even analyse (a typo in the example itself)."""


def run_example(rule: AnyRule, example: Example) -> list[Finding]:
    paths = [path for path, _ in example.files]
    roots = default_source_roots(paths, ())
    if issubclass(rule, PatternRule):
        raise ExampleError(f"{rule.meta.id} is a pattern rule: semgrep --test runs its examples")
    file_rules = [rule] if issubclass(rule, FileRule) else []
    ruleset = FileRuleSet(file_rules)
    findings: list[Finding] = []
    facts = []
    for path, code in example.files:
        module, is_package = module_name(path, roots)
        outcome = analyze(FileJob(path, code.encode("utf-8"), module, is_package), ruleset, _MAX_SIZE)
        if not isinstance(outcome, Analysed):
            raise ExampleError(f"{path}: {outcome.diagnostic.message}")
        findings.extend(outcome.findings)
        facts.append(outcome.facts)
    if issubclass(rule, ProjectRule):
        findings.extend(rule().check(build_project(facts)))
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
