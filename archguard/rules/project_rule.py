"""The base class of rules that need the whole project: the module graph and every
module's facts. They run once per scan, after the per-file pass, and do no I/O."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import replace
from typing import ClassVar

from archguard.core.findings import Finding, Location
from archguard.core.fingerprint import make_fingerprint
from archguard.core.levels import Confidence, Severity
from archguard.core.rule_meta import Example, RuleMeta
from archguard.graph.project import Project

#: Fingerprint scopes for findings that must survive moving files: one about the module
#: graph (a cycle, a layer violation) or about the whole service (no health check).
GRAPH = "<graph>"
PROJECT = "<project>"


class ProjectRule:
    meta: ClassVar[RuleMeta]
    VALID: ClassVar[tuple[Example, ...]] = ()
    INVALID: ClassVar[tuple[Example, ...]] = ()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "meta" in cls.__dict__:
            cls.meta = replace(cls.meta, doc=inspect.cleandoc(cls.__doc__ or ""))

    def check(self, project: Project) -> Iterable[Finding]:
        raise NotImplementedError

    def report(
        self,
        location: Location,
        message: str,
        *,
        key: str,
        scope: str | None = None,
        severity: Severity | None = None,
        confidence: Confidence | None = None,
        related: tuple[Location, ...] = (),
        flows: tuple[tuple[Location, ...], ...] = (),
        fix: str = "",
    ) -> Finding:
        """A finding of this rule. ``key`` is its identity (names: modules, functions,
        routes, relation paths; never line numbers), unique within ``scope``: the file of
        ``location`` by default, or ``GRAPH`` / ``PROJECT`` for findings that stay the
        same when code moves between files. Baselines and SARIF alerts follow it."""
        meta = self.meta
        return Finding(
            rule_id=meta.id,
            rule_name=meta.name,
            category=meta.category,
            severity=severity or meta.severity,
            confidence=confidence or meta.confidence,
            message=message,
            location=location,
            fingerprint=make_fingerprint(meta.id, scope or location.path, key),
            cwe=meta.cwe,
            related=related,
            code_flows=flows,
            fix=fix,
        )
