"""The offline "explainer" picture: a calm palette background, packaged icons and a diagram.

A shot's diagram comes from its words: a process as boxes joined by arrows, a cycle as a ring,
a comparison as two columns, quantities as bars with number callouts, otherwise a group of
icons. The diagram builds up in stages (one element after another), drawn once per stage as a
plate; per frame the camera only eases in a little, so rendering stays well above realtime.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np

from lessonreel.video.colors import RGB
from lessonreel.video.overlay.icons import icon_for, icons_for
from lessonreel.video.overlay.plan import Quantity, ShotVisual
from lessonreel.video.overlay.text import (
    DARK_INK,
    icon_charmap,
    icon_font,
    mix,
    readable_on,
    scaled,
    text_font,
    wrap_text,
)
from lessonreel.video.scene import U8

WHITE: RGB = (255, 255, 255)
TOP = 262
"""The diagram's top row at 720p: below the key-term card (its floor comes from the layout)."""


def vivid(palette: tuple[RGB, ...]) -> tuple[RGB, ...]:
    """The palette ordered most saturated first (greys and creams make poor outlines)."""

    def saturation(c: RGB) -> int:
        return max(c) - min(c)

    return tuple(sorted(palette, key=saturation, reverse=True)) or ((46, 125, 50),)


def _background(visual: ShotVisual, width: int, height: int) -> Any:
    from PIL import Image

    pal = visual.palette
    top = mix(pal[0], WHITE, 0.86)
    bottom = mix(pal[2 % len(pal)], WHITE, 0.78)
    sw, sh = max(8, width // 8), max(8, height // 8)
    ys = np.linspace(0.0, 1.0, sh, dtype=np.float32)[:, None, None]
    xs = np.linspace(0.0, 1.0, sw, dtype=np.float32)[None, :, None]
    a, b = np.array(top, np.float32), np.array(bottom, np.float32)
    grad = a + (b - a) * (0.65 * ys + 0.35 * xs)
    small = Image.fromarray(np.clip(grad, 0, 255).astype(np.uint8), "RGB")
    image = small.resize((width, height), Image.Resampling.BILINEAR)
    from PIL import ImageDraw

    draw = ImageDraw.Draw(image, "RGBA")
    # Two large soft discs in palette colours: depth without noise.
    for k, (fx, fy, fr) in enumerate(((0.9, 0.15, 0.42), (0.05, 0.95, 0.35))):
        color = pal[(k + 1) % len(pal)]
        r = fr * height
        draw.ellipse(
            [fx * width - r, fy * height - r, fx * width + r, fy * height + r], fill=(*color, 34)
        )
    return image


def _node(
    draw: Any,
    box: tuple[float, float, float, float],
    label: str,
    icon: str,
    fill: RGB,
    edge: RGB,
    height: int,
) -> None:
    """A rounded box with an icon on top and its label (dark, bold, ≥40 px) below."""
    x0, y0, x1, y1 = box
    draw.rounded_rectangle(
        box, radius=scaled(22, height), fill=fill, outline=edge, width=scaled(4, height)
    )
    ink = readable_on(DARK_INK, fill)
    glyph = chr(icon_charmap()[icon])
    ifont = icon_font(scaled(64, height))
    iw = ifont.getlength(glyph)
    draw.text(
        ((x0 + x1 - iw) / 2, y0 + scaled(16, height)),
        glyph,
        font=ifont,
        fill=readable_on(edge, fill, 3.0),
    )
    fnt = text_font(scaled(40, height), bold=True)
    lines = wrap_text(label, fnt, x1 - x0 - scaled(20, height), 2)
    y = y0 + scaled(96 if y1 - y0 > scaled(180, height) else 88, height)
    for line in lines:
        draw.text(((x0 + x1 - fnt.getlength(line)) / 2, y), line, font=fnt, fill=ink)
        y += round(fnt.size * 1.2)


def _arrow(
    draw: Any, a: tuple[float, float], b: tuple[float, float], color: RGB, height: int
) -> None:
    width = scaled(8, height)
    draw.line([a, b], fill=color, width=width)
    angle = math.atan2(b[1] - a[1], b[0] - a[0])
    head = scaled(24, height)
    left = (b[0] - head * math.cos(angle - 0.5), b[1] - head * math.sin(angle - 0.5))
    right = (b[0] - head * math.cos(angle + 0.5), b[1] - head * math.sin(angle + 0.5))
    draw.polygon([b, left, right], fill=color)


def _label_width(label: str, height: int) -> float:
    """Width a node needs so its label's longest word fits on one line."""
    fnt = text_font(scaled(40, height), bold=True)
    longest = max((fnt.getlength(w) for w in label.split()), default=0.0)
    whole = fnt.getlength(label)
    return float(max(longest, min(whole, scaled(300, height))) + scaled(36, height))


def _row_boxes(
    labels: list[str], width: int, height: int, gap: float, bottom: int
) -> list[tuple[float, float, float, float]]:
    """Boxes in a row sized to their labels, centred; labels that do not fit are left out."""
    avail = width * 0.88
    widths: list[float] = []
    for label in labels:
        w = max(width * 0.16, _label_width(label, height))
        if sum(widths) + w + gap * len(widths) > avail:
            break
        widths.append(w)
    box_h = scaled(224, height)
    top = (scaled(TOP, height) + bottom - box_h) / 2
    x = (width - sum(widths) - gap * (len(widths) - 1)) / 2
    boxes = []
    for w in widths:
        boxes.append((x, top, x + w, top + box_h))
        x += w + gap
    return boxes


def _stage_elements(visual: ShotVisual, width: int, height: int, bottom: int) -> list[Any]:
    """Drawing steps in reveal order; each is a function of an ImageDraw."""
    pal = vivid(visual.palette)
    edge = mix(pal[0], (0, 0, 0), 0.25)
    labels = list(visual.labels)[:4]
    steps: list[Any] = []
    kind = visual.diagram
    if kind in ("process", "comparison", "group") and labels:
        if kind == "comparison":
            labels = labels[:2]
        gap = width * (0.07 if kind == "process" else 0.14)
        boxes = _row_boxes(labels, width, height, gap, bottom)
        for k, (label, box) in enumerate(zip(labels, boxes, strict=False)):
            icon = icon_for(label, visual)
            color = mix(pal[k % len(pal)], WHITE, 0.8)
            steps.append(
                partial(
                    _node, box=box, label=label, icon=icon, fill=color, edge=edge, height=height
                )
            )
            if k + 1 < len(boxes):
                nxt = boxes[k + 1]
                mid = (box[1] + box[3]) / 2
                if kind == "group":
                    continue
                if kind == "process":
                    a, b = (box[2] + scaled(8, height), mid), (nxt[0] - scaled(8, height), mid)
                    steps.append(partial(_arrow, a=a, b=b, color=edge, height=height))
                else:
                    steps.append(
                        partial(_versus, x=(box[2] + nxt[0]) / 2, y=mid, color=edge, height=height)
                    )
    elif kind == "cycle" and len(labels) >= 3:
        steps += _ring(visual, labels, width, height, bottom, pal, edge)
    elif kind == "quantities" and visual.quantities:
        steps += _bars(visual.quantities, width, height, bottom, pal, edge)
    else:
        icons = icons_for(visual.words, visual.subject, 1 if visual.role == "title" else 3)
        n = len(icons)
        y = (scaled(TOP, height) + bottom) / 2
        for k in sorted(range(n), key=lambda k: abs(k - (n - 1) / 2)):  # centre icon first
            x = width * (0.5 + (k - (n - 1) / 2) * 0.24)
            big = k == (n - 1) // 2
            r = min(scaled(120 if big else 84, height), (bottom - scaled(TOP, height)) / 2)
            color = pal[k % len(pal)]
            steps.append(
                partial(_medallion, x=x, y=y, r=r, icon=icons[k], color=color, height=height)
            )
    return steps


RING_SLOTS = {
    3: ((0.5, 0), (0.72, 1), (0.28, 1)),
    4: ((0.3, 0), (0.7, 0), (0.7, 1), (0.3, 1)),
}
"""Where a cycle's stages sit (fraction of the width, row): clockwise from the top left."""


def _chip(
    draw: Any,
    box: tuple[float, float, float, float],
    label: str,
    icon: str,
    fill: RGB,
    edge: RGB,
    height: int,
) -> None:
    """A low rounded box: the icon left of its label (dark, bold, 40 px), for two-row diagrams."""
    x0, y0, _, y1 = box
    draw.rounded_rectangle(
        box, radius=scaled(22, height), fill=fill, outline=edge, width=scaled(4, height)
    )
    glyph = chr(icon_charmap()[icon])
    ifont, fnt = icon_font(scaled(48, height)), text_font(scaled(40, height), bold=True)
    pad = scaled(18, height)
    gb = draw.textbbox((0, 0), glyph, font=ifont)
    cy = (y0 + y1) / 2
    draw.text(
        (x0 + pad - gb[0], cy - (gb[1] + gb[3]) / 2),
        glyph,
        font=ifont,
        fill=readable_on(edge, fill, 3.0),
    )
    tb = draw.textbbox((0, 0), label, font=fnt)
    draw.text(
        (x0 + 2 * pad + (gb[2] - gb[0]) - tb[0], cy - (tb[1] + tb[3]) / 2),
        label,
        font=fnt,
        fill=readable_on(DARK_INK, fill),
    )


def _exit(box: tuple[float, float, float, float], toward: tuple[float, float], gap: float) -> Any:
    """Where the line from ``box``'s centre toward a point leaves the box, ``gap`` beyond it."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    dx, dy = toward[0] - cx, toward[1] - cy
    hw, hh = (box[2] - box[0]) / 2 + gap, (box[3] - box[1]) / 2 + gap
    t = min(hw / abs(dx) if dx else math.inf, hh / abs(dy) if dy else math.inf)
    return (cx + dx * t, cy + dy * t)


def _ring(
    visual: ShotVisual,
    labels: list[str],
    width: int,
    height: int,
    bottom: int,
    pal: tuple[RGB, ...],
    edge: RGB,
) -> list[Any]:
    """A cycle: its stages in order round a loop (two rows), each joined to the next by an arrow."""
    labels = labels[: max(RING_SLOTS)]
    slots = RING_SLOTS[len(labels)]
    top, chip_h = scaled(TOP, height), scaled(96, height)
    rows = (top + chip_h / 2 + scaled(8, height), bottom - chip_h / 2 - scaled(8, height))
    ifont, fnt = icon_font(scaled(48, height)), text_font(scaled(40, height), bold=True)
    boxes = []
    for label, (fx, row) in zip(labels, slots, strict=True):
        glyph = ifont.getbbox(chr(icon_charmap()[icon_for(label, visual)]))
        w = fnt.getlength(label) + glyph[2] - glyph[0] + scaled(4 * 18, height)
        x, y = fx * width, rows[row]
        boxes.append((x - w / 2, y - chip_h / 2, x + w / 2, y + chip_h / 2))
    steps: list[Any] = []
    n = len(boxes)
    for k, (label, box) in enumerate(zip(labels, boxes, strict=True)):
        fill = mix(pal[k % len(pal)], WHITE, 0.8)
        steps.append(
            partial(
                _chip,
                box=box,
                label=label,
                icon=icon_for(label, visual),
                fill=fill,
                edge=edge,
                height=height,
            )
        )
        nxt = boxes[(k + 1) % n]
        here = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        there = ((nxt[0] + nxt[2]) / 2, (nxt[1] + nxt[3]) / 2)
        gap = scaled(12, height)
        a, b = _exit(box, there, gap), _exit(nxt, here, gap)
        steps.append(partial(_arrow, a=a, b=b, color=edge, height=height))
    return steps


def _versus(draw: Any, x: float, y: float, color: RGB, height: int) -> None:
    fnt = text_font(scaled(48, height), bold=True)
    draw.text((x - fnt.getlength("vs") / 2, y - fnt.size * 0.6), "vs", font=fnt, fill=color)


def _medallion(draw: Any, x: float, y: float, r: float, icon: str, color: RGB, height: int) -> None:
    draw.ellipse(
        [x - r, y - r, x + r, y + r],
        fill=mix(color, WHITE, 0.25),
        outline=WHITE,
        width=scaled(6, height),
    )
    glyph = chr(icon_charmap()[icon])
    fnt = icon_font(round(r * 1.05))
    bbox = draw.textbbox((0, 0), glyph, font=fnt)
    draw.text(
        (x - (bbox[0] + bbox[2]) / 2, y - (bbox[1] + bbox[3]) / 2), glyph, font=fnt, fill=WHITE
    )


def _bars(
    quantities: tuple[Quantity, ...],
    width: int,
    height: int,
    base: int,
    pal: tuple[RGB, ...],
    edge: RGB,
) -> list[Any]:
    top = scaled(TOP + 60, height)
    n = len(quantities)
    bar_w = width * 0.12
    gap = width * 0.08
    x0 = (width - n * bar_w - (n - 1) * gap) / 2
    peak = max(q.value for q in quantities) or 1.0
    fnt = text_font(scaled(44, height), bold=True)
    steps: list[Any] = []
    for k, q in enumerate(quantities):
        x = x0 + k * (bar_w + gap)
        h = max(scaled(12, height), (base - top) * q.value / peak)
        color = pal[k % len(pal)]
        label = f"{q.text}{'' if q.unit == '%' else ' '}{q.unit}".strip()

        def step(
            d: Any, x: float = x, h: float = h, color: RGB = color, label: str = label
        ) -> None:
            d.rounded_rectangle(
                [x, base - h, x + bar_w, base],
                radius=scaled(10, height),
                fill=color,
                outline=edge,
                width=scaled(3, height),
            )
            tx = x + bar_w / 2 - fnt.getlength(label) / 2
            d.text(
                (tx, base - h - fnt.size * 1.25),
                label,
                font=fnt,
                fill=readable_on(DARK_INK, mix(pal[0], WHITE, 0.86)),
            )

        steps.append(step)
    return steps


def explainer_plates(visual: ShotVisual, width: int, height: int, *, bottom: int) -> list[U8]:
    """The shot's plates, one per build stage; the last shows the whole diagram above ``bottom``."""
    from PIL import ImageDraw

    base = _background(visual, width, height)
    plates = [np.asarray(base, dtype=np.uint8)]
    steps = [] if visual.role != "teach" else _stage_elements(visual, width, height, bottom)
    image = base.copy()
    draw = ImageDraw.Draw(image, "RGBA")
    for step in steps:
        step(draw)
        plates.append(np.asarray(image, dtype=np.uint8).copy())
    return plates
