"""Benchmark the narrator: the offline voice's speed, and a narrated offline ``make``.

1. Real-time factor (wall seconds per second of speech, lower is faster) of the offline voice as
   lessonreel drives it (one Piper process per lesson, a WAV per sentence, joined per shot) next
   to the engine's own command line speaking the same text into one file (the baseline).
2. End-to-end offline ``make`` of a ~1,400-word lesson with narration, next to the same run with
   ``--no-narration`` (today's silent lesson) measured in the same process. Goal: narrated in
   ≤ 90 s on 2 cores. The narrated video is then checked as a viewer would: narrated shots,
   words per minute, the soundtrack's loudness and true peak, how much of its envelope moves at
   syllable rate (2-8 Hz) against the silent run's bed, caption words that match the narration,
   how far sound and picture ends are apart, and each shot's silence as heard (stretches of at
   least 0.5 s without speech in the rendered soundtrack; the plan's figure is beside it).
   Wall seconds depend on what else the machine runs, so CPU seconds (this process and its
   children, e.g. Piper) and the load average are printed with them.

    python bench/narration.py [LESSON] [--sentences 24]

The last line is ``key=value`` figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_home, kv_line, machine

from lessonreel.agents.ingest import load_lesson
from lessonreel.agents.text import lesson_sentences
from lessonreel.app import Context, make_video
from lessonreel.video.loudness import measure
from lessonreel.video.narration.piper import PiperNarrator, model_files

DEFAULT_LESSON = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "eval"
    / "lessons"
    / "14_earth_science_earths_crust_plate_tectonics.txt"
)
RATE = 48_000


def voice_rtf(sentences: list[str]) -> tuple[float, float, float]:
    """(lessonreel's RTF, the piper command line's RTF, seconds of speech)."""
    with tempfile.TemporaryDirectory(prefix="bench-voice-") as tmp:
        work = Path(tmp)
        shots = [sentences[i : i + 2] for i in range(0, len(sentences), 2)]
        dests = [work / f"shot-{i}.wav" for i in range(len(shots))]
        t0 = time.perf_counter()
        speeches = PiperNarrator().speak(shots, dests, voice="joe", rate=1.0)
        ours = time.perf_counter() - t0
        audio = sum(s.seconds for s in speeches)
        model, config = model_files("joe")
        text = "\n".join(sentences) + "\n"
        out = work / "cli.wav"
        cmd = [sys.executable, "-m", "piper", "-m", str(model), "-c", str(config), "-f", str(out)]
        t0 = time.perf_counter()
        subprocess.run(cmd, input=text.encode(), capture_output=True, check=True)
        cli = time.perf_counter() - t0
        with wave.open(str(out)) as w:
            cli_audio = w.getnframes() / w.getframerate()
    return ours / audio, cli / cli_audio, audio


def _audio(path: Path) -> tuple[np.ndarray, float]:
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        picture = float(vs.duration * vs.time_base)
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=RATE)
        chunks = [
            r.to_ndarray() for f in c.decode(c.streams.audio[0]) for r in resampler.resample(f)
        ]
    return np.concatenate(chunks, axis=1), picture


def syllable_share(samples: np.ndarray) -> float:
    """Share of the envelope's modulation (0.5-20 Hz) that sits at syllable rate (2-8 Hz)."""
    mono = samples.mean(axis=0)
    hop = RATE // 100
    env = np.sqrt(np.convolve(mono**2, np.ones(hop) / hop, mode="same"))[::hop]
    spec = np.abs(np.fft.rfft((env - env.mean()) * np.hanning(env.size)))
    freqs = np.fft.rfftfreq(env.size, 0.01)
    band = (freqs > 0.5) & (freqs < 20)
    return float(spec[(freqs >= 2) & (freqs <= 8)].sum() / max(spec[band].sum(), 1e-12))


def heard_silence(samples: np.ndarray, shots: list[dict[str, float]]) -> list[float]:
    """Seconds of each shot in stretches of >= 0.5 s without speech (20 dB under the loud end)."""
    mono = samples.mean(axis=0)
    hop = RATE // 100
    n = mono.size // hop
    level = 10 * np.log10(np.mean(mono[: n * hop].reshape(n, hop) ** 2, axis=1) + 1e-12)
    quiet = level <= np.percentile(level, 95) - 20
    out = []
    for shot in shots:
        total = run = 0
        for q in [*quiet[round(shot["start"] * 100) : round(shot["end"] * 100)].tolist(), False]:
            if q:
                run += 1
                continue
            total += run if run >= 50 else 0
            run = 0
        out.append(total / 100)
    return out


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


def viewer_figures(out: Path) -> dict[str, float]:
    """What a viewer would check in a narrated lesson folder."""
    audio, picture = _audio(out / "lesson.mp4")
    level = measure(audio, RATE)
    board = json.loads((out / "storyboard.json").read_text())
    shots = board["shots"]
    total = sum(s["duration"] for s in shots)
    narration = " ".join(s["narration"] for s in shots)
    captions = " ".join(
        line
        for line in (out / "lesson.srt").read_text().splitlines()
        if line and not line[0].isdigit()
    )
    said, shown = _words(narration), set(_words(captions))
    report = json.loads((out / "report.json").read_text())
    return {
        "narrated_shots": sum(1 for s in shots if s["narration"].strip()) / len(shots),
        "wpm": len(said) / total * 60,
        "lufs": level.integrated,
        "true_peak_dbtp": level.true_peak,
        "syllable_share": syllable_share(audio),
        "caption_words": sum(1 for w in said if w in shown) / max(1, len(said)),
        "end_gap_s": abs(audio.shape[1] / RATE - picture),
        "video_s": picture,
        "max_silence_s": max(heard_silence(audio, shots)),
        "plan_max_silence_s": float((report.get("narration") or {}).get("max_silence") or 0.0),
    }


def make_once(lesson: Path, *, narration: bool) -> tuple[float, Path, dict[str, object]]:
    with bench_home() as home:
        out = home / "out"
        ctx = Context(output_dir=str(out), narration=narration)
        t0, c0 = time.perf_counter(), _cpu()
        result = make_video(lesson, context=ctx)
        wall = time.perf_counter() - t0
        figures: dict[str, object] = {
            "status": result.report.status if result.report else "?",
            "cpu_s": _cpu() - c0,
            "load_avg": os.getloadavg()[0],
        }
        if narration:
            figures.update(viewer_figures(out))
        else:
            audio, _ = _audio(out / "lesson.mp4")
            figures["syllable_share"] = syllable_share(audio)
            figures["lufs"] = measure(audio, RATE).integrated
        return wall, out, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lesson", nargs="?", type=Path, default=DEFAULT_LESSON)
    parser.add_argument("--sentences", type=int, default=24, help="sentences for the RTF test")
    args = parser.parse_args()
    print(machine())
    lesson = load_lesson(args.lesson)
    sentences = lesson_sentences(lesson.text)[: args.sentences]
    ours, cli, speech = voice_rtf(sentences)
    print(
        f"offline voice: {speech:.1f} s of speech; RTF lessonreel {ours:.3f}, "
        f"piper command line {cli:.3f}"
    )
    silent_wall, _, silent = make_once(args.lesson, narration=False)
    print(f"make --no-narration (baseline): {silent_wall:.1f} s, {silent}")
    narrated_wall, _, narrated = make_once(args.lesson, narration=True)
    print(f"make (narrated): {narrated_wall:.1f} s (load average {os.getloadavg()[0]:.1f} at end)")
    for key, value in narrated.items():
        print(f"  {key:16} {value:.3f}" if isinstance(value, float) else f"  {key:16} {value}")
    figures = {
        "lesson_words": len(lesson.text.split()),
        "rtf": ours,
        "baseline_rtf_piper_cli": cli,
        "make_s": narrated_wall,
        "baseline_make_s_no_narration": silent_wall,
        "make_cpu_s": narrated["cpu_s"],
        "baseline_make_cpu_s_no_narration": silent["cpu_s"],
        **{k: v for k, v in narrated.items() if k not in {"status", "cpu_s"}},
        "baseline_syllable_share": silent["syllable_share"],
        "baseline_lufs": silent["lufs"],
    }
    print(kv_line(figures))


if __name__ == "__main__":
    main()
