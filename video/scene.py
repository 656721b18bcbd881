"""Static layers of an animatic: the scene plate (drawn once) and caption overlays (one per line).

Drawing happens once per clip; the per-frame work in :mod:`lessonreel.video.animatic` is only a
crop/scale of the plate and an alpha blend of a caption band, which keeps rendering well above
realtime at 1280x720.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from lessonreel.video.colors import RGB
from lessonreel.video.shotspec import ShotSpec

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]

LOW_RES = 8
"""Smooth background layers are computed at 1/LOW_RES of the plate size, then scaled up."""


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        int(a[0] + (b[0] - a[0]) * t),
        int(a[1] + (b[1] - a[1]) * t),
        int(a[2] + (b[2] - a[2]) * t),
    )


def _luma(c: RGB) -> float:
    return float(0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2])


def _gradient(width: int, height: int, top: RGB, bottom: RGB) -> F32:
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    a = np.array(top, dtype=np.float32)[None, None, :]
    b = np.array(bottom, dtype=np.float32)[None, None, :]
    column = a + (b - a) * ramp
    return np.repeat(column, width, axis=1)


def _glow(img: F32, cx: float, cy: float, radius: float, color: RGB, strength: float) -> None:
    h, w, _ = img.shape
    ys = ((np.arange(h, dtype=np.float32) - cy) / radius) ** 2
    xs = ((np.arange(w, dtype=np.float32) - cx) / radius) ** 2
    weight = np.exp(-(ys[:, None] + xs[None, :])) * strength
    img += (np.array(color, dtype=np.float32)[None, None, :] - img) * weight[:, :, None]


def _figure(draw: Any, cx: float, top: float, head_r: float, body: Any, head: Any) -> None:
    """Draw a stylised person: head circle and rounded torso, scaled by ``head_r``."""
    draw.ellipse([cx - head_r, top, cx + head_r, top + 2 * head_r], fill=head)
    shoulder = head_r * 2.3
    torso_top = top + 2.15 * head_r
    draw.rounded_rectangle(
        [cx - shoulder, torso_top, cx + shoulder, torso_top + head_r * 7],
        radius=int(head_r * 0.9),
        fill=body,
    )


def draw_plate(spec: ShotSpec, width: int, height: int, seed: int) -> U8:
    """Draw the scene plate (H, W, 3) hinting at palette, framing and lighting."""
    rng = np.random.default_rng(seed)
    pal = spec.palette
    c0, c1, c2 = pal[0], pal[1], pal[2]
    accents = pal[3:] or [_mix(c2, c0, 0.5)]
    # Smooth layers (gradient, light, vignette) are computed small and scaled up: same look,
    # a fraction of the cost at 720p and above.
    sw, sh = max(8, width // LOW_RES), max(8, height // LOW_RES)
    img = _gradient(sw, sh, _mix(c0, (255, 255, 255), 0.12), _mix(c1, (0, 0, 0), 0.2))
    light = spec.lighting.lower()
    lx = 0.2 if "left" in light else 0.8 if "right" in light else 0.3 + 0.4 * float(rng.random())
    _glow(img, lx * sw, 0.2 * sh, 0.45 * sh, _mix(c2, (255, 250, 235), 0.6), 0.35)
    small = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
    plate = small.resize((width, height), Image.Resampling.BILINEAR)
    figures = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(plate)
    mask = ImageDraw.Draw(figures)
    body = _mix(c2, (0, 0, 0), 0.25) if _luma(c2) > 60 else _mix(c2, (255, 255, 255), 0.35)
    head = _mix(c2, (255, 236, 214), 0.65)
    shapes: list[tuple[float, float, float]] = []  # (cx, top, head_r) of each figure
    cx, cy = width / 2, height / 2
    if spec.framing == "wide":
        horizon = height * (0.6 + 0.06 * float(rng.random()))
        ground = _mix(c1, (0, 0, 0), 0.35)
        draw.rectangle([0, horizon, width, height], fill=ground)
        for i in range(int(rng.integers(3, 6))):
            hx = width * (0.08 + 0.84 * float(rng.random()))
            hw = width * (0.08 + 0.1 * float(rng.random()))
            hh = height * (0.1 + 0.2 * float(rng.random()))
            color = _mix(accents[i % len(accents)], ground, 0.35)
            draw.polygon([(hx - hw, horizon), (hx, horizon - hh), (hx + hw, horizon)], fill=color)
        head_r = height * 0.03
        shapes.append((width * (0.36 + 0.28 * float(rng.random())), horizon - head_r * 7, head_r))
    elif spec.framing == "close":
        head_r = height * 0.22
        fx = cx + width * (0.08 if rng.random() < 0.5 else -0.08)
        shapes.append((fx, cy - head_r * 1.35, head_r))
    elif spec.framing == "two":
        head_r = height * 0.085
        shapes += [(cx - width * 0.16, cy - head_r * 2.6, head_r)]
        shapes += [(cx + width * 0.16, cy - head_r * 2.4, head_r)]
    else:
        head_r = height * 0.1
        fx = cx + width * (0.1 if spec.framing == "ots" else 0.12 * (float(rng.random()) - 0.5))
        desk = _mix(accents[0], (0, 0, 0), 0.3)
        draw.rectangle([0, cy + height * 0.3, width, height], fill=desk)
        shapes.append((fx, cy - head_r * 2.5, head_r))
    for fx, top, r in shapes:
        _figure(mask, fx, top, r, 255, 255)
    # A soft drop shadow, blurred at quarter size (it is blurry anyway) and shifted right.
    quarter = figures.resize((max(1, width // 4), max(1, height // 4)), Image.Resampling.BILINEAR)
    quarter = quarter.filter(ImageFilter.GaussianBlur(max(1, height // 240)))
    shadow = quarter.point(lambda v: v * 45 // 100).resize(
        (width, height), Image.Resampling.BILINEAR
    )
    plate.paste((0, 0, 0), (height // 80, 0), shadow.crop((0, 0, width - height // 80, height)))
    draw = ImageDraw.Draw(plate)
    for fx, top, r in shapes:
        _figure(draw, fx, top, r, body, head)
        if spec.framing == "close":
            eye = max(2.0, r * 0.08)
            for ex in (fx - r * 0.35, fx + r * 0.35):
                draw.ellipse(
                    [ex - eye, top + r * 0.85, ex + eye, top + r * 0.85 + 2 * eye], fill=c0
                )
    if spec.framing == "ots":
        blob = _mix(c0, (0, 0, 0), 0.7)
        draw.ellipse([cx - width * 0.62, cy - height * 0.05, cx - width * 0.05, height * 1.4], blob)
    ys = np.linspace(-1, 1, sh, dtype=np.float32)[:, None]
    xs = np.linspace(-1, 1, sw, dtype=np.float32)[None, :]
    vignette = 255 * (1.0 - 0.28 * np.clip(xs**2 * 0.6 + ys**2 * 0.8, 0, 1))
    shade = Image.fromarray(vignette.astype(np.uint8), "L").resize(
        (width, height), Image.Resampling.BILINEAR
    )
    return np.asarray(ImageChops.multiply(plate, shade.convert("RGB")), dtype=np.uint8)


@lru_cache(maxsize=16)
def font(size: int) -> Any:
    """Pillow's bundled scalable font (ships inside the Pillow wheel; no system fonts needed)."""
    return ImageFont.load_default(size=max(8, size))


@dataclass(frozen=True)
class YuvOverlay:
    """A caption band pre-converted to premultiplied BT.601 YUV for a cheap per-frame blend."""

    y0: int
    alpha_y: npt.NDArray[np.uint16]
    luma: npt.NDArray[np.uint16]
    alpha_c: npt.NDArray[np.uint16]
    cb: npt.NDArray[np.uint16]
    cr: npt.NDArray[np.uint16]

    def blend(self, yuv: U8, width: int, height: int) -> None:
        """Blend into a flat yuv420p frame (``VideoFrame.to_ndarray()`` layout), in place."""
        flat = yuv.reshape(-1)
        h = self.alpha_y.shape[0]
        y_plane = flat[: width * height].reshape(height, width)
        _blend(y_plane[self.y0 : self.y0 + h], self.alpha_y, self.luma)
        cw, ch = width // 2, height // 2
        c0, c1 = self.y0 // 2, self.y0 // 2 + h // 2
        base = width * height
        u_plane = flat[base : base + cw * ch].reshape(ch, cw)
        v_plane = flat[base + cw * ch : base + 2 * cw * ch].reshape(ch, cw)
        _blend(u_plane[c0:c1], self.alpha_c, self.cb)
        _blend(v_plane[c0:c1], self.alpha_c, self.cr)


def _blend(dst: U8, alpha: npt.NDArray[np.uint16], premult: npt.NDArray[np.uint16]) -> None:
    mixed = (dst.astype(np.uint16) * (255 - alpha) + premult + 127) // 255
    dst[...] = mixed.astype(np.uint8)


def to_yuv_overlay(rgba: U8, y0: int) -> YuvOverlay:
    """Convert an RGBA band (even height, placed at even row ``y0``) to a :class:`YuvOverlay`."""
    rgb = rgba[:, :, :3].astype(np.float32)
    a = rgba[:, :, 3].astype(np.float32)
    r, g, b = rgb[:, :, 0], rgb[:, :, 1], rgb[:, :, 2]
    y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255
    u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255
    v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255

    def pool(x: F32) -> F32:
        h, w = x.shape
        even = x[: h // 2 * 2, : w // 2 * 2]
        return np.asarray(even.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3)), np.float32)

    a_c = pool(a)
    u_pm, v_pm = pool(u * a), pool(v * a)
    return YuvOverlay(
        y0=y0,
        alpha_y=a.astype(np.uint16),
        luma=(y * a).round().astype(np.uint16),
        alpha_c=a_c.round().astype(np.uint16),
        cb=u_pm.round().astype(np.uint16),
        cr=v_pm.round().astype(np.uint16),
    )


def caption_band(
    lines: list[tuple[str, int, RGB]], width: int, height: int, *, top: bool
) -> tuple[U8, int]:
    """Render text lines (text, px size, colour) on a translucent box; return (RGBA band, y0)."""
    pad = max(4, height // 60)
    total = sum(int(size * 1.25) for _, size, _ in lines) + 2 * pad
    band_h = min(height // 2 * 2, (total + 1) // 2 * 2)
    band = Image.new("RGBA", (width, band_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(band)
    widths = [font(size).getlength(text) for text, size, _ in lines]
    box_w = min(width - 2 * pad, int(max(widths, default=0)) + 4 * pad)
    x0 = 2 * pad if top else (width - box_w) // 2
    draw.rounded_rectangle([x0, 0, x0 + box_w, band_h - 1], radius=pad * 2, fill=(0, 0, 0, 150))
    y = pad
    for (text, size, color), text_w in zip(lines, widths, strict=True):
        tx = x0 + 2 * pad if top else (width - text_w) / 2
        draw.text((tx, y), text, font=font(size), fill=(*color, 255))
        y += int(size * 1.25)
    margin = max(2, height // 30) // 2 * 2
    y0 = margin if top else (height - band_h - margin) // 2 * 2
    return np.asarray(band, dtype=np.uint8), max(0, y0)
