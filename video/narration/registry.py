"""Which engine speaks which voice, the default voice, and the engine factory."""

from __future__ import annotations

from lessonreel.video.narration.base import Narrator, SpeechError, Voice
from lessonreel.video.narration.openai_speech import DEFAULT_MODEL, OpenAISpeech, speech_key
from lessonreel.video.narration.openai_speech import VOICES as OPENAI_VOICES
from lessonreel.video.narration.piper import VOICE_PACKAGES, PiperNarrator

OFFLINE_VOICE = "joe"
ONLINE_VOICE = "coral"


def all_voices() -> list[Voice]:
    """Every voice of every engine (the online ones are listed even without a key)."""
    return [*PiperNarrator().voices(), *OpenAISpeech().voices()]


def voice_names() -> list[str]:
    """Names ``--voice`` accepts."""
    return [*VOICE_PACKAGES, *OPENAI_VOICES]


def engine_for(voice: str) -> str:
    """The engine that speaks ``voice``; ValueError listing the voices when it is unknown."""
    if voice in VOICE_PACKAGES:
        return "piper"
    if voice in OPENAI_VOICES:
        return "openai"
    raise ValueError(f"unknown voice {voice!r}; voices: {', '.join(voice_names())}")


def default_voice(speech_base_url: str | None = None) -> str:
    """The online voice when a speech key (or a speech endpoint) is configured, else offline."""
    return ONLINE_VOICE if (speech_key() or speech_base_url) else OFFLINE_VOICE


def make_narrator(voice: str, *, base_url: str | None = None, model: str | None = None) -> Narrator:
    """Build the engine for ``voice``; SpeechError when an online voice has nowhere to go."""
    engine = engine_for(voice)
    if engine == "piper":
        return PiperNarrator()
    key = speech_key()
    if not key and not base_url:
        raise SpeechError(f"voice {voice!r} needs OPENAI_API_KEY (or a speech base URL)")
    if model:
        return OpenAISpeech(base_url=base_url, api_key=key, model=model)
    return OpenAISpeech(base_url=base_url, api_key=key)


def speech_usd_per_char(voice: str, model: str | None = None) -> float:
    """Price of one narrated character for ``voice`` (no client is built, no key is read)."""
    if engine_for(voice) == "piper":
        return 0.0
    return OpenAISpeech(model=model or DEFAULT_MODEL).usd_per_char()
