"""The emulator's ``POST /v1/audio/speech``: OpenAI's speech wire, answered by the offline voice.

Any OpenAI voice name is accepted and spoken by the offline voice, so the online narration path
(request shape, PCM answer, errors) is exercised without a network or a key. ``response_format``
``pcm`` (raw 24 kHz 16-bit mono) and ``wav`` are served.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
import wave
from pathlib import Path

import numpy as np
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

PCM_RATE = 24_000
MAX_INPUT_CHARS = 4096


def _error(status: int, message: str) -> Response:
    body = {"error": {"message": message, "type": "invalid_request_error", "param": None,
                      "code": None}}  # fmt: skip
    return JSONResponse(body, status_code=status)


def _speak(text: str, speed: float) -> np.ndarray:
    from lessonreel.video.narration.base import read_wav
    from lessonreel.video.narration.piper import PiperNarrator

    with tempfile.TemporaryDirectory(prefix="lessonreel-emu-speech-") as tmp:
        dest = Path(tmp) / "speech.wav"
        PiperNarrator().speak([[text]], [dest], voice="joe", rate=speed)
        samples, rate = read_wav(dest)
    n = round(samples.size * PCM_RATE / rate)
    resampled = np.interp(np.arange(n) * (rate / PCM_RATE), np.arange(samples.size), samples)
    pcm: np.ndarray = (np.clip(resampled, -1, 1) * 32767).astype("<i2")
    return pcm


async def create_speech(request: Request) -> Response:
    """POST /audio/speech — JSON {model, input, voice, speed?, response_format?}."""
    if not request.headers.get("authorization", "").startswith("Bearer "):
        return _error(401, "You didn't provide an API key.")
    try:
        body = await request.json()
    except ValueError:
        return _error(400, "The request body is not valid JSON.")
    text = body.get("input") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        return _error(400, "'input' is required.")
    if len(text) > MAX_INPUT_CHARS:
        return _error(400, f"'input' is longer than {MAX_INPUT_CHARS} characters.")
    if not isinstance(body.get("voice"), str) or not body.get("model"):
        return _error(400, "'model' and 'voice' are required.")
    speed = float(body.get("speed") or 1.0)
    if not 0.25 <= speed <= 4.0:
        return _error(400, "'speed' must be between 0.25 and 4.0.")
    fmt = body.get("response_format") or "mp3"
    if fmt not in ("pcm", "wav"):
        return _error(400, f"the emulator serves response_format 'pcm' or 'wav', not {fmt!r}.")
    pcm = await asyncio.to_thread(_speak, text, speed)
    if fmt == "pcm":
        return Response(pcm.tobytes(), media_type="audio/pcm")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(PCM_RATE)
        w.writeframes(pcm.tobytes())
    return Response(buffer.getvalue(), media_type="audio/wav")


def routes() -> list[BaseRoute]:
    """The speech route, to be mounted under /v1 and /openai/v1 with the video routes."""
    return [Route("/audio/speech", create_speech, methods=["POST"])]
