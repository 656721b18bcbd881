"""The soundtrack: narration over the clip's ducked sound, at −16 LUFS, ending with the picture."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from lessonreel.video.encode import DEFAULT_SETTINGS, ClipWriter, audio_bed
from lessonreel.video.loudness import measure
from lessonreel.video.narration.base import write_wav
from lessonreel.video.soundtrack import Placement, duck_gain, mix_soundtrack
from lessonreel.video.stitch import probe

RATE = 48_000


def _clip(path: Path, seconds: float, *, level: float = 0.3) -> None:
    with ClipWriter(path, 320, 180, DEFAULT_SETTINGS) as writer:
        writer.write_audio(audio_bed(seconds, seed=3, level=level))
        for _ in range(round(seconds * DEFAULT_SETTINGS.fps)):
            writer.write_rgb(np.full((180, 320, 3), 90, dtype=np.uint8))


def _syllables(path: Path, seconds: float, rate: int = 22_050) -> None:
    """A speech-like test signal: a 180 Hz voice opening and closing 4 times a second."""
    t = np.arange(round(seconds * rate)) / rate
    voice = np.sin(2 * np.pi * 180 * t) * np.clip(np.sin(2 * np.pi * 4 * t), 0, None) ** 2
    write_wav(path, (0.9 * voice).astype(np.float32), rate)


def _audio(path: Path) -> np.ndarray:
    with av.open(str(path)) as c:
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=RATE)
        chunks = [
            r.to_ndarray() for f in c.decode(c.streams.audio[0]) for r in resampler.resample(f)
        ]
    return np.concatenate(chunks, axis=1)


def test_mix_is_at_minus_16_lufs_without_clipping_and_ends_with_the_picture(
    tmp_path: Path,
) -> None:
    video, voice = tmp_path / "lesson.mp4", tmp_path / "voice.wav"
    _clip(video, 8.0)
    _syllables(voice, 5.0)
    picture = probe(video).duration
    level = mix_soundtrack(video, [Placement(voice, 1.0)])
    audio = _audio(video)
    measured = measure(audio, RATE)
    assert measured.integrated == pytest.approx(-16.0, abs=1.0)
    assert level.true_peak <= -1.0
    assert measured.true_peak <= -0.5
    assert abs(audio.shape[1] / RATE - picture) <= 0.25
    assert probe(video).duration == pytest.approx(picture, abs=0.05)
    # the voice is there: the second with speech is far louder than the bed-only first second
    first, speaking = audio[:, : RATE // 2], audio[:, 2 * RATE : 3 * RATE]
    assert np.sqrt((speaking**2).mean()) > 3 * np.sqrt((first**2).mean())


def test_clip_sound_ducks_by_12_db_under_speech_with_short_ramps() -> None:
    voice = np.zeros(6 * RATE, dtype=np.float32)
    voice[2 * RATE : 4 * RATE] = 0.5 * np.sin(np.arange(2 * RATE) * 0.05)
    gain = duck_gain(voice, RATE)
    assert gain[RATE // 2] == pytest.approx(1.0)
    assert 20 * np.log10(gain[3 * RATE]) == pytest.approx(-12.0, abs=0.2)
    assert gain[int(5.5 * RATE)] == pytest.approx(1.0)
    falling = np.flatnonzero((gain < 0.99) & (gain > 0.26))
    assert falling.size / RATE < 0.5  # two ramps, each well under a quarter second
