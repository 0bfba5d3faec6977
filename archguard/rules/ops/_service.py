"""Service-level facts for the repo-level operational rules: whether the project
serves HTTP and where its app is declared."""

from __future__ import annotations

from archguard.core.findings import Location
from archguard.graph.project import Project
from archguard.scan.context import is_test_path
from archguard.web.routes import route_inventory


def app_location(project: Project) -> tuple[Location, str] | None:
    """Where the web app is declared, and its framework; None when the project
    serves no route or declares no app. Preference: an app object named ``app``, any
    app object, then a Django settings module with ROOT_URLCONF."""
    routes = route_inventory(project).routes
    if not routes:
        return None
    apps = [
        (not router.name.endswith(".app"), facts.path, router.line, router.kind)
        for facts in project.modules.values()
        if facts.web is not None and not is_test_path(facts.path)
        for router in facts.web.routers
        if router.kind.endswith("-app")
    ]
    if apps:
        # The app named ``app`` is the main one; a sub-app such as ``admin_app`` is not.
        _, path, line, kind = min(apps)
        return Location(path, line, 1, line, 1), kind.split("-")[0]
    for name in sorted(project.modules):
        facts = project.modules[name]
        if facts.web is None:
            continue
        for setting in facts.web.settings:
            if setting.name == "ROOT_URLCONF":
                return Location(facts.path, setting.line, 1, setting.line, 1), "django"
    # Routes with no app and no Django settings: a library or a fragment, not a service.
    return None
