"""The offline shot grammar: roles by position, then by what the narration over a shot does.

By position: an establishing wide, then medium / close-up or macro / diagram-style insert
repeated as needed, then a recap. By content, a teaching shot takes the grammar its narration
asks for: a process becomes a sequence (the stages in the order the narration says them), a
comparison a split screen (the two things side by side), a definition a close-up on the term.
These are camera and staging notes: they go to the shot's framing, subject, action and beats,
which reach ``storyboard.md`` and the provider prompt, never the on-screen text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lessonreel.agents.text import mentions, term_key
from lessonreel.prompts.styles import StylePreset

_MIDDLE = ("medium", "close", "diagram")

_PROCESS = re.compile(
    r"(?:^|[.;]\s+)(?:first|next|finally|then)\b|\b(?:afterwards|after that|steps?|stages?|"
    r"process|cycle|sequence|turns? into|changes? into|leads? to|in turn|begins? (?:as|with))\b",
    re.IGNORECASE,
)
"""Words of a process; "first", "next" and "then" only where a sentence starts with them
("Newton's first law" is not a sequence)."""
_COMPARISON = re.compile(
    r"\b(?:compared? (?:with|to)|whereas|unlike|in contrast|on the other hand|differs? from|"
    r"differences? between|different from|similar to|versus|vs\.|"
    r"(?!(?:rath|oth|ev|nev|howev|togeth|lat)er\b)\w{3,}er than|(?:more|less) \w+ than)\b",
    re.IGNORECASE,
)
_CALLED = re.compile(
    r"(?:\b(?:is|are)(?: (?:often|also|sometimes|usually|\w+ly))? |, )"
    r"(?:called|known as|termed|defined as|named) (?:the |a |an )?"
    r"([A-Za-z][\w\-’' ]{1,40}?)(?=[.,;:]|$)"
)


def grammar(n: int) -> list[str]:
    """Shot roles for ``n`` shots by position: establish, the middle cycle, recap."""
    if n == 1:
        return ["establish"]
    middle = [_MIDDLE[i % len(_MIDDLE)] for i in range(n - 2)]
    return ["establish", *middle, "recap"]


def in_order(text: str, concepts: Sequence[str]) -> list[str]:
    """The concepts the text says, in the order it says them."""
    hay = " " + term_key(text) + " "
    found = [(hay.find(f" {term_key(c)} "), c) for c in concepts if mentions(text, c)]
    ordered = [c for _, c in sorted(found)]
    # "water cycle" and "water": keep the longer phrase only
    return [c for c in ordered if not any(c != o and mentions(o, c) for o in ordered)]


def defined_term(narration: str, concepts: Sequence[str]) -> str:
    """The term the narration defines ("X is …", "… is called X"), or ''.

    The whole name after "called" / "known as" when it holds a concept ("the Battle of the
    Bulge", not "battle").
    """
    named = _CALLED.search(narration)
    if named and any(mentions(named.group(1), c) for c in concepts):
        return named.group(1).strip()
    for concept in concepts:
        t = re.escape(concept)
        patterns = (
            rf"\b{t}s?\s+(?:is|are|means|refers to)\s+(?:a|an|one|defined|the(?! same))\b",
            rf"\b(?:called|known as|termed|named)\s+(?:the\s+|an?\s+)?{t}\b",
        )
        if any(re.search(x, narration, re.IGNORECASE) for x in patterns):
            return concept
    match = _CALLED.search(narration)
    return match.group(1).strip() if match else ""


def content_role(narration: str, concepts: Sequence[str]) -> tuple[str, list[str]]:
    """The grammar the narration asks for and what it is about.

    Explicit comparison words win; a process naming two stages or more comes next, as a
    definition inside it ("… a gas called water vapour") is one of its stages. A sequence of
    one stage is no sequence.

    ``("definition", [term])``, ``("comparison", [a, b])``, ``("process", stages)`` or
    ``("", [])`` when the narration is none of these (the positional role stands).
    """
    said = in_order(narration, concepts)
    if _COMPARISON.search(narration) and len(said) >= 2:
        return "comparison", said[:2]
    bare = narration
    for concept in said:  # "the water cycle" names a topic; it does not describe a process
        bare = re.sub(rf"\b{re.escape(concept)}\b", " ", bare, flags=re.IGNORECASE)
    if _PROCESS.search(bare) and len(said) >= 2:
        return "process", said[:4]
    term = defined_term(narration, said or concepts)
    if term:
        return "definition", [term]
    return "", []


def join(items: Sequence[str]) -> str:
    """Items as prose: a, b and c."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def pick_beats(templates: Sequence[str], n: int) -> list[str]:
    """``n`` beats from an opening, a middle and an ending template."""
    if n == 1:
        return [templates[1]]
    if n == 2:
        return [templates[1], templates[2]]
    filler = [f"{templates[1]}, slowly and steadily"] * (n - 3)
    return [templates[0], templates[1], *filler, templates[2]][:n]


def _stage_beats(stages: Sequence[str], n: int) -> list[str]:
    if not stages:
        return pick_beats(
            [
                "the first stage of the model glows softly",
                "the glow moves on to the next stage in turn",
                "every stage glows together, in order from left to right",
            ],
            n,
        )
    k = len(stages)
    # the first stage opens, the last closes, the rest spread between
    picks = [stages[round(i * (k - 1) / max(1, n - 1))] for i in range(n)] if n > 1 else stages
    beats = [f"the {stage} stage glows as the others dim" for stage in picks[:n]]
    if n > k:
        beats[-1] = "every stage glows together, in order from left to right"
    return beats


def _split_beats(a: str, b: str, n: int) -> list[str]:
    left, right = f"the left half shows {a}", f"the right half shows {b}"
    hold = "both halves hold side by side"
    if n == 1:
        return [f"{left} beside {right.removeprefix('the ')}"]
    return [left, right, *[hold] * (n - 2)]


def close_lens(p: StylePreset) -> str:
    """The lens of a close shot: a macro for presets whose close framing is a macro shot."""
    if p.close_framing == "macro shot":
        return "100mm macro, shallow depth of field"
    return "85mm, shallow depth of field"


def content_visuals(
    role: str, p: StylePreset, about: Sequence[str], n: int
) -> dict[str, str | list[str]]:
    """Framing, move, lens, subject, setting, action and ``n`` beats for a content role."""
    if role == "definition":
        term = about[0]
        model = p.depict.format(term)
        return {
            "framing": f"close-up on {term}, slight high angle",
            "camera_move": "slow push-in",
            "lens": close_lens(p),
            "subject": model,
            "setting": p.close_setting,
            "action": f"the model of {term} turns slowly until it fills the frame",
            "beats": pick_beats(
                [
                    f"{model} rests in soft focus",
                    f"focus pulls sharp on {term}",
                    f"{term} fills the frame, still and clear",
                ],
                n,
            ),
        }
    if role == "comparison":
        a, b = about[0], about[1]
        return {
            "framing": "split screen, two halves side by side at eye level",
            "camera_move": "static",
            "lens": "35mm, deep focus",
            "subject": (
                f"two halves side by side: {p.depict.format(a)} on the left, "
                f"{p.depict.format(b)} on the right"
            ),
            "setting": p.setting,
            "action": "both halves change at the same moment so the difference shows",
            "beats": _split_beats(a, b, n),
        }
    stages = list(about)
    return {
        "framing": "sequence, top-down medium shot following the stages in order",
        "camera_move": "slow track left to right",
        "lens": "50mm, flat perspective",
        "subject": (
            f"{p.depict.format(join(stages) if stages else 'the process')} laid out in a row, "
            "one stage after another"
        ),
        "setting": p.diagram_surface,
        "action": "each stage glows in turn, from the first to the last",
        "beats": _stage_beats(stages, n),
    }


def role_visuals(role: str, p: StylePreset, concepts: Sequence[str]) -> dict[str, object]:
    """Framing, move, lens, subject, setting, action and beat templates for one role."""
    name = p.presenter_name
    model = p.depict.format(join(concepts))
    if role == "establish":
        return {
            "framing": "wide establishing shot, eye level",
            "camera_move": "slow dolly-in",
            "lens": "24mm, deep focus",
            "subject": f"{name} standing beside {model} on a table",
            "setting": p.setting,
            "action": f"{name} walks up to the model and turns to face the camera",
            "beats": [
                f"{name} walks in from the left toward the table",
                f"{name} stops beside {model} and rests one hand on the table",
                f"{name} turns to the camera and smiles",
            ],
        }
    if role == "medium":
        return {
            "framing": "medium shot, slightly low angle",
            "camera_move": "slow pan right",
            "lens": p.lens,
            "subject": f"{name} leaning over {model}",
            "setting": p.setting,
            "action": f"{name} traces along the model with one finger",
            "beats": [
                f"{name} leans over {model}",
                f"{name} traces along the model with one finger",
                f"{name} looks up at the camera",
            ],
        }
    if role == "close":
        return {
            "framing": f"{p.close_framing}, slight high angle",
            "camera_move": "slow push-in",
            "lens": close_lens(p),
            "subject": model,
            "setting": p.close_setting,
            "action": "the model slowly rotates, revealing its surface detail",
            "beats": [
                f"{model} rests in soft focus",
                "focus pulls sharp as the model slowly rotates",
                "the rotation settles and the finest detail fills the frame",
            ],
        }
    if role == "diagram":
        return {
            "framing": "insert shot, top-down",
            "camera_move": "static",
            "lens": "50mm, flat perspective",
            "subject": (
                f"a simple diagram of {join(concepts)} built from coloured circles, "
                "blocks and arrows"
            ),
            "setting": p.diagram_surface,
            "action": "arrows slide into place one by one, linking the shapes",
            "beats": [
                "coloured circles and blocks fade in across the surface",
                "arrows slide in one by one to link the shapes",
                "one shape pulses gently to mark the key step",
            ],
        }
    return {
        "framing": "medium-wide shot, eye level",
        "camera_move": "slow pull-back",
        "lens": p.lens,
        "subject": f"{name} standing behind a table with {model}",
        "setting": p.setting,
        "action": f"{name} sweeps one hand across the models and nods to the camera",
        "beats": [
            f"{name} stands behind the models on the table",
            f"{name} sweeps one hand across the models",
            f"{name} nods to the camera and smiles",
        ],
    }
