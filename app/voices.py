"""The narrator's voices as every front end offers them: one list, one readiness rule, one check.

``lessonreel voices``, ``make --voice`` and the studio's voice picker all read this, so a voice
listed as ready is a voice a run can speak with, and a voice that cannot speak here is refused
before a run exists instead of yielding a silent video with a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MIN_RATE, MAX_RATE = 0.5, 2.0
"""The speaking rates a run accepts (1.0 natural)."""
CHARS_PER_MINUTE = 850
"""Characters a narrator speaks in a minute (~140 words): turns $/char into $/minute."""


@dataclass(frozen=True)
class VoiceChoice:
    """One voice as a user picks it."""

    name: str
    engine: str
    description: str
    licence: str
    default: bool
    ready: bool
    """Whether it can speak on this machine now (engine installed, key or endpoint set)."""
    usd_per_minute: float
    needs: str | None
    """What is missing when it is not ready, in a few words."""


def _speech_base_url(speech_base_url: str | None) -> str | None:
    if speech_base_url is not None:
        return speech_base_url
    import os

    from lessonreel.graph.context import ENV_PREFIX

    return os.environ.get(ENV_PREFIX + "SPEECH_BASE_URL") or None


def voice_choices(speech_base_url: str | None = None) -> list[VoiceChoice]:
    """Every voice of every engine (the registry's order), marked ready or not."""
    from lessonreel.video.narration.openai_speech import speech_key
    from lessonreel.video.narration.piper import piper_available
    from lessonreel.video.narration.registry import all_voices, default_voice, speech_usd_per_char

    base_url = _speech_base_url(speech_base_url)
    default = default_voice(base_url)
    online = bool(speech_key() or base_url)
    out = []
    for v in all_voices():
        if v.engine == "piper":
            ready, needs = piper_available(), "the piper program (pip install piper-tts)"
        else:
            ready, needs = online, "OPENAI_API_KEY"
        out.append(
            VoiceChoice(
                name=v.name,
                engine=v.engine,
                description=v.description,
                licence=v.licence,
                default=v.name == default,
                ready=ready,
                usd_per_minute=round(speech_usd_per_char(v.name) * CHARS_PER_MINUTE, 4),
                needs=None if ready else needs,
            )
        )
    return out


def voice_problem(
    voice: str, speech_base_url: str | None = None, *, ready: bool = True
) -> str | None:
    """Why ``voice`` cannot narrate a run here (one line naming the choices), or None.

    Without ``ready`` only an unknown name is a problem (a plan prices a voice it will not use).
    """
    choices = voice_choices(speech_base_url)
    found = next((c for c in choices if c.name == voice), None)
    if found is None:
        names = ", ".join(c.name for c in choices)
        return f"unknown voice {voice!r}; voices: {names} (see: lessonreel voices)"
    if ready and not found.ready:
        usable = ", ".join(c.name for c in choices if c.ready) or "none"
        return f"voice {voice!r} needs {found.needs} on this machine; ready voices: {usable}"
    return None


def narration_problem(context: Any, *, ready: bool = True) -> str | None:
    """What is wrong with a run's narration settings (rate, voice), in one line, or None.

    ``context`` is a :class:`~lessonreel.graph.context.Context`. A voice must exist; with
    ``ready`` and narration on it must also be able to speak here (a plan only prices it).
    """
    rate = context.speaking_rate
    if not MIN_RATE <= rate <= MAX_RATE:  # NaN fails too
        return f"speaking rate {rate:g} is outside {MIN_RATE}-{MAX_RATE} (1.0 is natural)"
    if not context.voice:
        return None
    speaks = ready and bool(context.narration)
    return voice_problem(context.voice, context.speech_base_url, ready=speaks)
