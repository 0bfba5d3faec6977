"""Catching misconfigured source roots: a graph with no first-party edges in a
project whose imports clearly name its own packages."""

from __future__ import annotations

from archguard.graph.project import Project


def misconfigured_roots(project: Project) -> str | None:
    """Why the source roots look wrong, with the ``src`` setting that would fix them;
    None when the graph has first-party edges or nothing suggests it should."""
    if len(project.modules) < 2 or project.first_party_edges():
        return None
    first_party = set(project.modules)
    for name in sorted(project.modules):
        facts = project.modules[name]
        for fact in facts.imports:
            top = fact.module.split(".")[0]
            if not top or top in first_party:
                continue
            exact = [m for m in sorted(project.modules) if m.endswith("." + fact.module)]
            for other in exact or sorted(project.modules):
                parts = other.split(".")
                if top in parts[1:]:
                    root = "/".join(project.modules[other].path.split("/")[: parts.index(top)])
                    return (
                        f"no imports between the project's own modules were found, yet "
                        f"{facts.path} imports {fact.module!r}, which is {other!r} here: "
                        f'the source roots are wrong. Set src = ["{root}"] in '
                        "[tool.archguard] (the directory that holds the top-level packages)."
                    )
    return None
