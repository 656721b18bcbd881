"""One set of encoder settings and one writer for every clip we make (animatic, slate, re-encode).

Clips join by stream copy only if they agree on codec parameters (SPS/PPS), time base and audio
layout, so every clip this project writes goes through :class:`ClipWriter` with
:data:`DEFAULT_SETTINGS`. B-frames are off and the GOP is fixed so that packet order equals
presentation order and timestamps can simply be offset when concatenating.
"""

from __future__ import annotations

import math
import os
import re
import uuid
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import av

AAC_FRAME = 1024
"""Samples per AAC frame; the encoder also adds one frame of priming at the start."""


@dataclass(frozen=True)
class EncoderSettings:
    """Encoder parameters shared by every clip so that clips concatenate by remux."""

    fps: int = 24
    gop_seconds: int = 2
    crf: int = 23
    preset: str = "ultrafast"
    audio_rate: int = 48_000
    audio_layout: str = "stereo"
    audio_bitrate: int = 96_000

    @property
    def keyint(self) -> int:
        """Frames between keyframes (fixed: scene-cut detection is off)."""
        return max(1, self.fps * self.gop_seconds)

    @property
    def channels(self) -> int:
        """Channel count of the audio layout."""
        return 1 if self.audio_layout == "mono" else 2


DEFAULT_SETTINGS = EncoderSettings()


def parse_size(size: str) -> tuple[int, int]:
    """Parse "WIDTHxHEIGHT"; both must be even (yuv420p) and between 16 and 4096."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", size)
    if match is None:
        raise ValueError(f"size must look like 1280x720, got {size!r}")
    width, height = int(match.group(1)), int(match.group(2))
    for name, value in (("width", width), ("height", height)):
        if value < 16 or value > 4096 or value % 2:
            raise ValueError(f"{name} must be an even number of pixels in 16..4096, got {value}")
    return width, height


def frame_count(seconds: float, fps: int) -> int:
    """Return the number of video frames for a clip of ``seconds`` (at least one)."""
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"seconds must be a positive number, got {seconds!r}")
    return max(1, round(seconds * fps))


def audio_sample_count(seconds: float, rate: int) -> int:
    """Audio samples to encode for a clip of ``seconds``.

    Rounded down to whole AAC frames and one frame short, so the encoded packets (priming frame
    included) end before the next clip's priming frame starts when clips are concatenated: the
    joined audio track then has monotonic timestamps without trimming anything.
    """
    whole = int(seconds * rate) // AAC_FRAME * AAC_FRAME
    return max(0, whole - AAC_FRAME)


def temp_path_for(dest: Path) -> Path:
    """Return a hidden sibling of ``dest`` to write into before an atomic rename."""
    return dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")


class ClipWriter:
    """Write an H.264/AAC MP4 to a temp name and rename it into place on a clean exit."""

    def __init__(
        self,
        dest: Path,
        width: int,
        height: int,
        settings: EncoderSettings = DEFAULT_SETTINGS,
    ) -> None:
        self.dest = Path(dest)
        self.width = width
        self.height = height
        self.settings = settings
        self._tmp = temp_path_for(self.dest)
        self._container: Any = None
        self._video: Any = None
        self._audio: Any = None
        self._frames = 0
        self._samples = 0
        self._pending: npt.NDArray[np.float32] | None = None

    def __enter__(self) -> ClipWriter:
        import av

        s = self.settings
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        container = av.open(str(self._tmp), mode="w", format="mp4")
        self._container = container
        video = container.add_stream("libx264", rate=s.fps)
        video.width = self.width
        video.height = self.height
        video.pix_fmt = "yuv420p"
        video.codec_context.max_b_frames = 0
        video.codec_context.gop_size = s.keyint
        video.options = {
            "preset": s.preset,
            "crf": str(s.crf),
            "x264-params": f"bframes=0:keyint={s.keyint}:min-keyint={s.keyint}:scenecut=0",
        }
        audio = container.add_stream("aac", rate=s.audio_rate)
        audio.layout = s.audio_layout
        audio.bit_rate = s.audio_bitrate
        audio.options = {"aac_coder": "fast"}  # the default two-loop search costs more than x264
        self._video, self._audio = video, audio
        return self

    def write_frame(self, frame: av.VideoFrame) -> None:
        """Encode one yuv420p frame of the clip's size; timestamps are assigned here."""
        frame.pts = self._frames
        frame.time_base = Fraction(1, self.settings.fps)
        self._frames += 1
        for packet in self._video.encode(frame):
            self._container.mux(packet)

    def write_rgb(self, rgb: npt.NDArray[np.uint8]) -> None:
        """Encode one RGB frame (H, W, 3)."""
        import av

        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        self.write_frame(frame.reformat(format="yuv420p"))

    def write_audio(self, samples: npt.NDArray[np.float32]) -> None:
        """Queue planar float audio of shape (channels, n); it is encoded in whole AAC frames.

        Calls may pass any length: a remainder waits for the next call (or the close), because
        the AAC encoder only takes a short frame at the very end.
        """
        data = np.asarray(samples, dtype=np.float32)
        if self._pending is not None:
            data = np.concatenate([self._pending, data], axis=1)
        whole = data.shape[1] // AAC_FRAME * AAC_FRAME
        for start in range(0, whole, AAC_FRAME):
            self._encode_audio(data[:, start : start + AAC_FRAME])
        self._pending = data[:, whole:] if whole < data.shape[1] else None

    def _encode_audio(self, chunk: npt.NDArray[np.float32]) -> None:
        import av

        s = self.settings
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(chunk), format="fltp", layout=s.audio_layout
        )
        frame.sample_rate = s.audio_rate
        frame.pts = self._samples
        frame.time_base = Fraction(1, s.audio_rate)
        self._samples += chunk.shape[1]
        for packet in self._audio.encode(frame):
            self._container.mux(packet)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                if self._pending is not None:
                    self._encode_audio(self._pending)
                for packet in self._video.encode(None):
                    self._container.mux(packet)
                for packet in self._audio.encode(None):
                    self._container.mux(packet)
            self._container.close()
        except BaseException:
            self._tmp.unlink(missing_ok=True)
            raise
        if exc_type is None:
            os.replace(self._tmp, self.dest)
        else:
            self._tmp.unlink(missing_ok=True)


def audio_bed(
    seconds: float,
    *,
    seed: int = 0,
    settings: EncoderSettings = DEFAULT_SETTINGS,
    level: float = 0.05,
) -> npt.NDArray[np.float32]:
    """Make a quiet pad (a soft chord with slow swell plus filtered noise), shape (channels, n).

    Peak level stays around -26 dBFS, with short fades so joined clips do not click.
    """
    rate = settings.audio_rate
    n = audio_sample_count(seconds, rate)
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=np.float64) / rate
    root = 110.0 * 2 ** (int(rng.integers(0, 12)) / 12)
    chord = (1.0, 1.25, 1.5, 2.0) if rng.random() < 0.5 else (1.0, 1.2, 1.5, 2.0)
    pad = np.zeros(n)
    for i, ratio in enumerate(chord):
        swell = 0.75 + 0.25 * np.sin(2 * np.pi * (0.11 + 0.05 * i) * t + rng.random() * 6.28)
        pad += swell * np.sin(2 * np.pi * root * ratio * t + rng.random() * 6.28) / (i + 1)
    noise = rng.standard_normal(n)
    kernel = np.ones(64) / 64  # crude low-pass: the bed should hiss softly, not crackle
    pad += 0.6 * np.convolve(noise, kernel, mode="same")
    peak = float(np.max(np.abs(pad))) if n else 1.0
    pad *= level / max(peak, 1e-9)
    fade = min(n // 2, int(0.25 * rate))
    if fade:
        ramp = np.linspace(0.0, 1.0, fade)
        pad[:fade] *= ramp
        pad[n - fade :] *= ramp[::-1]
    channels = settings.channels
    if channels == 1:
        return pad.astype(np.float32)[None, :]
    shift = int(0.011 * rate)  # a small inter-channel delay widens the pad
    right = np.concatenate([np.zeros(shift), pad[: n - shift]]) if n > shift else pad
    return np.stack([pad, right]).astype(np.float32)
