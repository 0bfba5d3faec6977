"""The route inventory as text (an audit table) and as JSON."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from archguard import __version__
from archguard.core.outcomes import Diagnostic
from archguard.core.routes import Guard, GuardKind, Route
from archguard.report.text import safe

#: How a route reads in the summary, strongest guard first.
_STANDING = (
    (GuardKind.AUTHORIZATION, "authorized"),
    (GuardKind.AUTHENTICATION, "authenticated"),
    (GuardKind.UNRESOLVED, "guard not resolved"),
    (GuardKind.PUBLIC, "public on purpose"),
)


def standing(route: Route) -> str:
    for kind, word in _STANDING:
        if route.has(kind):
            return word
    return "no authentication"


def _guard_text(guard: Guard) -> str:
    where = f"{safe(guard.location.path)}:{guard.location.line}"
    return f"{guard.kind.value:<15} {safe(guard.name)}  [{guard.origin}, {where}]"


def render_text(routes: Sequence[Route], diagnostics: Sequence[Diagnostic]) -> str:
    lines: list[str] = []
    for route in routes:
        handler = f"{safe(route.location.path)}:{route.location.line}"
        lines.append(
            f"{' '.join(route.methods):<7} {safe(route.path)}  ->  {route.handler}  ({handler})"
        )
        if not route.guards:
            lines.append("        no guard")
        for guard in route.guards:
            lines.append("        " + _guard_text(guard))
    counts = Counter(standing(r) for r in routes)
    frameworks = Counter(r.framework for r in routes)
    summary = ", ".join(f"{n} {word}" for word, n in sorted(counts.items(), key=lambda x: -x[1]))
    by_framework = ", ".join(f"{name} {n}" for name, n in sorted(frameworks.items()))
    lines.append("")
    lines.append(f"{len(routes)} routes ({by_framework or 'none found'}): {summary or '-'}")
    for diagnostic in diagnostics:
        lines.append(
            f"{safe(diagnostic.path)}: {safe(diagnostic.message)} (its routes are not listed)"
        )
    return "\n".join(lines) + "\n"


def route_dict(route: Route) -> dict[str, object]:
    return {
        "framework": route.framework,
        "methods": list(route.methods),
        "path": route.path,
        "handler": route.handler,
        "location": {"path": route.location.path, "line": route.location.line},
        "declared": {"path": route.declared.path, "line": route.declared.line},
        "standing": standing(route),
        "guards": [
            {
                "kind": g.kind.value,
                "name": g.name,
                "origin": g.origin,
                "location": {"path": g.location.path, "line": g.location.line},
            }
            for g in route.guards
        ],
    }


def render_json(routes: Sequence[Route], diagnostics: Sequence[Diagnostic]) -> str:
    document = {
        "tool": {"name": "archguard", "version": __version__},
        "routes": [route_dict(r) for r in routes],
        "diagnostics": [
            {"path": d.path, "kind": d.kind.value, "message": d.message} for d in diagnostics
        ],
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
