"""The narration step's work (sync, run in a thread): speak each shot once, store it, time it.

Each shot's audio is a ledger asset keyed by engine, voice, model, rate and text. The row is
written before the engine is asked; a stored ``done`` row with its file intact is reused, so a
resumed run never pays for the same narration twice. Free engines speak the whole lesson in one
call; a paid engine is called shot by shot, so each answer is stored as soon as it arrives.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

from lessonreel.agents.schemas import Storyboard
from lessonreel.agents.text import split_sentences
from lessonreel.agents.timing import fit_timeline, silences
from lessonreel.graph.state import Narration, ShotSpeech
from lessonreel.store.assets import sha256_file
from lessonreel.store.ledger import Ledger
from lessonreel.video.narration.base import Narrator, Speech, SpeechError


def speech_key(engine: str, voice: str, model: str, rate: float, text: str) -> str:
    """Idempotency key of one shot's narration audio."""
    raw = json.dumps([engine, voice, model, round(rate, 3), text], ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def shot_sentences(narration: str) -> list[str]:
    """The sentences the narrator says for one shot."""
    return [s for s in split_sentences(" ".join(narration.split())) if s.strip()]


def _stored(row: dict[str, object] | None) -> ShotSpeech | None:
    if row is None or row.get("status") != "done":
        return None
    path = Path(str(row.get("path") or ""))
    if not path.is_file() or sha256_file(path) != row.get("sha256"):
        return None
    segments = [tuple(s) for s in json.loads(str(row.get("segments") or "[]"))]
    return ShotSpeech(
        index=int(str(row["shot_index"])),
        key=str(row["key"]),
        path=str(path),
        seconds=float(str(row.get("seconds") or 0.0)),
        segments=segments,
        cost_usd=float(str(row.get("cost_usd") or 0.0)),
    )


def _record(
    ledger: Ledger, run_id: str, key: str, index: int, speech: Speech, usd: float
) -> ShotSpeech:
    """Charge, then mark the asset done: every synthesis that happened is paid for once."""
    segments = [(round(s.start, 3), round(s.end, 3), s.text) for s in speech.segments]
    digest = sha256_file(speech.path)
    if usd > 0:
        # one charge per synthesis (a lost file spoken again is a second, real charge)
        charge = f"speech:{key}:{uuid.uuid4().hex[:8]}"
        ledger.record_spend(run_id, job_key=charge, usd=usd, kind="charge")
    ledger.speech.finish(
        key,
        path=str(speech.path),
        sha256=digest,
        seconds=speech.seconds,
        segments=json.dumps(segments, ensure_ascii=False),
        cost_usd=usd,
    )
    return ShotSpeech(
        index=index, key=key, path=str(speech.path), seconds=speech.seconds,
        segments=segments, cost_usd=usd,
    )  # fmt: skip


def speak_lesson(
    ledger: Ledger,
    run_id: str,
    storyboard: Storyboard,
    narrator: Narrator,
    *,
    voice: str,
    model: str,
    rate: float,
    folder: Path,
) -> Narration:
    """Speak every shot that has narration (reusing stored audio); SpeechError propagates."""
    folder.mkdir(parents=True, exist_ok=True)
    done: dict[int, ShotSpeech] = {}
    todo: list[tuple[int, str, list[str]]] = []
    for shot in storyboard.shots:
        sentences = shot_sentences(shot.narration)
        if not sentences:
            continue
        text = " ".join(sentences)
        key = speech_key(narrator.name, voice, model, rate, text)
        row, _ = ledger.speech.reserve(
            key, run_id=run_id, shot_index=shot.index, engine=narrator.name, voice=voice,
            chars=len(text),
        )  # fmt: skip
        stored = _stored(row)
        if stored is not None:
            done[shot.index] = stored.model_copy(update={"index": shot.index})
        else:
            todo.append((shot.index, key, sentences))
    price = narrator.usd_per_char()
    batches = [todo] if price == 0 else [[item] for item in todo]
    for batch in batches:
        if not batch:
            continue
        dests = [folder / f"shot-{i:03d}-{key[:12]}.wav" for i, key, _ in batch]
        speeches = narrator.speak([s for _, _, s in batch], dests, voice=voice, rate=rate)
        for (index, key, sentences), speech in zip(batch, speeches, strict=True):
            usd = round(price * sum(len(s) for s in sentences), 6)
            done[index] = _record(ledger, run_id, key, index, speech, usd)
    return Narration(
        engine=narrator.name,
        voice=voice,
        shots=done,
        usd=round(sum(s.cost_usd for s in done.values()), 6),
    )


def time_shots(
    storyboard: Storyboard, narration: Narration, legal: list[int]
) -> tuple[list[int], Narration]:
    """Legal shot durations from the real audio, and the narration placed on the video."""
    speech = [narration.shots[s.index].seconds if s.index in narration.shots else 0.0
              for s in storyboard.shots]  # fmt: skip
    durations, starts = fit_timeline(speech, legal)
    placed = {
        i: shot.model_copy(update={"offset": round(starts[i], 3)})
        for i, shot in narration.shots.items()
    }
    quiet = silences(durations, starts, speech)
    return durations, narration.model_copy(
        update={"shots": placed, "max_silence": round(max(quiet, default=0.0), 2)}
    )


__all__ = ["SpeechError", "shot_sentences", "speak_lesson", "speech_key", "time_shots"]
