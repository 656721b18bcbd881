"""Join shot clips into one lesson video, and make slates for shots that were given up.

Clips that agree on every stream parameter are concatenated by stream copy (packets are copied,
only their timestamps are shifted), which is orders of magnitude faster than re-encoding and
loses nothing. Anything else is decoded, letterboxed to the first clip's size and re-encoded with
the project's standard settings.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from lessonreel.video.encode import (
    ClipWriter,
    EncoderSettings,
    audio_bed,
    frame_count,
    parse_size,
    temp_path_for,
)
from lessonreel.video.overlay.text import wrap_text
from lessonreel.video.scene import font


class ClipInfo(BaseModel):
    """What a clip is made of; ``copy_key`` is equal for clips that can be joined by copy."""

    model_config = ConfigDict(frozen=True)

    duration: float
    width: int
    height: int
    video_codec: str
    audio_codec: str | None
    fps: float
    pix_fmt: str | None = None
    audio_rate: int | None = None
    audio_channels: int | None = None
    copy_key: str = ""


class StitchResult(BaseModel):
    """The joined file, its probed duration, and whether it had to be re-encoded."""

    model_config = ConfigDict(frozen=True)

    path: Path
    duration: float
    reencoded: bool


def probe(path: Path) -> ClipInfo:
    """Read stream parameters and duration of an MP4 without decoding it.

    Raises ValueError for a file that is missing, truncated or not a video.
    """
    with _open(path) as container:
        return _describe(container, path)


def _open(path: Path) -> Any:
    """Open a clip for reading; a file that is missing or not a media file is a ValueError."""
    import av

    try:
        return av.open(str(path))
    except (av.FFmpegError, OSError) as exc:
        raise ValueError(f"cannot read {path} as a video: {exc}") from exc


def _describe(container: Any, path: Path) -> ClipInfo:
    """The :class:`ClipInfo` of an open clip (see :func:`probe`)."""
    import av

    if not container.streams.video:
        raise ValueError(f"{path} has no video stream")
    vs = container.streams.video[0]
    vctx = vs.codec_context
    audio = container.streams.audio[0] if container.streams.audio else None
    actx = audio.codec_context if audio is not None else None
    if container.duration is not None:
        duration = container.duration / av.time_base
    else:
        duration = float((vs.duration or 0) * (vs.time_base or 0))
    rate = vs.average_rate or vs.guessed_rate or 0
    key_parts = [
        vctx.name,
        f"{vctx.width}x{vctx.height}",
        str(vctx.pix_fmt),
        hashlib.sha256(bytes(vctx.extradata or b"")).hexdigest(),
    ]
    if actx is not None:
        key_parts += [
            actx.name,
            str(actx.sample_rate),
            str(actx.layout.name),
            hashlib.sha256(bytes(actx.extradata or b"")).hexdigest(),
        ]
    return ClipInfo(
        duration=float(duration),
        width=vctx.width,
        height=vctx.height,
        video_codec=vctx.name,
        audio_codec=actx.name if actx is not None else None,
        fps=float(rate),
        pix_fmt=vctx.pix_fmt,
        audio_rate=actx.sample_rate if actx is not None else None,
        audio_channels=actx.channels if actx is not None else None,
        copy_key="|".join(key_parts),
    )


def stitch(clips: list[Path], dest: Path, *, force_reencode: bool = False) -> StitchResult:
    """Concatenate ``clips`` into ``dest``: by stream copy when they match, else by re-encoding."""
    if not clips:
        raise ValueError("stitch needs at least one clip")
    paths = [Path(c) for c in clips]
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    copied = not force_reencode and _remux(paths, dest)
    if not copied:
        _reencode(paths, [probe(p) for p in paths], dest)
    return StitchResult(path=dest, duration=probe(dest).duration, reencoded=not copied)


def _remux(clips: list[Path], dest: Path) -> bool:
    """Copy packets clip after clip, shifting timestamps so each starts where the last ended.

    Each clip is opened once: its parameters are checked against the first clip's as it is
    copied, and the first one that differs stops the copy (False: nothing is written, the
    caller re-encodes). A clip that cannot be read raises ValueError, as :func:`probe` does.
    """
    import av

    tmp = temp_path_for(dest)
    try:
        with av.open(str(tmp), mode="w", format="mp4") as out:
            with _open(clips[0]) as first:
                key = _describe(first, clips[0]).copy_key
                has_audio = bool(first.streams.audio)
                v_out = out.add_stream_from_template(first.streams.video[0])
                a_out = out.add_stream_from_template(first.streams.audio[0]) if has_audio else None
            offset = Fraction(0)  # seconds at which the next clip starts
            last_dts: dict[str, Fraction] = {}
            for clip in clips:
                with _open(clip) as src:
                    if _describe(src, clip).copy_key != key:
                        return False
                    offset += _copy_clip(src, out, v_out, a_out, offset, last_dts)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return True


def _copy_clip(
    src: Any, out: Any, v_out: Any, a_out: Any, offset: Fraction, last_dts: dict[str, Fraction]
) -> Fraction:
    """Mux one clip's packets at ``offset``; return the clip's video duration in seconds."""
    vs = src.streams.video[0]
    streams = [vs] + ([src.streams.audio[0]] if a_out is not None else [])
    packets = [p for p in src.demux(*streams) if p.dts is not None and p.pts is not None]
    video = [p for p in packets if p.stream.type == "video"]
    if not video:
        return Fraction(0)
    v_tb = vs.time_base
    start = min(p.pts for p in video) * v_tb
    end = max(p.pts + (p.duration or 0) for p in video) * v_tb
    # Per stream, in that stream's own integer time base: the shift that puts the clip at
    # ``offset`` and the last dts already written (so the loop below does no Fraction maths).
    shift: dict[int, int] = {}
    floor: dict[int, int | None] = {}
    for stream in streams:
        shift[stream.index] = round((offset - start) / stream.time_base)
        previous = last_dts.get(stream.type)
        floor[stream.index] = None if previous is None else int(previous / stream.time_base)
    for packet in packets:
        index = packet.stream.index
        dts = packet.dts + shift[index]
        lowest = floor[index]
        if lowest is not None and dts <= lowest:
            # Foreign clips (B-frames, long audio tails) can overlap the previous clip: push
            # the rest of this stream later by the overlap instead of breaking the muxer.
            shift[index] += lowest + 1 - dts
            dts = lowest + 1
        packet.pts = packet.pts + shift[index]
        packet.dts = dts
        floor[index] = dts
        packet.stream = v_out if packet.stream.type == "video" else a_out
        out.mux(packet)
    for stream in streams:
        written = floor[stream.index]
        if written is not None:
            last_dts[stream.type] = written * stream.time_base
    return Fraction(end - start)


def _reencode(clips: list[Path], infos: list[ClipInfo], dest: Path) -> None:
    """Decode every clip, letterbox to the first clip's size, encode with the standard settings."""
    width, height = infos[0].width // 2 * 2, infos[0].height // 2 * 2
    fps = round(infos[0].fps) if 1 <= infos[0].fps <= 120 else 24
    settings = EncoderSettings(fps=fps)
    with ClipWriter(dest, width, height, settings) as writer:
        for clip, info in zip(clips, infos, strict=True):
            n = frame_count(max(info.duration, 1 / fps), fps)
            writer.write_audio(clip_audio(clip, round(n * settings.audio_rate / fps), settings))
            for frame in _clip_frames(clip, width, height, fps, n):
                writer.write_frame(frame)


def _letterbox(frame: Any, width: int, height: int) -> npt.NDArray[np.uint8]:
    """Fit ``frame`` inside width x height (aspect kept, black bars); flat yuv420p array."""
    scale = min(width / frame.width, height / frame.height)
    sw = max(2, min(width, round(frame.width * scale) // 2 * 2))
    sh = max(2, min(height, round(frame.height * scale) // 2 * 2))
    small = frame.reformat(sw, sh, "yuv420p", interpolation="BILINEAR")
    scaled = np.asarray(small.to_ndarray(), dtype=np.uint8).reshape(-1)
    if (sw, sh) == (width, height):
        return scaled.reshape(height * 3 // 2, width)
    canvas = np.empty(width * height * 3 // 2, dtype=np.uint8)
    x0, y0 = (width - sw) // 4 * 2, (height - sh) // 4 * 2
    planes = [(width, height, sw, sh, x0, y0, 16)]
    planes += [(width // 2, height // 2, sw // 2, sh // 2, x0 // 2, y0 // 2, 128)] * 2
    src_at = dst_at = 0
    for pw, ph, qw, qh, px, py, fill in planes:
        dst = canvas[dst_at : dst_at + pw * ph].reshape(ph, pw)
        dst.fill(fill)
        dst[py : py + qh, px : px + qw] = scaled[src_at : src_at + qw * qh].reshape(qh, qw)
        src_at += qw * qh
        dst_at += pw * ph
    return canvas.reshape(height * 3 // 2, width)


def _clip_frames(clip: Path, width: int, height: int, fps: int, n: int) -> Iterator[Any]:
    """Yield exactly ``n`` frames at ``fps``: for each output time, the latest source frame."""
    import av

    with av.open(str(clip)) as src:
        vs = src.streams.video[0]
        vs.thread_type = "AUTO"
        t0: float | None = None
        current: npt.NDArray[np.uint8] | None = None
        i = 0
        for frame in src.decode(vs):
            t = float(frame.time or 0.0)
            t0 = t if t0 is None else t0
            while i < n and i / fps < t - t0 - 0.5 / fps:
                yield av.VideoFrame.from_ndarray(
                    current if current is not None else _letterbox(frame, width, height),
                    format="yuv420p",
                )
                i += 1
            current = _letterbox(frame, width, height)
        while i < n:
            if current is None:
                current = _letterbox(av.VideoFrame(width, height, "yuv420p"), width, height)
            yield av.VideoFrame.from_ndarray(current, format="yuv420p")
            i += 1


def clip_audio(clip: Path, samples: int, settings: EncoderSettings) -> npt.NDArray[np.float32]:
    """Return the clip's audio resampled to the standard layout, padded or cut to ``samples``."""
    import av

    out = np.zeros((settings.channels, samples), dtype=np.float32)
    with av.open(str(clip)) as src:
        if not src.streams.audio:
            return out
        resampler = av.AudioResampler(
            format="fltp", layout=settings.audio_layout, rate=settings.audio_rate
        )
        chunks: list[npt.NDArray[np.float32]] = []
        frames: list[Any] = [*src.decode(src.streams.audio[0]), None]
        for frame in frames:
            chunks += [np.asarray(f.to_ndarray(), np.float32) for f in resampler.resample(frame)]
    if chunks:
        data = np.concatenate(chunks, axis=1)[:, :samples]
        out[:, : data.shape[1]] = data
    return out


def _paragraphs(text: str, fnt: Any, max_width: float, max_lines: int) -> list[str]:
    """Wrap each paragraph of ``text`` on its own lines, at most ``max_lines`` in all."""
    lines = [
        line for para in text.splitlines() for line in wrap_text(para, fnt, max_width, max_lines)
    ]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], lines[max_lines - 1].rstrip(".,;:") + "…"]
    return lines


def render_slate(
    dest: Path,
    *,
    title: str,
    caption: str,
    size: str = "1280x720",
    seconds: float = 4.0,
    fps: int = 24,
) -> None:
    """Render a title card with a caption, encoded like an animatic so it joins by copy."""
    from PIL import Image, ImageDraw

    width, height = parse_size(size)
    n = frame_count(seconds, fps)
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    top, bottom = np.array([34, 40, 58], np.float32), np.array([12, 14, 22], np.float32)
    image = Image.fromarray(np.repeat(top + (bottom - top) * ramp, width, axis=1).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    title_font, caption_font = font(round(height * 0.075)), font(round(height * 0.045))
    blocks = [
        (wrap_text(title, title_font, width * 0.85, 2), title_font, (255, 255, 255)),
        (_paragraphs(caption, caption_font, width * 0.8, 5), caption_font, (205, 210, 225)),
    ]
    heights = [len(lines) * round(f.size * 1.3) for lines, f, _ in blocks]
    y = (height - sum(heights) - round(height * 0.05)) / 2
    for (lines, fnt, color), block_h in zip(blocks, heights, strict=True):
        for line in lines:
            draw.text(((width - fnt.getlength(line)) / 2, y), line, font=fnt, fill=color)
            y += round(fnt.size * 1.3)
        y += round(height * 0.05) if block_h else 0
    settings = EncoderSettings(fps=fps)
    seed = int.from_bytes(hashlib.sha256(f"{title}\n{caption}".encode()).digest()[:4], "big")
    with ClipWriter(Path(dest), width, height, settings) as writer:
        writer.write_audio(audio_bed(seconds, seed=seed, settings=settings, level=0.03))
        import av

        yuv = av.VideoFrame.from_ndarray(np.asarray(image), format="rgb24").reformat(
            format="yuv420p"
        )
        still = yuv.to_ndarray()
        for _ in range(n):
            writer.write_frame(av.VideoFrame.from_ndarray(still, format="yuv420p"))
