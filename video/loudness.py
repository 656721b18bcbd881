"""ITU-R BS.1770 loudness and true peak, measured by FFmpeg's ``ebur128`` filter through PyAV."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

SILENCE_LUFS = -70.0


@dataclass(frozen=True)
class Loudness:
    """Integrated loudness (LUFS) and true peak (dBTP) of a signal."""

    integrated: float
    true_peak: float


def _db(value: str | None, floor: float) -> float:
    try:
        number = float(value) if value is not None else floor
    except ValueError:
        return floor
    return number if np.isfinite(number) else floor


def measure(samples: npt.NDArray[np.float32], rate: int) -> Loudness:
    """Measure planar float audio of shape (channels, n): integrated LUFS and true peak dBTP."""
    import av
    import av.filter

    data = np.ascontiguousarray(np.atleast_2d(samples).astype(np.float32))
    channels = data.shape[0]
    if data.shape[1] == 0:
        return Loudness(SILENCE_LUFS, SILENCE_LUFS)
    layout = "mono" if channels == 1 else "stereo"
    graph = av.filter.Graph()
    src = graph.add_abuffer(
        format="fltp", sample_rate=rate, layout=layout, time_base=Fraction(1, rate)
    )
    meter = graph.add("ebur128", "metadata=1:peak=true")
    sink = graph.add("abuffersink")
    src.link_to(meter)
    meter.link_to(sink)
    graph.configure()
    frame = av.AudioFrame.from_ndarray(data[:channels], format="fltp", layout=layout)
    frame.sample_rate = rate
    frame.pts = 0
    frame.time_base = Fraction(1, rate)
    graph.push(frame)
    graph.push(None)
    meta: dict[str, str] = {}
    while True:
        try:
            out = graph.pull()
        except (av.error.EOFError, av.error.BlockingIOError):
            break
        meta = dict(out.metadata) or meta
    peak_linear = _db(meta.get("lavfi.r128.true_peak"), 0.0)
    true_peak = 20 * np.log10(peak_linear) if peak_linear > 0 else SILENCE_LUFS
    return Loudness(_db(meta.get("lavfi.r128.I"), SILENCE_LUFS), float(true_peak))
