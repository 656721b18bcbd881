"""OpenAI speech (``POST /v1/audio/speech``): the narrator's voice when a key is set.

One request per sentence, so every sentence's real length is known (the endpoint returns no
timestamps); the answer is raw 24 kHz 16-bit mono PCM. The same wire is served by the emulator
(answered by the offline voice), so this path is tested without a network.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx
import numpy as np

from lessonreel.video.narration.base import Speech, SpeechError, Voice, join_sentences
from lessonreel.video.pricing.speech import speech_cost

ENGINE = "openai"
DEFAULT_MODEL = "gpt-4o-mini-tts"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
PCM_RATE = 24_000
STYLE = "Warm, clear teacher explaining a lesson to students; steady pace, friendly, no drama."
VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer",
          "verse")  # fmt: skip
LICENCE = "OpenAI terms; disclose the voice is AI"
TIMEOUT = 60.0


def speech_key() -> str | None:
    """The API key for speech, from the environment only (never from state or options)."""
    return os.environ.get("LESSONREEL_SPEECH_API_KEY") or os.environ.get("OPENAI_API_KEY") or None


class OpenAISpeech:
    """Speech over the OpenAI wire; ``client_factory`` lets tests aim it at the emulator."""

    name = ENGINE

    def __init__(
        self,
        *,
        base_url: str | None = None,
        model: str = DEFAULT_MODEL,
        api_key: str | None = None,
        client_factory: Callable[[], httpx.Client] | None = None,
    ) -> None:
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.model = model
        self._key = api_key
        self._client_factory = client_factory

    def voices(self) -> list[Voice]:
        """OpenAI's built-in voices."""
        return [Voice(v, ENGINE, f"OpenAI {self.model}", LICENCE) for v in VOICES]

    def usd_per_char(self) -> float:
        """Approximate price per character of narration."""
        return speech_cost(self.model, 1)

    def _client(self) -> httpx.Client:
        if self._client_factory is not None:
            return self._client_factory()
        return httpx.Client(timeout=TIMEOUT)

    def _one(self, client: httpx.Client, text: str, voice: str, rate: float) -> np.ndarray:
        body = {
            "model": self.model,
            "input": text,
            "voice": voice,
            "instructions": STYLE,
            "response_format": "pcm",
            "speed": round(rate, 2),
        }
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        try:
            response = client.post(f"{self.base_url}/audio/speech", json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise SpeechError(f"speech request failed: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise SpeechError(f"speech request failed: HTTP {response.status_code}")
        pcm = np.frombuffer(response.content[: len(response.content) // 2 * 2], dtype="<i2")
        return pcm.astype(np.float32) / 32768.0

    def speak(
        self, shots: Sequence[Sequence[str]], dest: Sequence[Path], *, voice: str, rate: float
    ) -> list[Speech]:
        """Speak each sentence with one request; join each shot's sentences into its WAV."""
        if voice not in VOICES:
            raise SpeechError(f"unknown OpenAI voice {voice!r}; voices: {', '.join(VOICES)}")
        out: list[Speech] = []
        with self._client() as client:
            for sentences, path in zip(shots, dest, strict=True):
                parts = [(s, self._one(client, s, voice, rate)) for s in sentences]
                out.append(join_sentences(parts, PCM_RATE, path))
        return out
