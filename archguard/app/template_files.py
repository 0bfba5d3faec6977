"""Template files as a project-level input of the database rules.

Templates are not Python: they are not parsed as modules, run through the file rules or
given to Semgrep. They are found the way Python files are (git's file list, or a walk;
the default excluded folders and ``exclude`` apply), under folders named ``templates``
or ``jinja2``, across the whole project root, since a view anywhere may render any of
them. Each is read and tokenised (``archguard.orm.templates``), never rendered, and
what its loops read is cached like a module's facts: keyed by its bytes, its path and
archguard's code, in the same cache directory.
"""

from __future__ import annotations

from pathlib import Path

from archguard.config.settings import Settings
from archguard.core.orm import TemplateFacts
from archguard.orm.templates import is_template_path, template_facts
from archguard.scan.cache import FileCache
from archguard.scan.discover import discover_other


def load_templates(
    root: Path, settings: Settings, cache: FileCache | None = None
) -> dict[str, TemplateFacts]:
    """Repo-relative path -> the loops of every template that loops over something."""
    found: dict[str, TemplateFacts] = {}
    base = root.resolve()
    for path in discover_other(base, settings, is_template_path):
        try:
            with open(base / path, "rb") as handle:
                data = handle.read(settings.max_file_size + 1)
        except OSError:
            continue  # a template that cannot be read is one fewer consumer, not an error
        if len(data) > settings.max_file_size or b"\0" in data:
            continue
        key = cache.key_of(path, data) if cache is not None else ""
        facts = cache.get_value(key, TemplateFacts) if cache is not None else None
        if facts is None:
            facts = template_facts(data.decode("utf-8", "replace"))
            if cache is not None:
                cache.put_value(key, facts)
        if facts.loops:
            found[path] = facts
    return found
