"""The base class of rules that need the whole project: the module graph and every
module's facts. They run once per scan, after the per-file pass, and do no I/O."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import replace
from typing import ClassVar

from archguard.core.findings import Finding
from archguard.core.rule_meta import Example, RuleMeta
from archguard.graph.project import Project


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
