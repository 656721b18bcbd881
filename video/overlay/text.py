"""Fonts, colours and readability maths for the teaching layer.

Text uses DejaVu Sans (shipped inside the matplotlib wheel, which also renders the equations)
and icons come from Font Awesome Free's solid font (shipped inside the qtawesome wheel). Both are
located on disk without importing their packages, so no GUI toolkit is ever loaded.
"""

from __future__ import annotations

import importlib.util
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from lessonreel.video.colors import RGB

MIN_TEXT_PX = 36
"""Smallest text height allowed at 720p (scaled with the frame height)."""
MIN_CONTRAST = 4.5
"""WCAG AA contrast ratio for text against what is behind it."""
SAFE_MARGIN = 0.05
"""Title-safe margin on each side, as a fraction of the frame (the 90 % title-safe area)."""

INK: RGB = (255, 255, 255)
PANEL: RGB = (16, 22, 36)
PANEL_ALPHA = 242
"""Panels are nearly opaque, so text contrast holds over any footage behind them."""
DARK_INK: RGB = (22, 26, 38)


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {name} package is not installed (pip install {name})")
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=32)
def text_font(size: int, *, bold: bool = False) -> Any:
    """DejaVu Sans (bold or regular) at ``size`` px."""
    from PIL import ImageFont

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    path = _package_dir("matplotlib") / "mpl-data" / "fonts" / "ttf" / name
    return ImageFont.truetype(str(path), max(8, size))


_ICON_FONT = "fontawesome6-solid-webfont-6.7.2"


def _icon_files() -> tuple[Path, Path]:
    fonts = _package_dir("qtawesome") / "fonts"
    ttf = fonts / f"{_ICON_FONT}.ttf"
    if not ttf.exists():  # another qtawesome release: take whichever FA6 solid it ships
        ttf = sorted(fonts.glob("fontawesome6-solid-webfont-*.ttf"))[-1]
    return ttf, ttf.with_name(ttf.stem.replace("webfont-", "webfont-charmap-") + ".json")


@lru_cache(maxsize=1)
def icon_charmap() -> dict[str, int]:
    """Font Awesome icon name → code point."""
    _, charmap = _icon_files()
    raw: dict[str, Any] = json.loads(charmap.read_text(encoding="utf-8"))
    return {k: int(v, 16) if isinstance(v, str) else int(v) for k, v in raw.items()}


@lru_cache(maxsize=16)
def icon_font(size: int) -> Any:
    """Font Awesome Free solid at ``size`` px."""
    from PIL import ImageFont

    ttf, _ = _icon_files()
    return ImageFont.truetype(str(ttf), max(8, size))


def scaled(px: float, height: int) -> int:
    """``px`` at 720p, scaled to a frame ``height`` pixels tall."""
    return max(1, round(px * height / 720))


def _channel(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.03928 else float(((c + 0.055) / 1.055) ** 2.4)


def luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG relative luminance of an sRGB colour."""
    r, g, b = rgb
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """WCAG contrast ratio between two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """``a`` moved a fraction ``t`` of the way to ``b``."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def readable_on(color: RGB, background: RGB, target: float = 7.0) -> RGB:
    """``color`` moved toward white or black until it has ``target`` contrast on ``background``."""
    toward = (255, 255, 255) if luminance(background) < 0.18 else (0, 0, 0)
    for k in range(21):
        candidate = mix(color, toward, k / 20)
        if contrast(candidate, background) >= target:
            return candidate
    return toward


def wrap_text(text: str, fnt: Any, max_width: float, max_lines: int) -> list[str]:
    """Greedy word wrap by rendered width; the one wrap of every text the video layer draws.

    Words never break: words past ``max_lines`` are dropped and the last line ends with '…'
    (never mid-word), so a reader sees the cut. Only a single word wider than a whole line is
    cut inside, ending with '…'.
    """
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if fnt.getlength(trial) <= max_width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while fnt.getlength(last + " …") > max_width and " " in last:
            last = last.rsplit(" ", 1)[0]
        lines[-1] = last.rstrip(".,;:") + " …"
    for i, line in enumerate(lines):
        while fnt.getlength(line) > max_width and len(line) > 2:
            line = line[:-2].rstrip() + "…"
        lines[i] = line
    return lines
