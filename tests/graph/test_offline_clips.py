"""Offline runs ask the in-process emulator for held stills: their picture is never shown.

The explainer look replaces the clip's picture and keeps only its sound, so rendering a moving
720p preview per shot was a third of an offline run's CPU spent for nothing. The clips must still
be whole MP4s of the requested size and seconds, with the sound the animatic would have had; an
emulator config that names its look, and the emulator as a server, keep the moving animatic.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import av
import numpy as np
import pytest

from lessonreel.graph.context import Context
from lessonreel.graph.nodes.fetch import clip_problem
from lessonreel.graph.services import build_services
from lessonreel.video.animatic import render_animatic
from lessonreel.video.encode import EncoderSettings
from lessonreel.video.stitch import clip_audio, probe
from lessonreel.video.types import VideoRequest

PROMPT = (
    "Wide establishing shot of a sunlit greenhouse, slow push-in toward a bean plant. "
    "Lighting: soft window light from the left."
)
SIZE, SECONDS = "1280x720", 4


def motion(path: Path) -> float:
    """Mean luma change from the first frame to the last (about 0 for a held still)."""
    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="gray").astype(np.int16) for f in container.decode(video=0)]
    return float(np.abs(frames[-1] - frames[0]).mean())


async def offline_clip(tmp_path: Path, config_text: str) -> Path:
    config = tmp_path / "emulator.yaml"
    config.write_text(config_text, encoding="utf-8")
    ctx = Context(provider="local", emulator_config=str(config))
    svc = await asyncio.to_thread(build_services, ctx)
    try:
        request = VideoRequest(prompt=PROMPT, model="sora-2", size=SIZE, seconds=SECONDS)
        job = await svc.provider.submit(request)
        clip = await svc.provider.download(job.id, tmp_path / "shot.mp4")
    finally:
        await svc.aclose()
    return clip.path


async def test_an_offline_run_gets_a_held_still_of_the_requested_size_with_the_same_sound(
    tmp_path: Path,
) -> None:
    clip = await offline_clip(tmp_path, "latency: 0\n")
    info = probe(clip)
    assert (info.width, info.height) == (1280, 720)
    assert clip_problem(clip, SECONDS) is None  # what fetch_clip accepts as a whole clip
    assert motion(clip) < 1.0
    animatic = tmp_path / "animatic.mp4"
    render_animatic(animatic, prompt=PROMPT, size=SIZE, seconds=SECONDS)
    assert motion(animatic) > 2.0  # the push-in the still leaves out
    samples = SECONDS * 48_000
    settings = EncoderSettings()
    kept, moving = clip_audio(clip, samples, settings), clip_audio(animatic, samples, settings)
    assert float(np.abs(moving).max()) > 0.01
    np.testing.assert_allclose(kept, moving, atol=1e-6)


async def test_an_emulator_config_that_names_the_animatic_look_keeps_it(tmp_path: Path) -> None:
    clip = await offline_clip(tmp_path, "latency: 0\nlook: animatic\nfps: 24\n")
    assert probe(clip).fps == pytest.approx(24)
    assert motion(clip) > 2.0
