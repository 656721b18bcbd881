"""Screen everything of a storyboard that a viewer sees or hears, sentence by sentence.

Narration (the voice-over and the speech prompt), dialogue, captions (made from those two),
on-screen terms, definitions, labels and the equation, the quiz, and the visual fields the shot
prompt and ``storyboard.md`` are made of (subject, setting, action, beats, sound). The director
may write these from a lesson that was already screened at ingest, or from a chat model that
wandered: either way each sentence is judged as a lesson sentence and the sanitizer's rule
applies — a bad sentence is dropped, or replaced by a neutral summary sentence (a chat model's
rewrite when one is set, else a statement of its facts); words inside a sentence are never
swapped. A required visual field left empty gets a neutral stand-in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lessonreel.agents.schemas import DialogueLine, SafetyNote, Shot, Storyboard
from lessonreel.agents.screen_graphic import neutral_statement
from lessonreel.agents.screen_passages import Judgement, digest, judge_sentence
from lessonreel.agents.text import split_sentences

if TYPE_CHECKING:
    from lessonreel.agents.safety import Screen

NEUTRAL_VISUAL = "archive maps and documents on a museum table"
"""Stand-in for a required visual field whose every sentence was unsafe."""

Rewriter = Callable[[str, Judgement], str]
"""Replaces one bad sentence with a neutral sentence ('' drops it)."""


def offline_rewrite(sentence: str, judgement: Judgement) -> str:
    """A statement of the sentence's facts when it names an act of violence, else nothing."""
    if judgement.tool or judgement.category not in (None, "violence_gore"):
        return ""
    return neutral_statement([sentence])


class StoryboardScreen:
    """Screens the text fields of a storyboard; collects a :class:`SafetyNote` per change."""

    def __init__(self, screen: Screen | None, rewrite: Rewriter = offline_rewrite) -> None:
        self.screen = screen
        self.rewrite = rewrite
        self.notes: list[SafetyNote] = []
        self._seen: dict[str, Judgement] = {}
        self._clean: set[str] = set()  # texts whose every sentence was judged safe

    def _judge(self, sentence: str) -> Judgement:
        if sentence not in self._seen:
            self._seen[sentence] = judge_sentence(sentence, self.screen)
        return self._seen[sentence]

    def text(self, text: str, where: str) -> str:
        """``text`` with each bad sentence dropped or replaced by a neutral sentence."""
        if not text.strip() or text in self._clean:
            return text
        sentences = split_sentences(text)
        out: list[str] = []
        changed = False
        for i, s in enumerate(sentences):
            j = self._judge(s)
            if not j.bad:
                out.append(s)
                continue
            changed = True
            new = self.rewrite(s, j)
            if new and self._judge(new).bad:
                new = ""
            if new and new in out:
                new = ""
            self.notes.append(
                SafetyNote(
                    stage="storyboard",
                    where=f"{where}, sentence {i + 1}",
                    action="rewritten" if new else "dropped",
                    reason=j.reason,
                    category=j.category,
                    words=len(s.split()),
                    digest=digest(s),
                    replacement=new,
                )
            )
            if new:
                out.append(new)
        if not changed:
            self._clean.add(text)  # a storyboard repeats its texts (labels, settings, sounds)
            return text
        return " ".join(out)

    def required(self, text: str, where: str) -> str:
        """Like :meth:`text`, but never empty (a neutral stand-in instead)."""
        return self.text(text, where).strip() or NEUTRAL_VISUAL

    def shot(self, shot: Shot) -> Shot:
        """One shot with every viewer-facing and provider-facing field screened."""
        at = f"shot {shot.index}"
        dialogue = [
            DialogueLine(speaker=d.speaker, line=line)
            for k, d in enumerate(shot.dialogue)
            if (line := self.text(d.line, f"{at} dialogue {k + 1}").strip())
        ]
        terms = [
            t.model_copy(update={"definition": self.text(t.definition, f"{at} term {k + 1}")})
            for k, t in enumerate(shot.on_screen.terms)
            if self.text(t.term, f"{at} term {k + 1}").strip() == t.term.strip()
        ]
        labels = [
            lab
            for k, lab in enumerate(shot.on_screen.labels)
            if self.text(lab, f"{at} label {k + 1}").strip() == lab.strip()
        ]
        equation = shot.on_screen.equation
        if equation and self.text(equation, f"{at} equation").strip() != equation.strip():
            equation = None
        beats = [self.text(b, f"{at} beat {k + 1}").strip() for k, b in enumerate(shot.beats)]
        return shot.model_copy(
            update={
                "narration": self.text(shot.narration, f"{at} narration"),
                "dialogue": dialogue,
                "on_screen": shot.on_screen.model_copy(
                    update={"terms": terms, "labels": labels, "equation": equation}
                ),
                "subject": self.required(shot.subject, f"{at} subject"),
                "setting": self.required(shot.setting, f"{at} setting"),
                "action": self.required(shot.action, f"{at} action"),
                "beats": [b for b in beats if b] or [NEUTRAL_VISUAL],
                "background_sound": self.text(shot.background_sound, f"{at} sound"),
                "objective": self.required(shot.objective, f"{at} objective"),
                "concepts": [
                    c
                    for k, c in enumerate(shot.concepts)
                    if self.text(c, f"{at} concept {k + 1}").strip() == c.strip()
                ],
            }
        )

    def storyboard(self, storyboard: Storyboard) -> Storyboard:
        """The storyboard with every shot and the quiz screened."""
        shots = [self.shot(s) for s in storyboard.shots]
        quiz = storyboard.quiz
        if quiz is not None:
            kept = []
            for k, q in enumerate(quiz.questions):
                texts = [q.question, *q.choices, q.explanation]
                where = f"quiz question {k + 1}"
                if all(self.text(t, where).strip() == t.strip() for t in texts if t.strip()):
                    kept.append(q)
            quiz = quiz.model_copy(update={"questions": kept})
        return storyboard.model_copy(update={"shots": shots, "quiz": quiz})


def screen_storyboard(
    storyboard: Storyboard, screen: Screen | None, rewrite: Rewriter = offline_rewrite
) -> tuple[Storyboard, list[SafetyNote]]:
    """Screen a storyboard's text fields; return it (changed only where unsafe) and the notes."""
    checker = StoryboardScreen(screen, rewrite)
    out = checker.storyboard(storyboard)
    return (out if checker.notes else storyboard), checker.notes
