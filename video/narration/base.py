"""The narrator's vocabulary: voices, timed speech segments, and the ``Narrator`` protocol.

An engine turns each shot's narration (whole sentences) into one WAV file per shot and reports
where every sentence starts and ends in it, so captions and shot lengths follow the real audio.
"""

from __future__ import annotations

import wave
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

SENTENCE_GAP = 0.25
"""Seconds of silence between two sentences of one shot (a breath, not a pause)."""


@dataclass(frozen=True)
class Voice:
    """A voice an engine can speak with."""

    name: str
    engine: str
    description: str
    licence: str


@dataclass(frozen=True)
class Segment:
    """One sentence of narration and where it sits in its shot's audio, in seconds."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Speech:
    """A shot's narration audio: a mono WAV file, its length and its timed sentences."""

    path: Path
    seconds: float
    segments: list[Segment] = field(default_factory=list)


class SpeechError(RuntimeError):
    """A speech engine failed; the message says why in one line (no key, no traceback)."""


class Narrator(Protocol):
    """A speech engine: lists its voices and speaks shots' sentences into WAV files."""

    name: str

    def voices(self) -> list[Voice]:
        """The voices this engine offers."""
        ...

    def usd_per_char(self) -> float:
        """What one character of narration costs on this engine (0 offline)."""
        ...

    def speak(
        self, shots: Sequence[Sequence[str]], dest: Sequence[Path], *, voice: str, rate: float
    ) -> list[Speech]:
        """Speak each shot's sentences into ``dest[i]`` (WAV) at ``rate`` (1 = natural speed)."""
        ...


def read_wav(path: Path) -> tuple[npt.NDArray[np.float32], int]:
    """Return a 16-bit WAV file as mono float samples in [-1, 1] and its sample rate."""
    with wave.open(str(path), "rb") as w:
        rate = w.getframerate()
        channels = w.getnchannels()
        if w.getsampwidth() != 2:
            raise SpeechError(f"{path.name}: only 16-bit WAV is supported")
        raw = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32)
    if channels > 1:
        raw = raw.reshape(-1, channels).mean(axis=1)
    return raw / 32768.0, rate


def write_wav(path: Path, samples: npt.NDArray[np.float32], rate: int) -> None:
    """Write mono float samples as a 16-bit WAV file (temp name, then rename)."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    temp = path.with_name(f".{path.name}.part")
    with wave.open(str(temp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    temp.replace(path)


def join_sentences(
    parts: Sequence[tuple[str, npt.NDArray[np.float32]]], rate: int, dest: Path
) -> Speech:
    """Join sentence clips with a short gap into one shot's WAV; return its timed segments."""
    gap = np.zeros(round(SENTENCE_GAP * rate), dtype=np.float32)
    chunks: list[npt.NDArray[np.float32]] = []
    segments: list[Segment] = []
    t = 0
    for i, (text, audio) in enumerate(parts):
        if i:
            chunks.append(gap)
            t += gap.size
        trimmed = trim_silence(audio, rate)
        segments.append(Segment(text=text, start=t / rate, end=(t + trimmed.size) / rate))
        chunks.append(trimmed)
        t += trimmed.size
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    write_wav(dest, samples, rate)
    return Speech(path=dest, seconds=samples.size / rate, segments=segments)


def trim_silence(audio: npt.NDArray[np.float32], rate: int, floor: float = 0.01) -> np.ndarray:
    """Cut leading and trailing silence (below ``floor``), keeping 40 ms of air either side."""
    loud = np.flatnonzero(np.abs(audio) > floor)
    if loud.size == 0:
        return audio[:0]
    pad = round(0.04 * rate)
    return audio[max(0, loud[0] - pad) : min(audio.size, loud[-1] + pad)]
