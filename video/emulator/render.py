"""Render a job's content variants on demand, through the animatic renderer.

Clips are rendered lazily at the first content request (most emulated jobs are never
downloaded) and cached on disk; variants are written under a temp name and renamed so a
concurrent reader never sees a half-written file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

Variant = Literal["video", "thumbnail", "spritesheet"]
Look = Literal["animatic", "still"]

SUFFIX: dict[str, str] = {"video": ".mp4", "thumbnail": ".webp", "spritesheet": ".jpg"}
MEDIA_TYPE: dict[str, str] = {
    "video": "video/mp4",
    "thumbnail": "image/webp",
    "spritesheet": "image/jpeg",
}


def _tmp(dest: Path) -> Path:
    return dest.with_name(f".{dest.stem}.{os.getpid()}.part{dest.suffix}")


def render_variant(
    directory: Path,
    *,
    job_id: str,
    variant: Variant,
    prompt: str,
    size: str,
    seconds: int,
    seed: int,
    fps: int,
    look: Look = "animatic",
) -> Path:
    """Path of ``variant`` for a job, rendering the clip (and the image) if not cached yet."""
    from lessonreel.video.animatic import (
        render_animatic,
        render_spritesheet,
        render_thumbnail,
    )

    directory.mkdir(parents=True, exist_ok=True)
    video = directory / f"{job_id}.mp4"
    if not video.exists():
        tmp = _tmp(video)
        still = look == "still"
        render_animatic(
            tmp, prompt=prompt, size=size, seconds=float(seconds), seed=seed, fps=fps, still=still
        )
        tmp.replace(video)
    if variant == "video":
        return video
    dest = directory / f"{job_id}.{variant}{SUFFIX[variant]}"
    if not dest.exists():
        tmp = _tmp(dest)
        if variant == "thumbnail":
            render_thumbnail(video, tmp)
        else:
            render_spritesheet(video, tmp)
        tmp.replace(dest)
    return dest
