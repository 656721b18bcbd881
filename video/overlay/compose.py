"""Composite the teaching layer over one shot: a provider clip, or the offline explainer picture.

Bands are converted to premultiplied YUV once (and once per fade step), so a frame costs a
crop/scale (explainer) or a decode (clip), a few region blends and the x264 encode. The result
is written with the project's encoder settings, so composed shots still join by stream copy.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from lessonreel.video.encode import ClipWriter, EncoderSettings, audio_bed, frame_count, parse_size
from lessonreel.video.overlay.explainer import explainer_plates
from lessonreel.video.overlay.layers import FADE_SECONDS, Band, shot_bands
from lessonreel.video.overlay.plan import ShotVisual
from lessonreel.video.scene import U8, YuvOverlay, to_yuv_overlay
from lessonreel.video.stitch import clip_audio

FADE_STEPS = 4
ZOOM = 0.04
"""How far the explainer camera eases in over a shot: gentle, and text only ever grows."""
SLIDE_PX = 16
"""Bands rise this far (at 720p) while they fade in."""


def _blend_at(overlay: YuvOverlay, x0: int, yuv: U8, width: int, height: int) -> None:
    """Blend an overlay cut to columns from ``x0`` into a flat yuv420p frame, in place."""
    flat = yuv.reshape(-1)
    h, w = overlay.alpha_y.shape
    y0 = overlay.y0
    y_plane = flat[: width * height].reshape(height, width)
    _mix(y_plane[y0 : y0 + h, x0 : x0 + w], overlay.alpha_y, overlay.luma)
    cw, ch = width // 2, height // 2
    base = width * height
    u_plane = flat[base : base + cw * ch].reshape(ch, cw)
    v_plane = flat[base + cw * ch : base + 2 * cw * ch].reshape(ch, cw)
    rows, cols = slice(y0 // 2, y0 // 2 + h // 2), slice(x0 // 2, x0 // 2 + w // 2)
    _mix(u_plane[rows, cols], overlay.alpha_c, overlay.cb)
    _mix(v_plane[rows, cols], overlay.alpha_c, overlay.cr)


def _mix(dst: U8, alpha: Any, premult: Any) -> None:
    dst[...] = ((dst.astype(np.uint16) * (255 - alpha) + premult + 127) // 255).astype(np.uint8)


class _Blender:
    """Per-band YUV overlays (cut to their inked columns), one per fade step, built on first use."""

    def __init__(self, bands: list[Band], height: int, fps: int) -> None:
        self.bands, self.height, self.fps = bands, height, fps
        self.cache: dict[tuple[int, int], tuple[YuvOverlay, int]] = {}

    def _overlay(self, k: int, step: int) -> tuple[YuvOverlay, int]:
        key = (k, step)
        if key not in self.cache:
            band = self.bands[k]
            rgba = band.rgba
            if step < FADE_STEPS:
                rgba = rgba.copy()
                rgba[:, :, 3] = (rgba[:, :, 3].astype(np.uint16) * step // FADE_STEPS).astype(
                    np.uint8
                )
            slide = round(SLIDE_PX * self.height / 720 * (FADE_STEPS - step) / FADE_STEPS) // 2 * 2
            y0 = min(band.y0 + slide, self.height - rgba.shape[0]) // 2 * 2
            inked = np.flatnonzero(band.rgba[:, :, 3].any(axis=0))
            x0 = int(inked[0]) // 2 * 2 if inked.size else 0
            x1 = min(rgba.shape[1], (int(inked[-1]) + 2) // 2 * 2) if inked.size else 2
            overlay = to_yuv_overlay(np.ascontiguousarray(rgba[:, x0:x1]), max(0, y0))
            self.cache[key] = (overlay, x0)
        return self.cache[key]

    def apply(self, yuv: U8, t: float, width: int, height: int) -> None:
        for k, band in enumerate(self.bands):
            if not band.start <= t < band.end:
                continue
            fade = min(t - band.start, band.end - t) / FADE_SECONDS
            step = max(1, min(FADE_STEPS, math.ceil(fade * FADE_STEPS)))
            overlay, x0 = self._overlay(k, step)
            _blend_at(overlay, x0, yuv, width, height)


def _explainer_frames(
    visual: ShotVisual, width: int, height: int, n: int, bottom: int
) -> Iterator[U8]:
    import av

    pw, ph = math.ceil(width * (1 + ZOOM) / 2) * 2, math.ceil(height * (1 + ZOOM) / 2) * 2
    # The plate is a little larger than the frame: scale the diagram's floor with it, and keep
    # it clear of the zoom so the diagram never slides under the equation or captions.
    plates = explainer_plates(visual, pw, ph, bottom=round(bottom * (1 + ZOOM) - ph * ZOOM / 2))
    stages = len(plates)
    last: tuple[int, int, int] | None = None
    frame: U8 | None = None
    for i in range(n):
        p = i / max(1, n - 1)
        # The first element is there from the first frame (no second of bare background);
        # the rest reveal one by one up to 60 % of the shot, then hold.
        stage = 0 if stages == 1 else min(stages - 1, 1 + int(p / 0.6 * (stages - 1)))
        zoom = 1 + ZOOM * (0.5 - 0.5 * math.cos(math.pi * p))
        w = round(pw / zoom) // 2 * 2
        h = round(ph / zoom) // 2 * 2
        key = (stage, w, h)
        if key != last or frame is None:
            x, y = (pw - w) // 2, (ph - h) // 2
            crop = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(plates[stage][y : y + h, x : x + w]), format="rgb24"
            )
            frame = np.asarray(
                crop.reformat(width, height, "yuv420p", interpolation="BILINEAR").to_ndarray(),
                np.uint8,
            )
            last = key
        yield frame


def _clip_frames(clip: Path, width: int, height: int, n: int, fps: int) -> Iterator[U8]:
    """Exactly ``n`` frames of ``clip`` at ``fps``, scaled to fill the frame (cropping, no bars)."""
    import av

    with av.open(str(clip)) as src:
        stream = src.streams.video[0]
        stream.thread_type = "AUTO"
        current: U8 | None = None
        t0: float | None = None
        i = 0
        for frame in src.decode(stream):
            t = float(frame.time or 0.0)
            t0 = t if t0 is None else t0
            while i < n and current is not None and i / fps < t - t0 - 0.5 / fps:
                yield current
                i += 1
            current = _fill(frame, width, height)
            if i >= n:
                break
        while i < n:
            yield (
                current if current is not None else np.full((height * 3 // 2, width), 16, np.uint8)
            )
            i += 1


def _fill(frame: Any, width: int, height: int) -> U8:
    """The frame scaled to cover width x height (centre crop when the aspect differs)."""
    if frame.width * height == frame.height * width:  # the usual case: one swscale pass
        same = frame.reformat(width, height, "yuv420p", interpolation="BILINEAR")
        return np.asarray(same.to_ndarray(), np.uint8)
    scale = max(width / frame.width, height / frame.height)
    sw, sh = math.ceil(frame.width * scale / 2) * 2, math.ceil(frame.height * scale / 2) * 2
    rgb = frame.reformat(sw, sh, "rgb24", interpolation="BILINEAR").to_ndarray()
    x, y = (sw - width) // 2, (sh - height) // 2
    import av

    crop = av.VideoFrame.from_ndarray(
        np.ascontiguousarray(rgb[y : y + height, x : x + width]), format="rgb24"
    )
    return np.asarray(crop.reformat(format="yuv420p").to_ndarray(), np.uint8)


def compose_shot(
    dest: Path,
    visual: ShotVisual,
    *,
    size: str = "1280x720",
    clip: Path | None = None,
    explainer: bool = False,
    captions: list[tuple[float, float, str]] | None = None,
    fps: int = 24,
) -> list[Band]:
    """Write ``dest``: the shot's picture (clip or explainer) with its teaching layer on top.

    The clip's sound is kept (resampled to the project's layout); without a clip, a quiet bed.
    ``captions`` (shot-relative start, end, text) are burned in when given. Returns the bands
    drawn, for inspection.
    """
    width, height = parse_size(size)
    n = frame_count(visual.seconds, fps)
    settings = EncoderSettings(fps=fps)
    use_clip = clip is not None and not explainer
    layout = shot_bands(visual, (width, height), explainer=not use_clip, captions=captions)
    bands = layout.bands
    blender = _Blender(bands, height, fps)
    frames = (
        _clip_frames(clip, width, height, n, fps)
        if use_clip and clip is not None
        else _explainer_frames(visual, width, height, n, layout.diagram_bottom)
    )
    import av

    with ClipWriter(Path(dest), width, height, settings) as writer:
        samples = round(n * settings.audio_rate / fps)
        if clip is not None:
            writer.write_audio(clip_audio(clip, samples, settings))
        else:
            writer.write_audio(audio_bed(n / fps, seed=visual.index, settings=settings, level=0.03))
        for i, base in enumerate(frames):
            yuv = base.copy()
            blender.apply(yuv, i / fps, width, height)
            writer.write_frame(av.VideoFrame.from_ndarray(yuv, format="yuv420p"))
    return bands
