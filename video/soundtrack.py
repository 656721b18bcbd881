"""The lesson's soundtrack: narration over the clips' own sound, ducked, at −16 LUFS.

The stitched video keeps its picture; its audio is rebuilt. Each shot's narration is placed at
its offset, the clips' own sound (Veo and others generate it; offline, the emulator's quiet bed)
is ducked by ``DUCK_DB`` under speech with short ramps, and the mix is brought to −16 LUFS
integrated with true peaks at or below −1 dBTP (measured per ITU-R BS.1770, see
:mod:`lessonreel.video.loudness`). The audio is cut or padded to the picture's length, so sound
and picture end together.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from lessonreel.video.encode import AAC_FRAME, DEFAULT_SETTINGS, temp_path_for
from lessonreel.video.loudness import Loudness, measure
from lessonreel.video.narration.base import read_wav

TARGET_LUFS = -16.0
PEAK_CEILING_DBTP = -1.0
DUCK_DB = -12.0
RAMP_SECONDS = 0.12
"""Duck attack/release ramp length (short: the bed dips as speech starts, returns after)."""
HOLD_SECONDS = 0.35
"""The duck holds through gaps shorter than this (between words), so it does not pump."""
BLOCK = 480
"""Analysis block (10 ms at 48 kHz) for speech activity and the limiter."""


@dataclass(frozen=True)
class Placement:
    """A narration WAV placed ``offset`` seconds into the lesson video."""

    path: Path
    offset: float


def _resample(x: npt.NDArray[np.float32], src: int, dst: int) -> npt.NDArray[np.float32]:
    if src == dst or x.size == 0:
        return x
    n = round(x.size * dst / src)
    t = np.arange(n, dtype=np.float64) * (src / dst)
    return np.interp(t, np.arange(x.size), x).astype(np.float32)


def voice_track(placements: Sequence[Placement], samples: int, rate: int) -> np.ndarray:
    """The narration as one mono track of ``samples`` at ``rate`` (overlaps add)."""
    track = np.zeros(samples, dtype=np.float32)
    for p in placements:
        audio, src = read_wav(p.path)
        audio = _resample(audio, src, rate)
        start = max(0, round(p.offset * rate))
        end = min(samples, start + audio.size)
        if end > start:
            track[start:end] += audio[: end - start]
    return track


def _blocks(x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    n = -(-x.size // BLOCK) * BLOCK
    padded = np.zeros(n, dtype=np.float32)
    padded[: x.size] = x
    return padded.reshape(-1, BLOCK)


def _smooth(x: npt.NDArray[np.float64], width: int) -> npt.NDArray[np.float64]:
    if width <= 1:
        return x
    return np.convolve(x, np.ones(width) / width, mode="same")


def duck_gain(voice: npt.NDArray[np.float32], rate: int) -> npt.NDArray[np.float32]:
    """Per-sample gain for the clips' sound: ``DUCK_DB`` while the narrator speaks, else 1."""
    rms = np.sqrt(np.mean(_blocks(voice) ** 2, axis=1))
    active = (rms > 0.01).astype(np.float64)
    hold = max(1, round(HOLD_SECONDS * rate / BLOCK))
    active = np.convolve(active, np.ones(2 * hold + 1), mode="same") > 0
    low = 10 ** (DUCK_DB / 20)
    gain = np.where(active, low, 1.0)
    gain = _smooth(gain, max(1, round(RAMP_SECONDS * rate / BLOCK)))
    per_sample = np.repeat(gain, BLOCK)[: voice.size]
    return per_sample.astype(np.float32)


def limit(mix: npt.NDArray[np.float32], ceiling: float) -> npt.NDArray[np.float32]:
    """A look-ahead block limiter: gain falls just before any block that would pass ``ceiling``."""
    peak = np.abs(mix).max(axis=0)
    blocks = _blocks(peak).max(axis=1)
    need = np.minimum(1.0, ceiling / np.maximum(blocks, 1e-9))
    ahead = np.minimum.reduce([np.roll(need, k) for k in (-2, -1, 0, 1, 2)])
    ahead[:2] = np.minimum(ahead[:2], need[:2])
    centres = (np.arange(ahead.size) + 0.5) * BLOCK
    gain = np.interp(np.arange(mix.shape[1]), centres, ahead)
    return (mix * gain).astype(np.float32)


def master(
    mix: npt.NDArray[np.float32], rate: int, target: float = TARGET_LUFS
) -> tuple[npt.NDArray[np.float32], Loudness]:
    """Bring planar audio to ``target`` LUFS with true peaks ≤ ``PEAK_CEILING_DBTP``.

    Each measurement is a full BS.1770 pass with 4× oversampled true peak, the costliest step of
    the mix, so the gain is corrected by what the limiter took, not searched: two passes
    usually, at most four.
    """
    level = measure(mix, rate)
    if level.integrated <= -69:
        return mix, level
    ceiling_db = PEAK_CEILING_DBTP - 1.0
    gain_db = target - level.integrated
    out = mix
    for _ in range(3):
        out = limit((mix * 10 ** (gain_db / 20)).astype(np.float32), 10 ** (ceiling_db / 20))
        level = measure(out, rate)
        if abs(level.integrated - target) <= 0.5 and level.true_peak <= PEAK_CEILING_DBTP:
            break
        gain_db += target - level.integrated  # what the limiter took back, given again
        if level.true_peak > PEAK_CEILING_DBTP:
            ceiling_db -= level.true_peak - PEAK_CEILING_DBTP + 0.2
    return out, level


def _clip_audio(container: Any, samples: int, rate: int, channels: int) -> np.ndarray:
    """The video's own audio as planar float (channels, samples), silent when it has none."""
    import av

    out = np.zeros((channels, samples), dtype=np.float32)
    if not container.streams.audio:
        return out
    layout = "mono" if channels == 1 else "stereo"
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
    chunks = []
    for frame in [*container.decode(container.streams.audio[0]), None]:
        for r in resampler.resample(frame):
            chunks.append(r.to_ndarray())
    if chunks:
        data = np.concatenate(chunks, axis=1)[:, :samples]
        out[:, : data.shape[1]] = data
    return out


def mix_soundtrack(video: Path, placements: Sequence[Placement]) -> Loudness:
    """Rebuild ``video``'s audio: narration over its ducked sound, mastered; return the level."""
    import av

    rate = DEFAULT_SETTINGS.audio_rate
    channels = DEFAULT_SETTINGS.channels
    with av.open(str(video)) as src:
        vs = src.streams.video[0]
        if vs.duration and vs.time_base is not None:
            duration = float(vs.duration * vs.time_base)
        else:
            duration = float(src.duration or 0) / 1_000_000
        samples = round(duration * rate)
        bed = _clip_audio(src, samples, rate, channels)
    voice = voice_track(placements, samples, rate)
    mix = bed * duck_gain(voice, rate)[None, :] + voice[None, :]
    mastered, level = master(mix.astype(np.float32), rate)
    _replace_audio(video, mastered, rate)
    return level


def _replace_audio(video: Path, audio: npt.NDArray[np.float32], rate: int) -> None:
    """Copy the picture's packets and encode ``audio`` as the new AAC track (temp, rename)."""
    import av

    tmp = temp_path_for(video)
    layout = "mono" if audio.shape[0] == 1 else "stereo"
    try:
        with av.open(str(video)) as src, av.open(str(tmp), mode="w", format="mp4") as out:
            vs = src.streams.video[0]
            v_out = out.add_stream_from_template(vs)
            a_out = out.add_stream("aac", rate=rate)
            a_out.layout = layout
            a_out.bit_rate = 128_000
            a_out.options = {"aac_coder": "fast"}  # as every clip: two-loop costs 3× for speech
            for packet in src.demux(vs):
                if packet.dts is None:
                    continue
                packet.stream = v_out
                out.mux(packet)
            n = audio.shape[1]
            for start in range(0, n, AAC_FRAME):
                chunk = np.ascontiguousarray(audio[:, start : start + AAC_FRAME])
                frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
                frame.sample_rate = rate
                frame.pts = start
                frame.time_base = Fraction(1, rate)
                for packet in a_out.encode(frame):
                    out.mux(packet)
            for packet in a_out.encode(None):
                out.mux(packet)
        os.replace(tmp, video)
    finally:
        tmp.unlink(missing_ok=True)
