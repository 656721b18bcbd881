"""TEMPORARY stand-in for lessonreel.video.animatic until MEDIA's renderer lands (then deleted)."""

from __future__ import annotations

import math
from pathlib import Path


def render_animatic(
    dest: Path,
    *,
    prompt: str,
    size: str = "1280x720",
    seconds: float = 4.0,
    seed: int = 0,
    fps: int = 24,
) -> None:
    """Solid-colour H.264 + AAC clip of the requested size and length."""
    import av
    import numpy as np

    width, height = (int(v) for v in size.split("x"))
    with av.open(str(dest), "w") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        vs.options = {"bf": "0", "g": str(fps), "preset": "ultrafast"}
        aus = out.add_stream("aac", rate=48000)
        aus.layout = "mono"
        frames = round(seconds * fps)
        colour = np.array([(seed * 37) % 256, 90, 160], dtype=np.uint8)
        for i in range(frames):
            img = np.empty((height, width, 3), dtype=np.uint8)
            img[:] = colour
            img[:, : max(1, width * i // max(frames, 1))] = 200
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            out.mux(vs.encode(frame))
        out.mux(vs.encode())
        total = round(seconds * 48000)
        pts = 0
        while pts < total:
            n = min(1024, total - pts)
            t = (np.arange(pts, pts + n) / 48000.0).astype(np.float32)
            samples = (0.05 * np.sin(2 * math.pi * 220 * t)).astype(np.float32).reshape(1, -1)
            af = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            af.sample_rate = 48000
            af.pts = pts
            pts += n
            out.mux(aus.encode(af))
        out.mux(aus.encode())


def _first_frame(video: Path):  # type: ignore[no-untyped-def]
    import av

    with av.open(str(video)) as c:
        for frame in c.decode(video=0):
            return frame.to_image()  # type: ignore[no-untyped-call]
    raise ValueError("no frames")


def render_thumbnail(video: Path, dest: Path) -> None:
    """First frame as webp."""
    _first_frame(video).save(dest, format="WEBP")


def render_spritesheet(video: Path, dest: Path) -> None:
    """First frame, small, as jpeg."""
    img = _first_frame(video)
    img.thumbnail((320, 320))
    img.save(dest, format="JPEG")
