"""Translate between ``WIDTHxHEIGHT`` sizes and the resolution + aspect-ratio pairs some APIs take.

The neutral :class:`~lessonreel.video.types.VideoRequest` and the price table key everything by
``WIDTHxHEIGHT``; OpenRouter and Vertex Veo take ``resolution`` ("720p") and ``aspect_ratio``
("16:9") instead, so one table-free rule maps one onto the other in both directions.
"""

from __future__ import annotations

from collections.abc import Iterable
from math import gcd

_NAMED_SHORT_SIDE = {"1k": 1080, "2k": 1440, "4k": 2160}


def short_side(resolution: str) -> int:
    """Return the pixels on the short side for ``"720p"``, ``"1080p"``, ``"4K"`` and the like."""
    key = resolution.strip().lower()
    if key in _NAMED_SHORT_SIDE:
        return _NAMED_SHORT_SIDE[key]
    if key.endswith("p") and key[:-1].isdigit():
        return int(key[:-1])
    raise ValueError(f"unknown resolution {resolution!r}")


def _even(value: float) -> int:
    return round(value / 2.0) * 2


def dimensions(resolution: str, aspect_ratio: str) -> str:
    """Return ``WIDTHxHEIGHT`` for a resolution and aspect ratio (720p, 9:16 → 720x1280)."""
    short = short_side(resolution)
    a, b = (int(part) for part in aspect_ratio.split(":"))
    if a >= b:
        return f"{_even(short * a / b)}x{short}"
    return f"{short}x{_even(short * b / a)}"


def split_size(
    size: str,
    resolutions: Iterable[str],
    aspect_ratios: Iterable[str],
) -> tuple[str, str] | None:
    """Find the (resolution, aspect ratio) pair among the allowed ones that yields ``size``, if any.

    Resolutions ending in ``p`` win over named ones (``1K``) when both give the same pixels.
    """
    ordered = sorted(resolutions, key=lambda r: not r.lower().endswith("p"))
    aspects = list(aspect_ratios)
    for resolution in ordered:
        for aspect in aspects:
            try:
                if dimensions(resolution, aspect) == size:
                    return resolution, aspect
            except ValueError:
                continue
    return None


def aspect_of(size: str) -> str:
    """Return the reduced aspect ratio of ``WIDTHxHEIGHT`` (``1280x720`` → ``16:9``)."""
    width, height = (int(part) for part in size.split("x"))
    divisor = gcd(width, height)
    return f"{width // divisor}:{height // divisor}"


def tokens_per_second(size: str, fps: int = 24) -> float:
    """Return billing tokens per generated second for per-token video models.

    Seedance bills ``width * height * fps * seconds / 1024`` tokens (UNVERIFIED third-party
    rule), so a per-token price converts to $/s by this factor.
    """
    width, height = (int(part) for part in size.split("x"))
    return width * height * fps / 1024
