"""Benchmark the animatic renderer at 1280x720 as a multiple of realtime (goal: at least 2x).

Each prompt is rendered to a clip of SECONDS seconds by ``render_animatic`` (layers drawn once,
per-frame crop/scale by swscale straight to yuv420p, x264 ultrafast, no B-frames). The baseline,
measured in the same run on the same prompts, is the naive renderer a first version might
write: every frame drawn from scratch with Pillow (gradient, shapes, captions, a zoom by resizing
the frame) and encoded with PyAV's default libx264/AAC settings.

    python bench/render.py            # 3 prompts x 6 s
    python bench/render.py --short    # 1 prompt x 2 s

Prompts: the shot-template example below plus long VBench prompts from
``/work/shared/eval/video_prompts.jsonl`` when that file exists (``--prompts`` to change it).
The offline "explainer" look with its teaching layer (key-term cards, a process diagram that
builds up, an equation, all composited by ``compose_shot``) is timed on the same run as
``explainer_realtime_x`` (goal: at least 2x at 720p on 2 cores).

Wall-clock figures on a shared machine fall with its load; ``explainer_per_cpu_second_x`` (video
seconds per CPU second of this process, all threads) does not, and is what one idle core renders,
a floor for the two-core target.

The last line is ``realtime_x=... baseline_realtime_x=... explainer_realtime_x=...
explainer_per_cpu_second_x=...``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from lessonreel.video.animatic import render_animatic
from lessonreel.video.encode import audio_bed
from lessonreel.video.overlay.compose import compose_shot
from lessonreel.video.overlay.plan import ShotVisual
from lessonreel.video.shotspec import parse_shot

WIDTH, HEIGHT, FPS = 1280, 720, 24
TEMPLATE = """A teacher points at a diagram of the water cycle on a chalkboard.

Cinematography:
Camera shot: medium close-up
Camera move: slow dolly-in
Lighting: soft window light from the left
Palette: teal, warm amber, cream, charcoal

Actions:
- The teacher taps the cloud on the diagram
- Arrows light up from sea to cloud

Dialogue:
Teacher: "Water never really disappears."
"""
DEFAULT_PROMPTS = Path("/work/shared/eval/video_prompts.jsonl")
EXPLAINER = ShotVisual(
    index=1,
    seconds=6.0,
    terms=(
        ("evaporation", "Liquid water turning into water vapour as the Sun warms it."),
        ("condensation", "Water vapour cooling into tiny droplets that form clouds."),
    ),
    labels=("evaporation", "condensation", "precipitation"),
    diagram="cycle",
    equation=r"2H_{2} + O_{2} \rightarrow 2H_{2}O",
    subject="earth science",
    words="the water cycle: sun, ocean, cloud and rain",
)


def load_prompts(path: Path, count: int) -> list[str]:
    prompts = [TEMPLATE]
    if path.exists() and count > 1:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        prompts += [r["text"] for r in rows if r.get("variant", "").startswith("long")]
    return prompts[:count]


def naive_render(dest: Path, prompt: str, seconds: float) -> None:
    """Draw every frame from scratch with Pillow and encode with PyAV defaults."""
    spec = parse_shot(prompt)
    c0, c1, c2 = spec.palette[:3]
    caption = spec.dialogue[0][1] if spec.dialogue else spec.prose[:80]
    fnt = ImageFont.load_default(size=36)
    n = round(seconds * FPS)
    with av.open(str(dest), "w") as out:
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        audio = out.add_stream("aac", rate=48_000)
        audio.layout = "stereo"
        for i in range(n):
            image = Image.new("RGB", (WIDTH, HEIGHT))
            draw = ImageDraw.Draw(image)
            for y in range(HEIGHT):
                t = y / HEIGHT
                color = tuple(int(a + (b - a) * t) for a, b in zip(c0, c1, strict=True))
                draw.line([(0, y), (WIDTH, y)], fill=color)
            draw.ellipse([540, 160, 740, 360], fill=c2)
            draw.rounded_rectangle([460, 370, 820, 720], radius=60, fill=c2)
            zoom = 1 + 0.15 * i / max(1, n - 1)
            w, h = round(WIDTH / zoom), round(HEIGHT / zoom)
            box = ((WIDTH - w) // 2, (HEIGHT - h) // 2, (WIDTH + w) // 2, (HEIGHT + h) // 2)
            image = image.crop(box).resize((WIDTH, HEIGHT))
            draw = ImageDraw.Draw(image)
            draw.rectangle([200, 600, 1080, 690], fill=(0, 0, 0))
            draw.text((220, 620), caption, font=fnt, fill=(255, 255, 255))
            frame = av.VideoFrame.from_image(image)
            frame.pts = i
            frame.time_base = Fraction(1, FPS)
            for packet in video.encode(frame):
                out.mux(packet)
        bed = audio_bed(seconds)
        for start in range(0, bed.shape[1], 1024):
            chunk = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(bed[:, start : start + 1024]), format="fltp", layout="stereo"
            )
            chunk.sample_rate, chunk.pts = 48_000, start
            for packet in audio.encode(chunk):
                out.mux(packet)
        for packet in video.encode(None):
            out.mux(packet)
        for packet in audio.encode(None):
            out.mux(packet)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="one prompt, 2 s clips")
    parser.add_argument("--prompts", type=Path, default=DEFAULT_PROMPTS)
    args = parser.parse_args()
    seconds = 2.0 if args.short else 6.0
    prompts = load_prompts(args.prompts, 1 if args.short else 3)
    print(f"# {platform.python_version()} PyAV {av.__version__} cpus={os.cpu_count()}")
    print(f"# {len(prompts)} prompt(s) x {seconds:g} s at {WIDTH}x{HEIGHT} {FPS} fps")
    print(
        f"# load average before: {os.getloadavg()[0]:.2f} (shared machine; figures scale with it)"
    )
    fast = slow = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        # Warm both paths (imports, font cache, codec init) so neither pays first-call costs.
        render_animatic(Path(tmp) / "warm.mp4", prompt=TEMPLATE, size="320x180", seconds=0.5)
        naive_render(Path(tmp) / "warm_naive.mp4", TEMPLATE, 0.1)
        compose_shot(Path(tmp) / "warm_explainer.mp4", EXPLAINER, size="320x180")
        for k, prompt in enumerate(prompts):
            start = time.perf_counter()
            render_animatic(
                Path(tmp) / f"a{k}.mp4", prompt=prompt, size=f"{WIDTH}x{HEIGHT}", seconds=seconds
            )
            took = time.perf_counter() - start
            fast += took
            start = time.perf_counter()
            naive_render(Path(tmp) / f"n{k}.mp4", prompt, seconds)
            naive = time.perf_counter() - start
            slow += naive
            sizes = [(Path(tmp) / f"{p}{k}.mp4").stat().st_size // 1024 for p in "an"]
            print(
                f"prompt {k}: animatic {took:.2f}s ({seconds / took:.2f}x, {sizes[0]} KiB)"
                f"  naive {naive:.2f}s ({seconds / naive:.2f}x, {sizes[1]} KiB)"
            )
        visual = ShotVisual(**{**EXPLAINER.__dict__, "seconds": seconds})
        explainer = cpu = 0.0
        for k in range(len(prompts)):
            start, start_cpu = time.perf_counter(), time.process_time()
            compose_shot(Path(tmp) / f"e{k}.mp4", visual, size=f"{WIDTH}x{HEIGHT}")
            took, used = time.perf_counter() - start, time.process_time() - start_cpu
            explainer += took
            cpu += used
            print(f"explainer {k}: {took:.2f}s ({seconds / took:.2f}x), {used:.2f} CPU-s")
    total = seconds * len(prompts)
    print(f"# load average after: {os.getloadavg()[0]:.2f}")
    # CPU seconds (all threads) do not grow with the load of other processes: video seconds per
    # CPU second is what one idle core achieves, a floor for two idle cores.
    print(
        f"realtime_x={total / fast:.2f} baseline_realtime_x={total / slow:.2f} "
        f"explainer_realtime_x={total / explainer:.2f} explainer_per_cpu_second_x={total / cpu:.2f}"
    )


if __name__ == "__main__":
    main()
