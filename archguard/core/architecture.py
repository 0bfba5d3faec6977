"""The architecture as a picture sees it: layers top to bottom, boxes of modules in
them, the imports between boxes, and the import cycles. Plain values, built in the
graph layer and drawn by the reporters."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

#: The inferred layers, top to bottom. A layer may import the layers below it.
LAYERS = ("presentation", "application", "domain", "data", "infrastructure")
#: Modules whose names say nothing about their layer (utils, core, common...).
UNASSIGNED = "unassigned"


def layer_rank(layer: str) -> int | None:
    """0 for the top layer; None for modules outside the layering."""
    return LAYERS.index(layer) if layer in LAYERS else None


class LinkKind(str, Enum):
    #: A layer importing a layer below it, or imports within a layer.
    NORMAL = "normal"
    #: A lower layer importing a higher one (a model importing views).
    UPWARD = "upward"
    #: Both ends sit in one import cycle.
    CYCLE = "cycle"


@dataclass(frozen=True)
class Box:
    """A group of first-party modules drawn as one box: a module, or a package's
    modules that share a layer."""

    name: str
    layer: str
    modules: tuple[str, ...]
    lines: int
    #: Some module in the box is part of an import cycle.
    in_cycle: bool = False


@dataclass(frozen=True)
class Link:
    source: str
    target: str
    #: Module-to-module imports behind the link.
    imports: int
    kind: LinkKind


@dataclass(frozen=True)
class ArchitectureView:
    #: The layers that hold at least one box, top to bottom (UNASSIGNED last).
    layers: tuple[str, ...]
    boxes: tuple[Box, ...]
    links: tuple[Link, ...]
    #: Each import cycle (a strongly connected component), its modules sorted.
    cycles: tuple[tuple[str, ...], ...]
    #: name -> value: modules, edges, largest cycle share, layer coverage.
    metrics: tuple[tuple[str, float | int], ...] = ()
    #: How the boxes group modules: "module" or "package".
    grain: str = "module"
