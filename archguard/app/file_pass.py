"""The one place that assembles the per-file pass: the file rules a command enables, and
the domain extractors (web routes and guards, database queries, taint summaries) that sit
above the scan layer and are plugged into it here."""

from __future__ import annotations

from archguard.orm.facts import module_facts as orm_facts
from archguard.scan.analyze import Extractors, FilePass
from archguard.scan.file_rule import FileRule
from archguard.taint.facts import module_facts as taint_facts
from archguard.web.facts import module_facts as web_facts

EXTRACTORS = Extractors(web=web_facts, orm=orm_facts, taint=taint_facts)


def file_pass(rules: list[type[FileRule]] | tuple[type[FileRule], ...], max_size: int) -> FilePass:
    return FilePass(tuple(rules), max_size, EXTRACTORS)
