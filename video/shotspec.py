"""Read a shot prompt (the prompts/shot.py template, or any free text) into what the animatic draws.

The parser is forgiving on purpose: sections may be missing, reordered, differently cased or
written inline, and a prompt with no sections at all still yields a palette, a framing, a camera
move and a caption.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Literal

from lessonreel.video.colors import RGB, color_rgb, colors_in_text, hash_color, split_palette

Framing = Literal["wide", "medium", "close", "two", "ots"]
Move = Literal[
    "static", "push_in", "pull_out", "pan_left", "pan_right", "tilt_up", "tilt_down", "handheld"
]


@dataclass(frozen=True)
class ShotSpec:
    """The parts of a shot prompt the animatic can show."""

    prose: str
    framing: Framing
    move: Move
    palette: list[RGB]
    palette_names: list[str] = field(default_factory=list)
    beats: list[str] = field(default_factory=list)
    dialogue: list[tuple[str, str]] = field(default_factory=list)
    lighting: str = ""
    mood: str = ""


_KEYS = {
    "camera shot": "shot",
    "shot": "shot",
    "framing": "shot",
    "shot type": "shot",
    "camera move": "move",
    "camera movement": "move",
    "camera motion": "move",
    "movement": "move",
    "move": "move",
    "palette": "palette",
    "colour palette": "palette",
    "color palette": "palette",
    "colors": "palette",
    "colours": "palette",
    "lighting": "lighting",
    "mood": "mood",
    "lens": "lens",
    "background sound": "sound",
    "sound": "sound",
    "audio": "sound",
    "avoid": "avoid",
    "negative": "avoid",
    "actions": "actions",
    "action": "actions",
    "beats": "actions",
    "dialogue": "dialogue",
    "dialog": "dialogue",
    "cinematography": "cinematography",
}
_KEY_LINE = re.compile(r"^\s*(?:[-*]\s*)?([A-Za-z][A-Za-z ]{1,30}?)\s*:\s*(.*)$")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+(.*)$")
_SPEAKER = re.compile(r"^\s*([^:\"“]{1,40}?)\s*:\s*(.+)$")


def _clean_quote(text: str) -> str:
    return text.strip().strip("\"“”'‘’").strip()


def parse_framing(text: str) -> Framing:
    """Map a framing phrase ("Medium close-up", "establishing shot") to a composition family."""
    t = text.lower()
    if re.search(r"over[- ]the[- ]shoulder|\bots\b", t):
        return "ots"
    if re.search(r"close[- ]?up|closeup|\bmacro\b|\bdetail\b|\binsert\b|\bcu\b|\becu\b", t):
        return "close"
    if re.search(r"two[- ]shot", t):
        return "two"
    if re.search(r"\bmedium\b|\bmid[- ]shot\b|\bwaist\b|\bcowboy\b|\bms\b", t):
        return "medium"
    if re.search(r"\bwide\b|establishing|long shot|full shot|aerial|bird|panoram|\bws\b", t):
        return "wide"
    return "medium"


def parse_move(text: str, *, default: Move = "static") -> Move:
    """Map a camera direction ("slow dolly-in", "pan left", "locked off") to one motion."""
    t = text.lower()
    if re.search(r"static|locked|fixed|still|no move|tripod", t):
        return "static"
    if re.search(r"push|dolly[- ]?in|zoom[- ]?in|move[- ]?in|creep|truck[- ]?in", t):
        return "push_in"
    if re.search(r"pull|dolly[- ]?out|zoom[- ]?out|dolly[- ]?back|back[- ]?out|widen", t):
        return "pull_out"
    if re.search(r"\btilt|crane|pedestal|boom|jib|rise|descend", t):
        down = re.search(r"down|descend|lower", t)
        return "tilt_down" if down else "tilt_up"
    if re.search(r"\bpan|truck|track|slide|dolly|orbit|arc|follow|whip", t):
        return "pan_left" if re.search(r"\bleft\b", t) else "pan_right"
    if re.search(r"handheld|hand-held|shaky|drift|float", t):
        return "handheld"
    if re.search(r"\bzoom\b", t):
        return "push_in"
    return default


def _palette(names: list[str], text: str, seed_text: str) -> tuple[list[str], list[RGB]]:
    if not names:
        names = colors_in_text(text)
    colors = [color_rgb(n) for n in names[:5]]
    extra = 0
    while len(colors) < 3:
        colors.append(hash_color(f"{seed_text}#{extra}"))
        extra += 1
    return names[:5], colors


def parse_shot(prompt: str) -> ShotSpec:
    """Parse the shot prompt template robustly; any free text yields a drawable spec."""
    fields: dict[str, str] = {}
    beats: list[str] = []
    dialogue: list[tuple[str, str]] = []
    prose_lines: list[str] = []
    section: str | None = None
    for raw in prompt.splitlines():
        line = raw.strip()
        if not line:
            if section in ("actions", "prose_done"):
                section = None
            continue
        key_match = _KEY_LINE.match(line)
        key = _KEYS.get(key_match.group(1).strip().lower()) if key_match else None
        if key_match is not None and key is not None:
            value = key_match.group(2).strip()
            if section == "dialogue" and value.startswith(('"', "“")):
                _add_dialogue(dialogue, line)
                continue
            section = key if key in ("actions", "dialogue", "cinematography") else None
            if key == "actions" and value:
                beats.extend(b.strip() for b in re.split(r";|\s-\s", value) if b.strip())
            elif key == "dialogue" and value:
                section = "dialogue"
                _add_dialogue(dialogue, value)
            elif key not in ("actions", "dialogue", "cinematography"):
                fields.setdefault(key, value)
            continue
        if section == "actions":
            bullet = _BULLET.match(line)
            beats.append((bullet.group(1) if bullet else line).strip())
        elif section == "dialogue":
            _add_dialogue(dialogue, line)
        elif section is None and not fields and not beats:
            prose_lines.append(line)
    prose = " ".join(prose_lines).strip()
    if not prose and not fields and not beats and not dialogue:
        prose = " ".join(prompt.split())
    whole = prompt
    names, colors = _palette(split_palette(fields.get("palette", "")), whole, whole)
    shot_text = fields.get("shot") or prose or whole
    move_text = fields.get("move")
    move: Move = parse_move(move_text) if move_text else parse_move(whole, default="push_in")
    return ShotSpec(
        prose=prose,
        framing=parse_framing(shot_text),
        move=move,
        palette=colors,
        palette_names=names,
        beats=[b for b in beats if b][:8],
        dialogue=dialogue[:8],
        lighting=fields.get("lighting", ""),
        mood=fields.get("mood", ""),
    )


def _add_dialogue(out: list[tuple[str, str]], line: str) -> None:
    bullet = _BULLET.match(line)
    if bullet:
        line = bullet.group(1)
    match = _SPEAKER.match(line)
    if match and not match.group(1).strip().startswith(('"', "“")):
        speaker, text = match.group(1).strip(), _clean_quote(match.group(2))
    else:
        speaker, text = "", _clean_quote(line)
    if text:
        out.append((speaker, text))


def seed_from(prompt: str, seed: int) -> int:
    """Stable 32-bit seed from the prompt text and the caller's seed (not Python's salted hash)."""
    digest = hashlib.sha256(f"{seed}:{prompt}".encode()).digest()
    return int.from_bytes(digest[:4], "big")
