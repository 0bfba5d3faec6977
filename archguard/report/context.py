"""The one reporter protocol: ``render(report, context) -> str``.

Every output format is a module of this package with a ``render`` function of that
shape. What one format needs beyond the report (source excerpts and the architecture
picture for HTML, colour for the terminal) travels in the context, so the CLI treats
every format alike.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from archguard.core.architecture import ArchitectureView
from archguard.core.report import ScanReport
from archguard.core.routes import Route

Style = Callable[..., str]


def plain(text: str, **_: object) -> str:
    """The style of output that is not a terminal: no colour, no bold."""
    return text


@dataclass(frozen=True)
class RenderContext:
    #: Path -> bytes of every file read, for code excerpts.
    sources: Mapping[str, bytes] = field(default_factory=dict)
    #: The architecture picture and route inventory an audit draws (HTML only).
    architecture: ArchitectureView | None = None
    routes: tuple[Route, ...] = ()
    #: The project's name, for titles.
    title: str = ""
    #: ``click.style`` on a terminal; ``plain`` elsewhere.
    style: Style = plain
    #: Findings only: no fixes, no summary (text only).
    quiet: bool = False
    #: Counts per rule after the findings (text only).
    statistics: bool = False


Reporter = Callable[[ScanReport, RenderContext], str]

#: Format name -> module of this package. Imported on use: SARIF's libraries take as
#: long to import as a warm scan takes to run.
FORMATS = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "github": "github",
    "html": "html",
}
#: Formats that draw more than the report and need the audit's project pass.
NEEDS_AUDIT = frozenset({"html"})


def reporter(fmt: str) -> Reporter:
    render: Reporter = importlib.import_module(f"archguard.report.{FORMATS[fmt]}").render
    return render
