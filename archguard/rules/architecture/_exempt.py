"""Modules that are large or central by design, so size and coupling rules skip them."""

from __future__ import annotations

from archguard.core.facts import ModuleFacts

#: Entry points and wiring: they import everything on purpose.
_WIRING = frozenset(
    {
        "settings",
        "urls",
        "asgi",
        "wsgi",
        "main",
        "app",
        "__main__",
        "manage",
        "celery",
        "conftest",
        "config",
        "constants",
        "admin",
    }
)


def is_wiring(facts: ModuleFacts) -> bool:
    """Settings, URL confs, ASGI/WSGI and main modules, and ``__init__`` re-export
    facades (packages whose own code is mostly imports)."""
    leaf = facts.module.rsplit(".", 1)[-1]
    if leaf in _WIRING or leaf.startswith("settings"):
        return True
    if facts.is_package:
        code = sum(1 for d in facts.definitions if d.kind != "variable")
        return code <= len(facts.imports) // 2 or code == 0
    return False
