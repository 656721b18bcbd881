"""Animatic renderer: a real H.264/AAC preview clip for one shot prompt, plus its image variants.

The clip shows the shot's palette and framing, a slow camera move matching its direction and
the dialogue as a caption, over a quiet audio bed. Shot sizes, camera moves and beats are
production notes: they stay in the storyboard and never reach the picture. Layers are drawn once
(:mod:`lessonreel.video.scene`); each frame is a crop/scale of the plate by swscale straight to
yuv420p plus a blend of a pre-converted caption band, so 720p renders several times faster than
realtime.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from lessonreel.video.encode import (
    ClipWriter,
    EncoderSettings,
    audio_bed,
    frame_count,
    parse_size,
    temp_path_for,
)
from lessonreel.video.overlay.text import wrap_text
from lessonreel.video.scene import (
    U8,
    YuvOverlay,
    caption_band,
    draw_plate,
    font,
    to_yuv_overlay,
)
from lessonreel.video.shotspec import Move, ShotSpec, parse_shot, seed_from

PLATE_MARGIN = 1.2
"""The plate is this much larger than the frame, leaving room to pan and tilt."""
ZOOM = 0.15
"""How far a push-in closes in (or a pull-out starts) over the whole clip."""

Rect = tuple[int, int, int, int]


def camera_rect(
    move: Move, p: float, t: float, size: tuple[int, int], plate: tuple[int, int]
) -> Rect:
    """Crop window (x, y, w, h) on the plate at progress ``p`` in [0, 1] (time ``t`` seconds)."""
    width, height = size
    pw, ph = plate
    ease = 0.5 * (p + p * p * (3 - 2 * p))  # half linear, half smoothstep: slow but never stalled
    zoom = 1.0
    fx = fy = 0.5  # window position within the free margin, 0..1
    if move == "push_in":
        zoom = 1.0 + ZOOM * ease
    elif move == "pull_out":
        zoom = 1.0 + ZOOM * (1.0 - ease)
    elif move == "pan_right":
        fx = ease
    elif move == "pan_left":
        fx = 1.0 - ease
    elif move == "tilt_up":
        fy = 1.0 - ease
    elif move == "tilt_down":
        fy = ease
    elif move == "handheld":
        fx = 0.5 + 0.08 * math.sin(2 * math.pi * 0.37 * t) + 0.04 * math.sin(2 * math.pi * 1.1 * t)
        fy = 0.5 + 0.08 * math.sin(2 * math.pi * 0.29 * t + 1.0)
    w = max(2, round(width / zoom))
    h = max(2, round(height / zoom))
    x = round((pw - w) * fx) if move in ("pan_left", "pan_right", "handheld") else (pw - w) // 2
    y = round((ph - h) * fy) if move in ("tilt_up", "tilt_down", "handheld") else (ph - h) // 2
    return min(max(0, x), pw - w), min(max(0, y), ph - h), w, h


class _Captions:
    """Caption overlays for a shot, built lazily once per beat / dialogue line."""

    def __init__(self, spec: ShotSpec, width: int, height: int, seconds: float) -> None:
        self.spec, self.width, self.height, self.seconds = spec, width, height, seconds
        self._bottom: dict[int, YuvOverlay | None] = {}
        self.small = max(9, round(height * 0.03))
        self.beat = max(10, round(height * 0.04))
        self.big = max(11, round(height * 0.052))

    def _index(self, t: float, count: int) -> int:
        return min(count - 1, int(t / self.seconds * count)) if count else -1

    def _lines(self, text: str, size: int, color: tuple[int, int, int], n: int) -> list[Any]:
        return [(line, size, color) for line in wrap_text(text, font(size), self.width * 0.82, n)]

    def bottom(self, t: float) -> YuvOverlay | None:
        """Return the current dialogue line, if any (the prompt's prose is never drawn)."""
        spec = self.spec
        i = self._index(t, len(spec.dialogue))
        if i not in self._bottom:
            lines: list[Any] = []
            if i >= 0:
                speaker, text = spec.dialogue[i]
                if speaker:
                    lines.append((speaker.upper(), self.small, (255, 214, 120)))
                lines += self._lines(f"“{text}”", self.big, (255, 255, 255), 2)
            overlay = None
            if lines:
                band, y0 = caption_band(lines, self.width, self.height, top=False)
                overlay = to_yuv_overlay(band, y0)
            self._bottom[i] = overlay
        return self._bottom[i]


def _frames(
    spec: ShotSpec, width: int, height: int, seconds: float, fps: int, seed: int
) -> Iterator[Any]:
    """Yield yuv420p ``av.VideoFrame`` objects for the whole clip."""
    import av

    pw = math.ceil(width * PLATE_MARGIN / 2) * 2
    ph = math.ceil(height * PLATE_MARGIN / 2) * 2
    plate = draw_plate(spec, pw, ph, seed)
    captions = _Captions(spec, width, height, seconds)
    n = frame_count(seconds, fps)
    last_rect: Rect | None = None
    background: U8 | None = None
    for i in range(n):
        t = i / fps
        rect = camera_rect(spec.move, i / max(1, n - 1), t, (width, height), (pw, ph))
        if rect != last_rect or background is None:
            x, y, w, h = rect
            crop = av.VideoFrame.from_ndarray(plate[y : y + h, x : x + w], format="rgb24")
            scaled = crop.reformat(width, height, "yuv420p", interpolation="BILINEAR")
            background, last_rect = np.asarray(scaled.to_ndarray(), dtype=np.uint8), rect
        yuv = background.copy()
        bottom = captions.bottom(t)
        if bottom is not None:
            bottom.blend(yuv, width, height)
        yield av.VideoFrame.from_ndarray(yuv, format="yuv420p")


def render_animatic(
    dest: Path,
    *,
    prompt: str,
    size: str = "1280x720",
    seconds: float = 4.0,
    seed: int = 0,
    fps: int = 24,
    still: bool = False,
) -> None:
    """Render ``prompt`` to an H.264/AAC MP4 of ``size`` lasting ``seconds``, atomically.

    ``still``: the shot's plate held still (no move, no captions) over the same audio bed, for
    runs that draw their own picture and keep only the clip's sound (the offline explainer): a
    still costs one plate and near-empty P-frames instead of a moving picture.
    """
    width, height = parse_size(size)
    frame_count(seconds, fps)  # validate before any work
    spec = parse_shot(prompt)
    mixed = seed_from(prompt, seed)
    settings = EncoderSettings(fps=fps)
    frames = _still_frames if still else _frames
    with ClipWriter(Path(dest), width, height, settings) as writer:
        writer.write_audio(audio_bed(seconds, seed=mixed, settings=settings))
        for frame in frames(spec, width, height, seconds, fps, mixed):
            writer.write_frame(frame)


def _still_frames(
    spec: ShotSpec, width: int, height: int, seconds: float, fps: int, seed: int
) -> Iterator[Any]:
    """Yield the shot's plate, at frame size, as every frame of the clip."""
    import av

    plate = av.VideoFrame.from_ndarray(draw_plate(spec, width, height, seed), format="rgb24")
    yuv = np.asarray(plate.reformat(format="yuv420p").to_ndarray(), dtype=np.uint8)
    for _ in range(frame_count(seconds, fps)):
        yield av.VideoFrame.from_ndarray(yuv, format="yuv420p")


def _decode(video: Path) -> tuple[Any, Any]:
    import av

    container = av.open(str(video))
    if not container.streams.video:
        container.close()
        raise ValueError(f"{video} has no video stream")
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    return container, stream


def _save_image(image: Any, dest: Path, fmt: str, **options: Any) -> None:
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(dest)
    try:
        image.save(tmp, fmt, **options)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def render_thumbnail(video: Path, dest: Path) -> None:
    """Save the frame from the middle of ``video`` as WebP (the Sora ``thumbnail`` variant)."""
    container, stream = _decode(video)
    with container:
        duration = float(stream.duration * stream.time_base) if stream.duration else 0.0
        middle = duration / 2
        if middle > 0 and stream.time_base:
            container.seek(int(middle / stream.time_base), stream=stream)
        chosen = None
        for frame in container.decode(stream):
            chosen = frame
            if frame.time is None or frame.time >= middle - 1e-6:
                break
        if chosen is None:
            raise ValueError(f"{video} has no decodable frames")
        _save_image(chosen.to_image(), dest, "WEBP", quality=80)


def render_spritesheet(video: Path, dest: Path, *, tiles: int = 10, columns: int = 5) -> None:
    """Save evenly spaced frames of ``video`` as a JPEG grid (the Sora ``spritesheet`` variant)."""
    from PIL import Image

    container, stream = _decode(video)
    with container:
        total = stream.frames or 0
        if not total:
            total = sum(1 for _ in container.decode(stream))
            container.seek(0)
        count = max(1, min(tiles, total))
        wanted = {round(k * (total - 1) / max(1, count - 1)) for k in range(count)}
        picked = [f.to_image() for i, f in enumerate(container.decode(stream)) if i in wanted]
    if not picked:
        raise ValueError(f"{video} has no decodable frames")
    tile_w = min(320, picked[0].width)
    tile_h = max(1, round(picked[0].height * tile_w / picked[0].width))
    cols = min(columns, len(picked))
    rows = math.ceil(len(picked) / cols)
    sheet = Image.new("RGB", (cols * tile_w, rows * tile_h), (0, 0, 0))
    for k, image in enumerate(picked):
        sheet.paste(image.resize((tile_w, tile_h)), ((k % cols) * tile_w, (k // cols) * tile_h))
    _save_image(sheet, dest, "JPEG", quality=82)


__all__ = [
    "camera_rect",
    "render_animatic",
    "render_spritesheet",
    "render_thumbnail",
]
