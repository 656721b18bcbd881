"""Timed overlay bands for one shot: title card, key-term cards, labels, equation, recap, captions.

Every band is a full-width RGBA strip drawn once with Pillow; text sits on a nearly opaque panel
inside the title-safe area, so its contrast holds over any footage. Each band records the text
lines it drew (:class:`TextLine`), which is what the readability tests measure on real frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lessonreel.video.colors import RGB
from lessonreel.video.overlay.cards import TERM_MIN_SECONDS
from lessonreel.video.overlay.equation import render_equation
from lessonreel.video.overlay.icons import icons_for
from lessonreel.video.overlay.plan import ShotVisual
from lessonreel.video.overlay.text import (
    INK,
    PANEL,
    PANEL_ALPHA,
    SAFE_MARGIN,
    icon_charmap,
    icon_font,
    readable_on,
    scaled,
    text_font,
    wrap_text,
)
from lessonreel.video.scene import U8

FADE_SECONDS = 0.3
"""Bands fade and slide in over this long."""


@dataclass(frozen=True)
class TextLine:
    """One drawn line of text: where it is in the frame, its pixel size and ink colour."""

    text: str
    box: tuple[int, int, int, int]
    size: int
    ink: RGB


@dataclass
class Band:
    """An RGBA strip shown from ``start`` to ``end`` seconds at row ``y0`` of the frame."""

    start: float
    end: float
    y0: int
    rgba: U8
    kind: str
    lines: list[TextLine] = field(default_factory=list)


class _Canvas:
    """A full-width transparent strip with a panel and text lines, in frame coordinates."""

    def __init__(self, width: int, height: int, frame_h: int) -> None:
        from PIL import Image, ImageDraw

        self.width, self.height, self.frame_h = width, height // 2 * 2 + 2, frame_h
        self.image = Image.new("RGBA", (width, self.height), (0, 0, 0, 0))
        self.draw = ImageDraw.Draw(self.image)
        self.lines: list[TextLine] = []

    def panel(self, x0: int, x1: int, top: int = 0, bottom: int | None = None) -> None:
        bottom = self.height - 1 if bottom is None else bottom
        # Pillow's boxes include their last pixel: keep it inside the safe area.
        x0 = max(x0, round(self.width * SAFE_MARGIN))
        x1 = min(x1, self.width - round(self.width * SAFE_MARGIN) - 1)
        radius = scaled(18, self.frame_h)
        self.draw.rounded_rectangle(
            [x0, top, x1, bottom], radius=radius, fill=(*PANEL, PANEL_ALPHA)
        )

    def text(self, xy: tuple[float, float], text: str, fnt: Any, ink: RGB) -> None:
        x, y = xy
        self.draw.text((x, y), text, font=fnt, fill=(*ink, 255))
        left, top, right, bottom = self.draw.textbbox((x, y), text, font=fnt)
        self.lines.append(
            TextLine(text, (int(left), int(top), int(right), int(bottom)), fnt.size, ink)
        )

    def band(self, start: float, end: float, y0: int, kind: str) -> Band:
        y0 = y0 // 2 * 2
        lines = [
            TextLine(t.text, (t.box[0], t.box[1] + y0, t.box[2], t.box[3] + y0), t.size, t.ink)
            for t in self.lines
        ]
        return Band(start, end, y0, np.asarray(self.image, dtype=np.uint8), kind, lines)


def _safe(width: int, height: int) -> tuple[int, int, int, int]:
    mx, my = round(width * SAFE_MARGIN), round(height * SAFE_MARGIN)
    return mx, my, width - mx, height - my


def accent(visual: ShotVisual) -> RGB:
    """The palette colour used for headings, made readable on the panel."""
    return readable_on(visual.palette[1 % len(visual.palette)], PANEL)


def term_card(
    term: str, definition: str, visual: ShotVisual, size: tuple[int, int], span: tuple[float, float]
) -> Band:
    """The key term in large type and its one-line definition, top left of the safe area."""
    width, height = size
    x0, y0, x1, _ = _safe(width, height)
    pad = scaled(22, height)
    head, body = text_font(scaled(58, height), bold=True), text_font(scaled(42, height))
    max_w = x1 - x0 - 2 * pad
    head_lines = wrap_text(term[:1].upper() + term[1:], head, max_w, 1)
    body_lines = wrap_text(definition, body, max_w, 2) if definition else []
    line_h, body_h = round(head.size * 1.2), round(body.size * 1.25)
    total = 2 * pad + line_h * len(head_lines) + body_h * len(body_lines)
    canvas = _Canvas(width, total, height)
    used = max([head.getlength(s) for s in head_lines] + [body.getlength(s) for s in body_lines])
    canvas.panel(x0, min(x1, round(x0 + used + 2 * pad)))
    y = pad
    for line in head_lines:
        canvas.text((x0 + pad, y), line, head, accent(visual))
        y += line_h
    for line in body_lines:
        canvas.text((x0 + pad, y), line, body, INK)
        y += body_h
    return canvas.band(span[0], span[1], y0, "term")


def title_card(
    visual: ShotVisual, size: tuple[int, int], span: tuple[float, float], *, icon: bool = True
) -> Band:
    """The lesson title in the largest type, under the subject's icon, centred."""
    width, height = size
    x0, _, x1, _ = _safe(width, height)
    pad = scaled(30, height)
    for px in (72, 62, 54):  # the largest size at which the title fits in two lines
        head = text_font(scaled(px, height), bold=True)
        lines = wrap_text(visual.title, head, x1 - x0 - 2 * pad, 2)
        if not lines[-1].endswith("…"):
            break
    else:
        lines = wrap_text(visual.title, head, x1 - x0 - 2 * pad, 3)
    line_h = round(head.size * 1.2)
    glyph_font = icon_font(scaled(76, height))
    glyph = chr(icon_charmap()[icons_for(visual.words, visual.subject, 1)[0]])
    icon_h = scaled(96, height) if icon else 0
    canvas = _Canvas(width, 2 * pad + icon_h + line_h * len(lines), height)
    used = max(head.getlength(s) for s in lines)
    left = round((width - used) / 2 - pad)
    canvas.panel(left, width - left)
    if icon:
        canvas.draw.text(
            ((width - glyph_font.getlength(glyph)) / 2, pad),
            glyph,
            font=glyph_font,
            fill=accent(visual),
        )
    for k, line in enumerate(lines):
        y = pad + icon_h + k * line_h
        canvas.text(((width - head.getlength(line)) / 2, y), line, head, INK)
    top = (height - canvas.height) // 2
    return canvas.band(span[0], span[1], top, "title")


def recap_card(
    visual: ShotVisual, size: tuple[int, int], span: tuple[float, float], bottom: int
) -> Band:
    """'What we learned' and the objectives as bullets, as many as fit above ``bottom``."""
    width, height = size
    x0, y0, x1, _ = _safe(width, height)
    pad = scaled(26, height)
    head, body = text_font(scaled(56, height), bold=True), text_font(scaled(40, height))
    line_h, body_h = round(head.size * 1.3), round(body.size * 1.25)
    bullet = body.getlength("•  ")
    max_w = x1 - x0 - 2 * pad - bullet
    words_font = text_font(scaled(40, height), bold=True)
    key_words = wrap_text(" · ".join(visual.labels), words_font, x1 - x0 - 2 * pad, 3)
    words_h = len(key_words) * body_h + (pad if key_words else 0)
    room = bottom - y0 - 2 * pad - line_h - words_h
    items: list[list[str]] = []
    for objective in visual.recap:
        lines = wrap_text(objective[:1].upper() + objective[1:], body, max_w, 2)
        if (sum(map(len, items)) + len(lines)) * body_h + len(items) * pad // 2 > room:
            break
        items.append(lines)
    total = 2 * pad + line_h + sum(len(i) for i in items) * body_h + len(items) * pad // 2
    canvas = _Canvas(width, total + words_h, height)
    canvas.panel(x0, x1)
    canvas.text((x0 + pad, pad), "What we learned", head, accent(visual))
    y = pad + line_h
    for lines in items:
        canvas.text((x0 + pad, y), "•", body, accent(visual))
        for line in lines:
            canvas.text((x0 + pad + bullet, y), line, body, INK)
            y += body_h
        y += pad // 2
    y += pad // 2 if key_words else 0
    for line in key_words:
        canvas.text((x0 + pad, y), line, words_font, accent(visual))
        y += body_h
    return canvas.band(span[0], span[1], y0, "recap")


def equation_card(
    latex: str, visual: ShotVisual, size: tuple[int, int], span: tuple[float, float], top: int
) -> Band | None:
    """The equation typeset by matplotlib's mathtext, centred on a panel at row ``top``."""
    width, height = size
    x0, _, x1, _ = _safe(width, height)
    pad = scaled(18, height)
    image = render_equation(latex, scaled(48, height), INK, max_width=x1 - x0 - 2 * pad)
    if image is None:
        return None
    canvas = _Canvas(width, image.height + 2 * pad, height)
    left = (width - image.width) // 2
    canvas.panel(left - pad, left + image.width + pad)
    canvas.image.alpha_composite(image, (left, pad))
    box = (left, pad, left + image.width, pad + image.height)
    canvas.lines.append(TextLine(latex, box, scaled(48, height), INK))
    return canvas.band(span[0], span[1], top, "equation")


def label_chips(
    labels: tuple[str, ...],
    visual: ShotVisual,
    size: tuple[int, int],
    span: tuple[float, float],
    top: int,
) -> Band:
    """Short callouts as a centred row of chips (over footage; the explainer draws its own)."""
    width, height = size
    x0, _, x1, _ = _safe(width, height)
    pad, gap = scaled(16, height), scaled(14, height)
    fnt = text_font(scaled(40, height), bold=True)
    chips: list[str] = []
    used = 0.0
    for label in labels:
        w = fnt.getlength(label) + 2 * pad
        if used + w + (gap if chips else 0) > x1 - x0:
            break
        chips.append(label)
        used += w + (gap if len(chips) > 1 else 0)
    canvas = _Canvas(width, round(fnt.size * 1.25) + 2 * pad, height)
    x = (width - used) / 2
    for label in chips:
        w = fnt.getlength(label) + 2 * pad
        canvas.panel(round(x), round(x + w))
        canvas.text((x + pad, pad * 0.8), label, fnt, accent(visual))
        x += w + gap
    return canvas.band(span[0], span[1], top, "labels")


def caption_card(text: str, size: tuple[int, int], span: tuple[float, float]) -> Band:
    """A burned-in caption: two lines at most, centred at the bottom of the safe area."""
    width, height = size
    x0, _, x1, y1 = _safe(width, height)
    pad = scaled(12, height)
    fnt = text_font(scaled(40, height))
    lines = wrap_text(text, fnt, x1 - x0 - 2 * pad, 2)
    line_h = round(fnt.size * 1.25)
    canvas = _Canvas(width, 2 * pad + line_h * len(lines), height)
    used = max(fnt.getlength(s) for s in lines)
    left = round((width - used) / 2 - pad)
    canvas.panel(left, width - left)
    for k, line in enumerate(lines):
        canvas.text(((width - fnt.getlength(line)) / 2, pad + k * line_h), line, fnt, INK)
    return canvas.band(span[0], span[1], y1 - canvas.height, "caption")


def term_spans(start: float, end: float, count: int) -> list[tuple[float, float]]:
    """Equal slices of [start, end] for ``count`` cards, each at least TERM_MIN_SECONDS."""
    if count <= 0 or end <= start:
        return []
    count = max(1, min(count, int((end - start) // TERM_MIN_SECONDS) or 1))
    step = (end - start) / count
    return [(start + k * step, start + (k + 1) * step) for k in range(count)]


def _moved(band: Band, y0: int) -> Band:
    """``band`` placed with its top at row ``y0`` (even), its text boxes moved with it."""
    y0 = max(0, y0) // 2 * 2
    dy = y0 - band.y0
    band.lines = [
        TextLine(t.text, (t.box[0], t.box[1] + dy, t.box[2], t.box[3] + dy), t.size, t.ink)
        for t in band.lines
    ]
    band.y0 = y0
    return band


@dataclass
class ShotLayout:
    """The bands of a shot and the lowest row the explainer's diagram may use."""

    bands: list[Band]
    diagram_bottom: int


def _term_bands(visual: ShotVisual, size: tuple[int, int], lead: float) -> list[Band]:
    """The shot's key-term cards: at their scheduled times, else sharing the shot evenly."""
    if visual.cards is not None:
        return [
            term_card(c.term, c.definition, visual, size, (c.start, c.end)) for c in visual.cards
        ]
    spans = term_spans(lead, visual.seconds, len(visual.terms))
    return [
        term_card(t, d, visual, size, s) for (t, d), s in zip(visual.terms, spans, strict=False)
    ]


def caption_zone(size: tuple[int, int]) -> int:
    """The top row of the caption zone: two caption lines at the bottom of the safe area.

    Kept free on every shot: burned-in captions go there, and players draw soft subtitles there.
    """
    _, _, _, y1 = _safe(*size)
    two_lines = int(caption_card("M " * 200, size, (0.0, 0.0)).rgba.shape[0])
    return y1 - two_lines - scaled(12, size[1])


def shot_bands(
    visual: ShotVisual,
    size: tuple[int, int],
    *,
    explainer: bool,
    captions: list[tuple[float, float, str]] | None = None,
) -> ShotLayout:
    """Every band of a shot, timed in shot seconds; ``captions`` are burned in when given.

    Zones never overlap: key-term cards (or the title) on top, the diagram in the middle, then
    the equation, then the caption zone at the bottom of the safe area (kept free for soft
    subtitles too, which players draw there).
    """
    width, height = size
    _, y0, _, _ = _safe(width, height)
    gap = scaled(12, height)
    seconds = visual.seconds
    bands: list[Band] = []
    burned = [caption_card(text, size, (a, b)) for a, b, text in captions or [] if text.strip()]
    low = min([caption_zone(size), *(b.y0 - gap for b in burned)])
    lead = 0.2
    if visual.role == "title" and visual.title:
        # The title holds the middle for the whole shot; key terms appear above it from 1 s.
        lead = min(1.0, seconds / 4)
        cards = _term_bands(visual, size, lead)
        top = max((c.y0 + c.rgba.shape[0] + gap for c in cards), default=y0)
        title = title_card(visual, size, (0.2, seconds))
        if title.rgba.shape[0] > low - top:
            title = title_card(visual, size, (0.2, seconds), icon=False)
        bands += [*cards, _moved(title, max(top, (top + low - title.rgba.shape[0]) // 2))]
    elif visual.role == "recap" and visual.recap:
        bands.append(recap_card(visual, size, (lead, seconds), low))
    else:
        bands += _term_bands(visual, size, lead)
    if visual.equation and visual.role != "recap":
        card = equation_card(visual.equation, visual, size, (max(lead, seconds * 0.3), seconds), 0)
        if card is not None:
            bands.append(_moved(card, low - card.rgba.shape[0]))
            low = bands[-1].y0 - gap
    if visual.labels and not explainer and visual.role == "teach":
        chips = label_chips(visual.labels, visual, size, (max(lead, seconds * 0.2), seconds), 0)
        bands.append(_moved(chips, low - chips.rgba.shape[0]))
        low = bands[-1].y0 - gap
    return ShotLayout([*bands, *burned], low)
