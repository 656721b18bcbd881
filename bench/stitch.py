"""Benchmark joining shot clips: stream-copy remux vs re-encoding, as multiples of realtime.

A lesson's worth of 1280x720 animatic clips is rendered first (not timed), then joined by
``stitch`` (packets copied, timestamps shifted; goal at least 100x realtime) and, as the baseline
measured in the same run, re-encoded with PyAV through ``stitch(..., force_reencode=True)``
(decode, letterbox, libx264 + AAC encode), which is what a join costs without remuxing.

    python bench/stitch.py            # 10 clips x 4 s
    python bench/stitch.py --short    # 4 clips x 2 s

The teaching layer costs a decode, a blend and an encode per delivered clip (key-term cards,
labels and an equation composited over provider footage, then joined by copy); that path is
timed in the same run as ``compose_realtime_x`` (goal: at least 2x at 720p on 2 cores).

``compose_per_cpu_second_x`` (video seconds per CPU second, all threads) does not fall with the
load of a shared machine: it is what one idle core achieves, a floor for the two-core target.

The last line is ``realtime_x=... baseline_realtime_x=... compose_realtime_x=...
compose_per_cpu_second_x=...``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import av

from lessonreel.video.animatic import render_animatic
from lessonreel.video.overlay.compose import compose_shot
from lessonreel.video.overlay.plan import ShotVisual
from lessonreel.video.stitch import render_slate, stitch

PROMPT = """{subject}

Cinematography:
Camera shot: {shot}
Camera move: {move}
Palette: {palette}

Dialogue:
Narrator: "Shot {index} of the lesson."
"""
SHOTS = ["wide", "medium", "close-up", "over-the-shoulder", "two-shot"]
MOVES = ["slow push-in", "pan left", "tilt up", "static", "pan right"]
PALETTES = ["teal, amber, cream", "navy, gold, white", "crimson, sand, charcoal"]


def make_clips(folder: Path, count: int, seconds: float) -> list[Path]:
    clips = []
    for i in range(count):
        path = folder / f"shot_{i:02d}.mp4"
        if i == count // 2:
            render_slate(
                path, title=f"Shot {i}", caption="Slate for a missing shot", seconds=seconds
            )
        else:
            prompt = PROMPT.format(
                subject=f"A lesson scene number {i}.",
                shot=SHOTS[i % len(SHOTS)],
                move=MOVES[i % len(MOVES)],
                palette=PALETTES[i % len(PALETTES)],
                index=i,
            )
            render_animatic(path, prompt=prompt, size="1280x720", seconds=seconds, seed=i)
        clips.append(path)
    return clips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="4 clips x 2 s")
    args = parser.parse_args()
    count, seconds = (4, 2.0) if args.short else (10, 4.0)
    repeats = 3 if args.short else 5
    print(f"# {platform.python_version()} PyAV {av.__version__} cpus={os.cpu_count()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clips = make_clips(folder, count, seconds)
        total = count * seconds
        size_mb = sum(c.stat().st_size for c in clips) / 1e6
        print(f"# {count} clips x {seconds:g} s at 1280x720 ({size_mb:.1f} MB), one is a slate")
        print(f"# load average: {os.getloadavg()[0]:.2f} (shared machine; figures scale with it)")
        copy_times = []
        for r in range(repeats):
            start = time.perf_counter()
            result = stitch(clips, folder / f"joined_{r}.mp4")
            copy_times.append(time.perf_counter() - start)
            assert not result.reencoded, "clips from the animatic renderer must join by copy"
        remux = statistics.median(copy_times)
        print(
            f"remux: {remux * 1000:.1f} ms median of {repeats} -> {result.duration:.2f} s of video"
        )
        start = time.perf_counter()
        baseline = stitch(clips, folder / "reencoded.mp4", force_reencode=True)
        reencode = time.perf_counter() - start
        assert baseline.reencoded
        print(f"re-encode: {reencode:.2f} s -> {baseline.duration:.2f} s of video")
        warm = ShotVisual(index=0, seconds=0.5, equation="x^2")
        compose_shot(folder / "warm.mp4", warm, size="320x180", clip=clips[0])
        start, start_cpu = time.perf_counter(), time.process_time()
        composed = []
        for i, clip in enumerate(clips):
            visual = ShotVisual(
                index=i,
                seconds=seconds,
                terms=((f"term {i}", "A one-line definition taken from the lesson text."),),
                labels=("label one", "label two"),
                equation=r"E = mc^{2}",
            )
            composed.append(folder / f"composed_{i}.mp4")
            compose_shot(composed[-1], visual, size="1280x720", clip=clip)
        joined = stitch(composed, folder / "composed.mp4")
        compose = time.perf_counter() - start
        compose_cpu = time.process_time() - start_cpu
        assert not joined.reencoded, "composed shots must still join by copy"
        print(
            f"compose + remux: {compose:.2f} s ({compose_cpu:.2f} CPU-s) -> "
            f"{joined.duration:.2f} s of video"
        )
        print(
            f"# compositing costs {compose / total:.3f} s per video second against "
            f"{remux / total * 1000:.2f} ms for the stream-copy stitch alone "
            f"({compose / remux:.0f}x); load average now {os.getloadavg()[0]:.2f}"
        )
    print(
        f"realtime_x={total / remux:.1f} baseline_realtime_x={total / reencode:.2f} "
        f"compose_realtime_x={total / compose:.2f} "
        f"compose_per_cpu_second_x={total / compose_cpu:.2f}"
    )


if __name__ == "__main__":
    main()
