"""Equations typeset from LaTeX math by matplotlib's mathtext (no TeX installation needed)."""

from __future__ import annotations

import io
from typing import Any

from lessonreel.video.colors import RGB


def render_equation(latex: str, size: int, ink: RGB, *, max_width: int) -> Any | None:
    """An RGBA Pillow image of ``latex`` at about ``size`` px, or None if mathtext rejects it.

    A formula wider than ``max_width`` is set smaller (never below 70 %) and then rejected, so
    an equation is either readable or not shown.
    """
    from matplotlib import mathtext
    from matplotlib.font_manager import FontProperties
    from PIL import Image

    text = latex.strip().strip("$").strip()
    if not text:
        return None
    for scale in (1.0, 0.85, 0.7):
        buffer = io.BytesIO()
        prop = FontProperties(family="DejaVu Sans", size=size * scale * 0.75)
        try:  # black on white; the darkness becomes the alpha of ``ink`` below
            mathtext.math_to_image(f"${text}$", buffer, prop=prop, dpi=96, format="png", color="k")
        except ValueError:
            return None
        grey = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
        if grey.width <= max_width:
            image = Image.new("RGBA", grey.size, (*ink, 0))
            image.putalpha(grey.point(lambda v: 255 - v))
            return image
    return None
