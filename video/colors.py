"""Colour names to RGB, so a shot's "Palette:" line (or colour words in free text) sets the look.

Unknown names still get a stable colour (hash of the name), so any prompt renders and the same
prompt always renders the same way.
"""

from __future__ import annotations

import hashlib
import re

RGB = tuple[int, int, int]

COLOR_TABLE: dict[str, RGB] = {
    "black": (18, 18, 20),
    "white": (240, 240, 236),
    "grey": (128, 128, 128),
    "gray": (128, 128, 128),
    "silver": (192, 192, 196),
    "charcoal": (54, 69, 79),
    "slate": (112, 128, 144),
    "red": (200, 40, 40),
    "crimson": (190, 20, 60),
    "scarlet": (230, 40, 20),
    "maroon": (110, 20, 30),
    "burgundy": (128, 0, 32),
    "rose": (230, 120, 150),
    "pink": (240, 150, 180),
    "magenta": (210, 40, 160),
    "coral": (255, 127, 80),
    "salmon": (250, 128, 114),
    "orange": (240, 130, 30),
    "burnt orange": (204, 85, 0),
    "rust": (183, 65, 14),
    "terracotta": (204, 110, 80),
    "copper": (184, 115, 51),
    "amber": (255, 176, 0),
    "gold": (212, 175, 55),
    "golden": (218, 165, 32),
    "mustard": (205, 170, 60),
    "yellow": (240, 210, 50),
    "lemon": (250, 240, 90),
    "cream": (250, 240, 210),
    "ivory": (250, 245, 230),
    "beige": (225, 210, 180),
    "sand": (210, 190, 150),
    "tan": (210, 180, 140),
    "ochre": (204, 119, 34),
    "brown": (120, 75, 40),
    "chocolate": (90, 50, 25),
    "sepia": (112, 66, 20),
    "olive": (128, 128, 0),
    "lime": (160, 220, 60),
    "green": (50, 150, 70),
    "sage": (150, 170, 130),
    "mint": (170, 230, 190),
    "emerald": (20, 160, 100),
    "forest green": (34, 90, 40),
    "jade": (0, 168, 107),
    "teal": (0, 128, 128),
    "turquoise": (60, 200, 200),
    "cyan": (40, 200, 230),
    "aqua": (80, 210, 220),
    "sky blue": (135, 200, 235),
    "blue": (40, 90, 200),
    "cobalt": (0, 71, 171),
    "azure": (40, 130, 230),
    "navy": (20, 30, 80),
    "navy blue": (20, 30, 80),
    "indigo": (75, 0, 130),
    "midnight blue": (25, 25, 70),
    "violet": (140, 80, 200),
    "purple": (120, 50, 150),
    "lavender": (190, 170, 230),
    "lilac": (200, 160, 210),
    "plum": (140, 70, 120),
}

_MODIFIERS: dict[str, float] = {
    "dark": 0.6,
    "deep": 0.65,
    "muted": 0.8,
    "dusty": 0.85,
    "soft": 1.1,
    "warm": 1.0,
    "cool": 1.0,
    "light": 1.3,
    "pale": 1.4,
    "bright": 1.2,
}

_NAMES_LONGEST_FIRST = sorted(COLOR_TABLE, key=len, reverse=True)
_COLOR_WORDS = re.compile(
    r"\b(" + "|".join(re.escape(n) for n in _NAMES_LONGEST_FIRST) + r")\b", re.IGNORECASE
)


def hash_color(name: str) -> RGB:
    """Give an unknown colour name a stable, mid-saturation colour derived from its text."""
    digest = hashlib.sha256(name.strip().lower().encode()).digest()
    lo, hi = 50, 220
    return tuple(lo + digest[i] * (hi - lo) // 255 for i in range(3))  # type: ignore[return-value]


def _shade(rgb: RGB, factor: float) -> RGB:
    if factor <= 1.0:
        return tuple(int(c * factor) for c in rgb)  # type: ignore[return-value]
    mix = min(factor - 1.0, 1.0)
    return tuple(int(c + (255 - c) * mix) for c in rgb)  # type: ignore[return-value]


def color_rgb(name: str) -> RGB:
    """Map a colour phrase ("burnt orange", "pale sky blue", "#1a2b3c") to RGB; never fails."""
    phrase = re.sub(r"[^a-z0-9# -]", " ", name.strip().lower())
    phrase = re.sub(r"\s+", " ", phrase).strip()
    hex_match = re.fullmatch(r"#?([0-9a-f]{6})", phrase)
    if hex_match:
        value = hex_match.group(1)
        return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))
    if phrase in COLOR_TABLE:
        return COLOR_TABLE[phrase]
    found = _COLOR_WORDS.search(phrase)
    if found is None:
        return hash_color(phrase or "?")
    rgb = COLOR_TABLE[found.group(1).lower()]
    for word in phrase[: found.start()].split():
        if word in _MODIFIERS:
            rgb = _shade(rgb, _MODIFIERS[word])
    return rgb


def split_palette(text: str) -> list[str]:
    """Split a palette line ("teal, warm amber and cream") into colour phrases."""
    parts = re.split(r",|;|/|\band\b|\+|\|", text)
    return [p.strip(" .-*") for p in parts if p.strip(" .-*")]


def colors_in_text(text: str) -> list[str]:
    """Colour words mentioned in free text, in order of first appearance, without repeats."""
    seen: list[str] = []
    for match in _COLOR_WORDS.finditer(text):
        word = match.group(1).lower()
        if word not in seen:
            seen.append(word)
    return seen
