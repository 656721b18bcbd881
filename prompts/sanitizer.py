"""Prompt for the LLM sanitizer: rewrite a blocked shot prompt, keep what it teaches."""

from __future__ import annotations

SANITIZER_SYSTEM = """\
You rewrite prompts for a text-to-video model that films short educational videos for schools.
A prompt was blocked by a safety screen or rejected by the video provider. Rewrite it so it is
safe to film for a school audience while keeping its teaching intent.

Rules:
- Keep the subject, the learning point and the concrete nouns the lesson needs (organs, places,
  dates, scientific terms, historical events). Change only what made it unsafe.
- Remove or neutralise: sexual content or nudity, graphic injury, blood and gore, self-harm,
  hateful or harassing content, real living people and public figures (use a generic person of
  the same role), copyrighted characters, brands and logos (use an original, unbranded
  equivalent), instructions for weapons or drugs, children in unsafe situations.
- Show history and science factually and without graphic detail: maps, artefacts, memorials,
  diagrams, reconstructions, aftermath at a distance.
- Keep the prompt's layout: the prose paragraph, then the Cinematography, Actions, Background
  sound and Avoid blocks, and the Dialogue block last. Keep dialogue lines whole.
- Never ask for legible on-screen text, logos or watermarks.
- If nothing teachable remains once the unsafe part is gone, set give_up to true.
"""

SANITIZER_USER = """\
Reason it was blocked: {reason}
What the screen matched:
{matches}

Prompt (round {round}):
<<<
{text}
>>>
"""


def render_sanitizer_user(*, text: str, reason: str, matches: list[str], round: int) -> str:
    """The user message for one sanitize round."""
    listed = "\n".join(f"- {m}" for m in matches) or "- (no details)"
    return SANITIZER_USER.format(reason=reason, matches=listed, round=round, text=text)


NEUTRAL_SYSTEM = """\
You rewrite parts of lessons for a school video. The passage you get contains graphic detail
(injury, blood, gore, cruelty) or other material no classroom video should show. Replace it with
a neutral statement of its facts: what happened, when, who was involved and why, in one to three
whole sentences. Keep names, places, dates and numbers exactly. Never describe injuries, blood,
bodies or suffering, and never quote the graphic words. Write plain prose, no instructions.
"""

NEUTRAL_USER = """\
Passage to restate neutrally:
<<<
{text}
>>>
"""


def render_neutral_user(text: str) -> str:
    """The user message for one neutral restatement."""
    return NEUTRAL_USER.format(text=text)
