"""Which layer each module is in, declared or inferred, and which imports break it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from archguard.config.settings import LayerContract
from archguard.core.architecture import LAYERS, UNASSIGNED
from archguard.graph.layers import infer_layers, layer_of_name
from archguard.graph.project import Project

INFERRED_SOURCE = "layers inferred from module names"


@dataclass(frozen=True)
class Placement:
    #: 0 for the top level.
    level: int
    #: Which sibling within the level.
    sibling: int
    label: str
    #: The container this module's layers repeat in ("" for a contract without them).
    container: str = ""


@dataclass(frozen=True)
class Layering:
    declared: bool
    #: Where it comes from, for messages.
    source: str
    #: Each level's label, top to bottom (siblings joined by " | ").
    levels: tuple[str, ...]
    placement: dict[str, Placement]
    independent: tuple[bool, ...]

    def violation(self, importer: str, imported: str) -> str | None:
        """Why importing ``imported`` from ``importer`` breaks the layering, or None."""
        low, high = self.placement.get(importer), self.placement.get(imported)
        if low is None or high is None or low.container != high.container:
            return None
        if high.level < low.level:
            return f"{low.label} (a lower layer) imports {high.label} (a higher layer)"
        if high.level == low.level and high.sibling != low.sibling and self.independent[low.level]:
            return f"{low.label} and {high.label} are independent layers"
        return None


def layerings(project: Project, modules: set[str], strict: bool = True) -> list[Layering]:
    """The declared layerings, or the inferred one when none is declared. Rules check
    imports against layers inferred on strong evidence only (``strict``); pictures and
    metrics describe the code with every telling name."""
    contracts = project.settings.layer_contracts
    if contracts:
        return [_declared(contract, modules) for contract in contracts]
    return [inferred_layering(project, modules, strict)]


def inferred_layering(project: Project, modules: set[str], strict: bool = False) -> Layering:
    layers = infer_layers({m: project.modules[m] for m in modules}, strict)
    if not strict:
        placement = {
            m: Placement(LAYERS.index(layer), 0, layer)
            for m, layer in layers.items()
            if layer != UNASSIGNED
        }
        return Layering(False, INFERRED_SOURCE, LAYERS, placement, tuple(True for _ in LAYERS))
    # For findings, domain and data share a level and may import each other: a
    # repository that returns domain entities is the clean-architecture direction, a
    # domain model that loads through a repository the n-tier one, and names cannot
    # tell which design the project follows.
    levels = ("presentation", "application", "domain : data", "infrastructure")
    level_of = {"presentation": 0, "application": 1, "domain": 2, "data": 2, "infrastructure": 3}
    placement = {
        m: Placement(level_of[layer], int(layer == "data"), layer)
        for m, layer in layers.items()
        if layer != UNASSIGNED
    }
    return Layering(False, INFERRED_SOURCE, levels, placement, (True, True, False, True))


def _declared(contract: LayerContract, modules: set[str]) -> Layering:
    containers = _expand(contract.containers, modules) if contract.containers else [""]
    placement: dict[str, Placement] = {}
    best: dict[str, int] = {}  # the longest matching prefix wins
    for container in containers:
        for level, group in enumerate(contract.levels):
            for sibling, layer in enumerate(group.layers):
                for prefix in layer.modules:
                    full = f"{container}.{prefix}" if container else prefix
                    for module in modules:
                        if (module == full or module.startswith(full + ".")) and len(
                            full
                        ) > best.get(module, -1):
                            best[module] = len(full)
                            placement[module] = Placement(level, sibling, layer.label, container)
    labels = tuple(" | ".join(layer.label for layer in group.layers) for group in contract.levels)
    source = contract.source + (f" ({contract.name})" if contract.name else "")
    return Layering(True, source, labels, placement, tuple(g.independent for g in contract.levels))


def _expand(patterns: tuple[str, ...], modules: set[str]) -> list[str]:
    """Container globs over module paths: ``shop.*`` is every direct subpackage of shop."""
    prefixes = {".".join(m.split(".")[:i]) for m in modules for i in range(1, m.count(".") + 2)}
    out: set[str] = set()
    for pattern in patterns:
        regex = re.compile(re.escape(pattern).replace(r"\*", r"[^.]+"))
        out.update(p for p in prefixes if regex.fullmatch(p))
    return sorted(out)


def inferred_order(project: Project) -> list[str]:
    """The inferred layering written as a declared ``order``: for each layer, top to
    bottom, the module prefixes that hold it (up to the segment that names the
    layer), joined by " : " because inferred layers say nothing about siblings."""
    from archguard.graph.structure import architecture_modules  # imports networkx

    modules = architecture_modules(project)
    layering = inferred_layering(project, modules)
    prefixes: dict[int, set[str]] = {}
    for module, place in layering.placement.items():
        prefixes.setdefault(place.level, set()).add(_telling_prefix(module))
    order = []
    for level in sorted(prefixes):
        names = sorted(prefixes[level])
        # A prefix inside another of the same layer adds nothing.
        kept = [n for n in names if not any(n.startswith(o + ".") for o in names)]
        order.append(" : ".join(kept))
    return order


def _telling_prefix(module: str) -> str:
    parts = module.split(".")
    for index in range(len(parts)):
        if layer_of_name(parts[index]) is not None:
            return ".".join(parts[: index + 1])
    return module
