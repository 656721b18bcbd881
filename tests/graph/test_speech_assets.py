"""Narration audio is a ledger asset: a stored shot is never spoken (or paid for) twice."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from lessonreel.agents.director_offline import direct_offline
from lessonreel.agents.ingest import load_lesson
from lessonreel.graph.speech import speak_lesson, time_shots
from lessonreel.store.ledger import Ledger
from lessonreel.video.narration.base import Speech, Voice, join_sentences

TEXT = """# Rivers

Rivers carry water from hills to the sea. A river erodes its valley over thousands of years.
Sand and mud settle where the river slows down. This is called deposition.
"""


class PaidVoice:
    """A paid engine double: counts the characters it is asked to speak (a real WAV each)."""

    name = "paid"

    def __init__(self) -> None:
        self.spoken: list[str] = []

    def voices(self) -> list[Voice]:
        return [Voice("v", self.name, "test", "test")]

    def usd_per_char(self) -> float:
        return 0.001

    def speak(
        self, shots: Sequence[Sequence[str]], dest: Sequence[Path], *, voice: str, rate: float
    ) -> list[Speech]:
        out = []
        for sentences, path in zip(shots, dest, strict=True):
            self.spoken += list(sentences)
            parts = [(s, 0.5 * np.sin(np.arange(len(s) * 1200) * 0.07).astype(np.float32))
                     for s in sentences]  # fmt: skip
            out.append(join_sentences(parts, 16_000, path))
        return out


def test_resumed_narration_reuses_stored_audio_and_charges_once(tmp_path: Path) -> None:
    board = direct_offline(load_lesson(text=TEXT), legal_seconds=(4, 8, 12))
    voice = PaidVoice()
    with Ledger(tmp_path / "ledger.db") as ledger:
        ledger.create_run("run-1", lesson_id=board.lesson_id, title=board.title,
                          provider="local", model="sora-2", options={})  # fmt: skip
        first = speak_lesson(ledger, "run-1", board, voice, voice="v", model="m", rate=1.0,
                             folder=tmp_path / "narration")  # fmt: skip
        said = list(voice.spoken)
        again = speak_lesson(ledger, "run-1", board, voice, voice="v", model="m", rate=1.0,
                             folder=tmp_path / "narration")  # fmt: skip
        assert voice.spoken == said  # nothing spoken twice
        assert again.shots == first.shots
        charged = ledger.spent("run-1")
        assert charged == first.usd > 0
        # a stored file that went missing must be spoken again: a second, honest charge
        Path(first.shots[0].path).unlink()
        speak_lesson(ledger, "run-1", board, voice, voice="v", model="m", rate=1.0,
                     folder=tmp_path / "narration")  # fmt: skip
        assert len(voice.spoken) > len(said)
        assert ledger.spent("run-1") == round(charged + first.shots[0].cost_usd, 6)
    durations, placed = time_shots(board, first, [4, 8, 12])
    assert all(d in (4, 8, 12) for d in durations)
    end = max(s.offset + s.seconds for s in placed.shots.values())
    assert end <= sum(durations)
