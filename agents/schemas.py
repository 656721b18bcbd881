"""The vocabulary of the agents: lessons, storyboards, shots, rendered prompts and verdicts.

These models are also the structured outputs the LLM agents must produce, so every field
carries a description the model sees.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

BEAT_SECONDS = 4
"""One subject action per beat; beats are counted in 4-second intervals."""


class Lesson(BaseModel):
    """A lesson as ingested from text or a document."""

    id: str = Field(description="Stable slug for the lesson (from its title and content hash).")
    title: str = Field(description="Lesson title.")
    text: str = Field(description="The lesson's full text, as Markdown.")
    subject: str = Field(default="general", description="Subject guess, e.g. biology, history.")
    grade_band: str = Field(default="9-12", description="Grade band, e.g. K-2, 3-5, 6-8, 9-12.")
    objectives: list[str] = Field(
        default_factory=list, description="Learning objectives, explicit or inferred."
    )
    key_concepts: list[str] = Field(
        default_factory=list, description="Key terms and concepts the video should show."
    )
    source: str = Field(default="text", description="Where the lesson came from (path or 'text').")


class DialogueLine(BaseModel):
    """One short, speaker-labelled line of dialogue or narration."""

    speaker: str = Field(description="Who speaks, e.g. Narrator or the presenter's name.")
    line: str = Field(description="What is said; short enough to say within its beat.")


class StyleBible(BaseModel):
    """The look every shot shares, described identically in each shot prompt."""

    look: str = Field(description="Overall format and look, e.g. 'clean 3D educational animation'.")
    palette: list[str] = Field(
        min_length=3, max_length=5, description="Three to five palette colour anchors."
    )
    lens: str = Field(description="Default lens and depth of field, e.g. '35mm, shallow depth'.")
    lighting: str = Field(description="Lighting named by source and quality.")
    presenter: str | None = Field(
        default=None, description="Recurring presenter, described the same way in every shot."
    )
    sound: str = Field(default="soft ambient room tone", description="Background sound bed.")


class KeyTerm(BaseModel):
    """A key term shown on screen when the narration first says it."""

    term: str = Field(description="The term exactly as the narration says it.")
    definition: str = Field(default="", description="A one-line definition for a key-term card.")


class OnScreen(BaseModel):
    """The teaching text composited over a shot (video models cannot draw legible text)."""

    terms: list[KeyTerm] = Field(
        default_factory=list, description="Key terms introduced in this shot, with definitions."
    )
    labels: list[str] = Field(
        default_factory=list, description="Short labels or callouts for what is on screen."
    )
    equation: str | None = Field(
        default=None, description="One equation to show, in LaTeX math (no $ delimiters)."
    )


Framing = Literal["wide", "medium", "close-up", "macro", "insert", "over-the-shoulder"]


class Shot(BaseModel):
    """One camera setup with one camera move and one subject action."""

    index: int = Field(ge=0, description="Position in the storyboard, from 0.")
    start: float = Field(ge=0, description="Start time in the lesson video, seconds.")
    end: float = Field(gt=0, description="End time in the lesson video, seconds.")
    duration: int = Field(gt=0, description="Clip length in seconds; legal for the target model.")
    framing: str = Field(description="Framing and angle, e.g. 'wide shot, eye level'.")
    camera_move: str = Field(description="Exactly one camera move, e.g. 'slow dolly-in', 'static'.")
    lens: str = Field(description="Lens for this shot, e.g. '35mm'.")
    lighting: str = Field(description="Lighting by source and quality.")
    palette: list[str] = Field(min_length=3, max_length=5, description="Three to five colours.")
    subject: str = Field(description="The concrete subject on screen.")
    setting: str = Field(description="Where the shot takes place, in concrete nouns.")
    action: str = Field(description="The one subject action in this shot.")
    beats: list[str] = Field(
        min_length=1, description="The action as counted beats, one per 4 seconds."
    )
    narration: str = Field(
        default="",
        description="What the narrator says over this shot, in whole sentences (voice-over).",
    )
    dialogue: list[DialogueLine] = Field(
        default_factory=list, description="On-camera speech (rare in lessons), in its own block."
    )
    on_screen: OnScreen = Field(
        default_factory=OnScreen, description="Terms, labels and equation composited on screen."
    )
    background_sound: str = Field(default="", description="One small sound cue or ambience.")
    mood: str = Field(default="calm, curious", description="Mood of the shot, a few words.")
    objective: str = Field(description="The learning objective this shot serves.")
    concepts: list[str] = Field(default_factory=list, description="Key concepts shown.")

    @model_validator(mode="after")
    def _timing(self) -> Shot:
        if abs((self.end - self.start) - self.duration) > 1e-6:
            raise ValueError(
                f"shot {self.index}: end - start = {self.end - self.start:g} "
                f"but duration = {self.duration}"
            )
        return self


class QuizQuestion(BaseModel):
    """One multiple-choice question whose answer the narration states."""

    question: str = Field(description="The question, one sentence.")
    choices: list[str] = Field(min_length=2, max_length=5, description="Answer choices.")
    answer: int = Field(ge=0, description="Index of the correct choice.")
    objective: str = Field(default="", description="The learning objective it checks.")
    explanation: str = Field(
        default="", description="The narrated sentence that answers it, shown after answering."
    )

    @model_validator(mode="after")
    def _answer_in_range(self) -> QuizQuestion:
        if self.answer >= len(self.choices):
            raise ValueError(f"answer {self.answer} is not one of {len(self.choices)} choices")
        return self


class Quiz(BaseModel):
    """A short learning check built from the objectives, each answer said in the narration."""

    questions: list[QuizQuestion] = Field(
        default_factory=list, description="Three to five multiple-choice questions."
    )


class Storyboard(BaseModel):
    """A timed storyboard: the style bible and contiguous shots."""

    lesson_id: str = Field(description="Id of the lesson this storyboard films.")
    title: str = Field(description="Title of the lesson video.")
    style: StyleBible = Field(description="The look shared by every shot.")
    shots: list[Shot] = Field(min_length=1, description="Shots in order, contiguous in time.")
    target_seconds: int = Field(default=60, gt=0, description="Intended total length.")
    quiz: Quiz | None = Field(default=None, description="The learning check, when one was made.")

    @property
    def total_seconds(self) -> int:
        """Sum of the shot durations."""
        return sum(s.duration for s in self.shots)

    @model_validator(mode="after")
    def _contiguous(self) -> Storyboard:
        t = 0.0
        for i, shot in enumerate(self.shots):
            if shot.index != i:
                raise ValueError(
                    f"shot indexes must run 0..{len(self.shots) - 1}; got {shot.index}"
                )
            if abs(shot.start - t) > 1e-6:
                raise ValueError(
                    f"shot {i} starts at {shot.start:g}s but the previous ends at {t:g}s"
                )
            t = shot.end
        return self

    def check_durations(self, legal: Iterable[int]) -> None:
        """Raise ``ValueError`` naming every shot whose duration the model does not accept."""
        allowed = sorted(set(legal))
        bad = [s.index for s in self.shots if s.duration not in allowed]
        if bad:
            raise ValueError(
                f"shots {bad} have durations the model does not accept; allowed: {allowed}"
            )


class ShotPrompt(BaseModel):
    """The provider prompt rendered from a shot, as refined by the safety agent."""

    shot_index: int = Field(ge=0, description="Which shot this prompt films.")
    text: str = Field(min_length=1, description="The full prompt sent to the provider.")
    negative: list[str] = Field(
        default_factory=list, description="Negative constraints (also appended to the text)."
    )
    seconds: int = Field(gt=0, description="Clip length requested.")
    size: str = Field(default="1280x720", description="WIDTHxHEIGHT requested.")


class Match(BaseModel):
    """Why a screen flagged a prompt: one matched entry or classifier score."""

    layer: Literal["lexical", "semantic", "classifier", "moderation"] = Field(
        description="Which screen layer produced this match."
    )
    category: str = Field(description="Blocklist category.")
    entry_id: str | None = Field(default=None, description="Blocklist entry id, when one matched.")
    entry: str | None = Field(default=None, description="Blocklist entry text.")
    distance: float | None = Field(default=None, description="Cosine distance (semantic layer).")
    score: float | None = Field(default=None, description="Classifier or moderation score.")
    words: list[str] = Field(
        default_factory=list, description="Words in the prompt that triggered."
    )
    span: str | None = Field(default=None, description="The sentence or phrase that matched.")
    suggestion: str | None = Field(default=None, description="A neutral rephrasing, if known.")


class Rewrite(BaseModel):
    """One sanitizer round: before, after, why."""

    round: int = Field(ge=1, description="Sanitize round, from 1.")
    before: str = Field(description="Prompt before the rewrite.")
    after: str = Field(description="Prompt after the rewrite.")
    reason: str = Field(description="Why it was rewritten (screen verdict or provider rejection).")
    diff: str = Field(default="", description="Unified diff of before → after.")


class SafetyNote(BaseModel):
    """One change the safety agent made to what viewers see or hear, and why.

    The judged text itself is not repeated (the report must not carry the graphic words): it is
    named by where it stood, its length and a digest that finds it in the source.
    """

    stage: Literal["ingest", "storyboard"] = Field(description="Where the change was made.")
    where: str = Field(description="Which text, e.g. 'passage 4, sentence 1', 'shot 2 narration'.")
    action: Literal["rewritten", "dropped"] = Field(description="What became of the text.")
    reason: str = Field(description="Why: graphic detail, a tool instruction, a screen category.")
    category: str | None = Field(default=None, description="Blocklist category, when one applied.")
    words: int = Field(default=0, ge=0, description="Length of the judged text, in words.")
    digest: str = Field(default="", description="sha256 (first 12 hex) of the judged text.")
    replacement: str = Field(default="", description="The neutral text that replaced it, if any.")


class Verdict(BaseModel):
    """The safety screen's decision about one prompt, explained."""

    model_config = ConfigDict(extra="forbid")

    allowed: bool = Field(description="True when the prompt may be sent to a provider.")
    text: str = Field(default="", description="The text this verdict judged.")
    category: str | None = Field(default=None, description="Category of the strongest match.")
    matches: list[Match] = Field(default_factory=list, description="Everything that matched.")
    reasons: list[str] = Field(default_factory=list, description="Human-readable reasons.")
    rewrites: list[Rewrite] = Field(default_factory=list, description="Sanitizer history.")
