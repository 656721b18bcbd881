"""The narrator's voices: the offline Piper voice, OpenAI speech over the emulator, the registry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lessonreel.video.emulator.server import running_emulator
from lessonreel.video.narration.base import SpeechError, read_wav
from lessonreel.video.narration.openai_speech import OpenAISpeech
from lessonreel.video.narration.piper import PiperNarrator
from lessonreel.video.narration.registry import engine_for, make_narrator, voice_names

SHORT = "Plants make their own food."
LONG = "Photosynthesis turns light, water and carbon dioxide into sugar and oxygen in the leaves."


def _syllable_share(samples: np.ndarray, rate: int) -> float:
    """Share of the loudness envelope's modulation between 2 and 8 Hz (speech syllables)."""
    hop = rate // 100
    env = np.sqrt(np.convolve(samples**2, np.ones(hop) / hop, mode="same"))[::hop]
    spec = np.abs(np.fft.rfft((env - env.mean()) * np.hanning(env.size)))
    freqs = np.fft.rfftfreq(env.size, 0.01)
    band = (freqs > 0.5) & (freqs < 20)
    return float(spec[(freqs >= 2) & (freqs <= 8)].sum() / spec[band].sum())


def test_offline_voice_speaks_each_sentence_with_its_real_timing(tmp_path: Path) -> None:
    dest = [tmp_path / "a.wav", tmp_path / "b.wav"]
    speeches = PiperNarrator().speak([[SHORT, LONG], [SHORT]], dest, voice="joe", rate=1.0)
    first, second = speeches
    assert [s.text for s in first.segments] == [SHORT, LONG]
    short, long = first.segments
    assert 0 <= short.start < short.end < long.start < long.end <= first.seconds + 1e-6
    assert (long.end - long.start) > 2 * (short.end - short.start)  # longer text, longer speech
    samples, rate = read_wav(first.path)
    assert abs(samples.size / rate - first.seconds) < 0.01
    assert _syllable_share(samples, rate) > 0.3  # it rises and falls like speech, not a tone
    assert second.seconds == pytest.approx(short.end - short.start, rel=0.25)  # noise varies it


def test_speaking_rate_changes_the_length(tmp_path: Path) -> None:
    fast, slow = (
        PiperNarrator().speak([[LONG]], [tmp_path / f"{r}.wav"], voice="joe", rate=r)[0]
        for r in (1.4, 0.8)
    )
    assert slow.seconds > 1.4 * fast.seconds


def test_unknown_voice_names_the_voices() -> None:
    with pytest.raises(ValueError, match="unknown voice 'bob'") as info:
        engine_for("bob")
    for name in ("joe", "coral"):
        assert name in str(info.value)
    assert set(voice_names()) >= {"joe", "coral", "alloy"}


def test_online_voice_without_key_or_endpoint_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("LESSONREEL_SPEECH_API_KEY", raising=False)
    with pytest.raises(SpeechError, match="needs OPENAI_API_KEY"):
        make_narrator("coral")


def test_openai_speech_over_the_emulator_returns_timed_audio(tmp_path: Path) -> None:
    with running_emulator() as url:
        narrator = OpenAISpeech(base_url=f"{url}/v1", api_key="sk-test")
        (speech,) = narrator.speak([[SHORT, LONG]], [tmp_path / "s.wav"], voice="coral", rate=1.0)
        assert [s.text for s in speech.segments] == [SHORT, LONG]
        assert speech.seconds > 3
        samples, rate = read_wav(speech.path)
        assert rate == 24_000
        assert np.abs(samples).max() > 0.1
        keyless = OpenAISpeech(base_url=f"{url}/v1", api_key=None)
        with pytest.raises(SpeechError, match="HTTP 401"):
            keyless.speak([[SHORT]], [tmp_path / "x.wav"], voice="coral", rate=1.0)
    assert not (tmp_path / "x.wav").exists()


def test_a_dead_speech_endpoint_is_a_one_line_error(tmp_path: Path) -> None:
    narrator = OpenAISpeech(base_url="http://127.0.0.1:9/v1", api_key="sk-test")
    with pytest.raises(SpeechError, match="speech request failed"):
        narrator.speak([[SHORT]], [tmp_path / "s.wav"], voice="coral", rate=1.0)
