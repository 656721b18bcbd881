"""Map a storyboard shot onto the shot prompt template in `lessonreel.prompts.shot`."""

from __future__ import annotations

from lessonreel.agents.schemas import Shot, ShotPrompt, Storyboard
from lessonreel.prompts.shot import DEFAULT_AVOID, format_shot_prompt


def render_shot_prompt(storyboard: Storyboard, shot: Shot, *, size: str) -> ShotPrompt:
    """Render one shot of a storyboard as the provider prompt (style bible applied)."""
    style = storyboard.style
    avoid = list(DEFAULT_AVOID)
    text = format_shot_prompt(
        look=style.look,
        presenter=style.presenter,
        subject=shot.subject,
        setting=shot.setting,
        action=shot.action,
        framing=shot.framing,
        camera_move=shot.camera_move,
        lens=shot.lens or style.lens,
        lighting=shot.lighting or style.lighting,
        palette=shot.palette or style.palette,
        mood=shot.mood,
        beats=shot.beats,
        duration=shot.duration,
        sound=shot.background_sound or style.sound,
        avoid=avoid,
        dialogue=[(d.speaker, d.line) for d in shot.dialogue],
    )
    return ShotPrompt(
        shot_index=shot.index, text=text, negative=avoid, seconds=shot.duration, size=size
    )
