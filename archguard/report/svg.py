"""The architecture picture as inline SVG: layers as horizontal bands top to bottom,
boxes of modules inside them, imports as arrows. Upward imports are red and import
cycles orange. Drawn by hand so that the report needs neither Graphviz nor a script."""

from __future__ import annotations

from html import escape

from archguard.core.architecture import ArchitectureView, Box, LinkKind

WIDTH = 1120
LABEL = 140
BOX_W, BOX_H, GAP = 176, 46, 14
PAD = 16
TOP = 30
#: Beyond this many boxes the smallest are left out of the picture (and said so).
MAX_BOXES = 150

_LAYER_FILL = {
    "presentation": "#e8f1fb",
    "application": "#eaf6ec",
    "domain": "#fdf6e3",
    "data": "#f3ecf9",
    "infrastructure": "#eef0f2",
    "unassigned": "#f7f7f7",
}
_LINK_STYLE = {
    LinkKind.NORMAL: ("#8a94a6", "0.45", "1.2", ""),
    LinkKind.CYCLE: ("#e07b00", "0.9", "2", "6 4"),
    LinkKind.UPWARD: ("#d1242f", "0.95", "2.4", ""),
}


def _short(name: str, limit: int = 22) -> str:
    if len(name) <= limit:
        return name
    return "…" + name[-(limit - 1) :]


def _kept_boxes(view: ArchitectureView) -> list[Box]:
    if len(view.boxes) <= MAX_BOXES:
        return list(view.boxes)
    biggest = sorted(view.boxes, key=lambda b: (-b.lines, b.name))[:MAX_BOXES]
    return sorted(biggest, key=lambda b: b.name)


def render(view: ArchitectureView) -> str:
    boxes = _kept_boxes(view)
    per_row = max(1, (WIDTH - LABEL - PAD) // (BOX_W + GAP))
    places: dict[str, tuple[float, float]] = {}
    band_of: dict[str, int] = {}
    parts: list[str] = []
    # Room above the first band for the arcs between boxes of one row.
    y = float(TOP)
    for index, layer in enumerate(view.layers):
        members = [b for b in boxes if b.layer == layer]
        if not members:
            continue
        rows = (len(members) + per_row - 1) // per_row
        height = rows * (BOX_H + GAP) + GAP
        fill = _LAYER_FILL.get(layer, "#f7f7f7")
        parts.append(
            f'<g class="band" data-layer="{escape(layer)}">'
            f'<rect x="0" y="{y:.0f}" width="{WIDTH}" height="{height:.0f}" fill="{fill}" '
            f'stroke="#d0d7de"/>'
            f'<text x="12" y="{y + 24:.0f}" class="band-label">{escape(layer)}</text></g>'
        )
        for position, box in enumerate(members):
            row, col = divmod(position, per_row)
            places[box.name] = (float(LABEL + col * (BOX_W + GAP)), y + GAP + row * (BOX_H + GAP))
            band_of[box.name] = index
        y += height
    total_height = max(y, 40.0)

    links = sorted(
        (link for link in view.links if link.source in places and link.target in places),
        key=lambda link: (list(LinkKind).index(link.kind), link.source, link.target),
    )
    drawn_links = []
    for link in links:
        (sx, sy), (tx, ty) = places[link.source], places[link.target]
        colour, opacity, width, dash = _LINK_STYLE[link.kind]
        x1, x2 = sx + BOX_W / 2, tx + BOX_W / 2
        if band_of[link.source] < band_of[link.target] or (
            band_of[link.source] == band_of[link.target] and sy < ty
        ):
            y1, y2 = sy + BOX_H, ty
        elif band_of[link.source] > band_of[link.target] or sy > ty:
            y1, y2 = sy, ty + BOX_H
        else:  # same row: arc over the boxes
            y1 = y2 = sy
        bend = max(24.0, abs(y2 - y1) / 2)
        c1 = y1 + (bend if y2 > y1 else -bend)
        c2 = y2 - (bend if y2 > y1 else -bend) if y2 != y1 else y1 - bend
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        plural = "s" if link.imports != 1 else ""
        title = f"{link.source} → {link.target} ({link.imports} import{plural})"
        drawn_links.append(
            f'<path class="link link-{link.kind.value}" d="M{x1:.0f},{y1:.0f} C{x1:.0f},{c1:.0f} '
            f'{x2:.0f},{c2:.0f} {x2:.0f},{y2:.0f}" fill="none" stroke="{colour}" '
            f'stroke-opacity="{opacity}" stroke-width="{width}"{dash_attr} '
            f'marker-end="url(#arrow-{link.kind.value})"><title>{escape(title)}</title></path>'
        )

    drawn_boxes = []
    for box in boxes:
        if box.name not in places:
            continue
        bx, by = places[box.name]
        stroke, stroke_width = ("#e07b00", 2.5) if box.in_cycle else ("#57606a", 1)
        detail = (
            f"{box.lines} lines"
            if len(box.modules) == 1
            else f"{len(box.modules)} modules · {box.lines} lines"
        )
        tooltip = "\n".join(box.modules)
        drawn_boxes.append(
            f'<g class="box{" box-cycle" if box.in_cycle else ""}" data-name="{escape(box.name)}">'
            f"<title>{escape(tooltip)}</title>"
            f'<rect x="{bx:.0f}" y="{by:.0f}" width="{BOX_W}" height="{BOX_H}" rx="6" '
            'fill="#ffffff" '
            f'stroke="{stroke}" stroke-width="{stroke_width}"/>'
            f'<text x="{bx + 8:.0f}" y="{by + 19:.0f}" class="box-name">'
            f"{escape(_short(box.name))}</text>"
            f'<text x="{bx + 8:.0f}" y="{by + 36:.0f}" class="box-detail">'
            f"{escape(detail)}</text></g>"
        )

    markers = "".join(
        f'<marker id="arrow-{kind.value}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{style[0]}"/></marker>'
        for kind, style in _LINK_STYLE.items()
    )
    return (
        f'<svg class="architecture" role="img" '
        f'aria-label="Module layers and imports" viewBox="0 0 {WIDTH} {total_height:.0f}" '
        f'width="{WIDTH}" height="{total_height:.0f}"><defs>{markers}</defs>'
        + "".join(parts)
        + "".join(drawn_links)
        + "".join(drawn_boxes)
        + "</svg>"
    )


def omitted(view: ArchitectureView) -> int:
    """How many boxes the picture leaves out."""
    return max(0, len(view.boxes) - MAX_BOXES)
