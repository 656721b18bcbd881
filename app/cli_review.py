"""Reviewing a storyboard in a terminal: a readable table, approve / edit / stop.

"edit" opens a short, commented YAML form of what a teacher changes (what the narrator says,
what we see, how long each shot lasts), not the storyboard's JSON. What comes back is checked
(shot numbers, legal durations, non-empty text); on a mistake the editor opens again with the
errors written at the top.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console

from lessonreel.agents.schemas import Shot, Storyboard
from lessonreel.app.cli_common import clean, plain

EDITABLE = ("seconds", "we_see", "narration")


def said(shot: Shot) -> str:
    """What is said over a shot: the narration, else the on-camera dialogue."""
    return shot.narration.strip() or " ".join(d.line for d in shot.dialogue)


def storyboard_table(storyboard: Storyboard) -> Any:
    """The storyboard as a table a teacher reads: shot, seconds, what we see, what is said."""
    from rich.table import Table

    table = Table(title=plain(storyboard.title), show_lines=True)
    table.add_column("shot", justify="right", no_wrap=True)
    table.add_column("seconds", justify="right", no_wrap=True)
    table.add_column("what we see", overflow="fold", ratio=2)
    table.add_column("what is said", overflow="fold", ratio=3)
    for shot in storyboard.shots:
        table.add_row(
            str(shot.index + 1), str(shot.duration), plain(shot.action), plain(said(shot))
        )
    return table


def _quote(text: str) -> str:
    return json.dumps(clean(text), ensure_ascii=False)


def edit_form(storyboard: Storyboard, legal_seconds: Sequence[int]) -> str:
    """The commented YAML a teacher edits."""
    legal = ", ".join(str(s) for s in legal_seconds)
    lines = [
        f"# Storyboard: {clean(storyboard.title)}",
        "# Change what we see, what the narrator says, or how long a shot lasts, then save and",
        "# close the editor. Lines starting with # are ignored; empty the file to keep the",
        "# storyboard as it was.",
        f"#   seconds:   one of {legal}",
        "#   we_see:    the one action on screen",
        "#   narration: what the narrator says, in whole sentences",
        "shots:",
    ]
    for shot in storyboard.shots:
        lines += [
            f"  - shot: {shot.index + 1}",
            f"    seconds: {shot.duration}",
            f"    we_see: {_quote(shot.action)}",
            f"    narration: {_quote(said(shot))}",
        ]
    return "\n".join(lines) + "\n"


class FormError(ValueError):
    """The edited form does not describe a storyboard we can film; the message lists why."""


def apply_form(storyboard: Storyboard, text: str, legal_seconds: Sequence[int]) -> Storyboard:
    """Return the storyboard with the form's changes; raise FormError listing every problem."""
    import yaml

    from lessonreel.agents.checks import beats_for

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise FormError(f"this is not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    entries = data.get("shots") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise FormError("the form needs a 'shots:' list")
    by_number: dict[int, dict[str, Any]] = {}
    problems: list[str] = []
    for entry in entries:
        number = entry.get("shot") if isinstance(entry, dict) else None
        if not isinstance(number, int) or not 1 <= number <= len(storyboard.shots):
            problems.append(f"each entry needs 'shot:' 1–{len(storyboard.shots)}")
            continue
        by_number[number] = entry
    missing = [n for n in range(1, len(storyboard.shots) + 1) if n not in by_number]
    if missing:
        problems.append(f"shots {', '.join(map(str, missing))} are missing (keep every shot)")
    shots: list[Shot] = []
    t = 0.0
    for shot in storyboard.shots:
        entry = by_number.get(shot.index + 1, {})
        seconds = entry.get("seconds", shot.duration)
        if not isinstance(seconds, int) or seconds not in legal_seconds:
            legal = ", ".join(map(str, legal_seconds))
            problems.append(f"shot {shot.index + 1}: seconds must be one of {legal}")
            seconds = shot.duration
        action = str(entry.get("we_see", shot.action) or "").strip()
        narration = str(entry.get("narration", said(shot)) or "").strip()
        if not action:
            problems.append(f"shot {shot.index + 1}: we_see is empty")
        update: dict[str, Any] = {
            "duration": seconds,
            "start": t,
            "end": t + seconds,
            "action": action or shot.action,
        }
        if narration != said(shot):
            update["narration"] = narration
        if action != shot.action or seconds != shot.duration:
            first = action if action != shot.action else shot.beats[0]
            update["beats"] = [first] + [f"{first}, continuing"] * (beats_for(seconds) - 1)
        shots.append(shot.model_copy(update=update))
        t += seconds
    if problems:
        raise FormError("; ".join(problems))
    return storyboard.model_copy(update={"shots": shots})


def edit_storyboard(
    console: Console, storyboard: Storyboard, legal_seconds: Sequence[int]
) -> Storyboard:
    """Open the form in ``$EDITOR`` until it is valid (or emptied: no change)."""
    import click

    form = edit_form(storyboard, legal_seconds)
    while True:
        edited = click.edit(form, extension=".yaml", require_save=False)
        if edited is None or not edited.strip() or edited == form:
            return storyboard
        try:
            return apply_form(storyboard, edited, legal_seconds)
        except FormError as exc:
            console.print(plain(f"Not saved: {exc}"))
            body = "\n".join(line for line in edited.splitlines() if not line.startswith("# !"))
            errors = [f"# ! {part.strip()}" for part in str(exc).split(";")]
            form = "\n".join(["# ! Please fix:", *errors, body]) + "\n"


def review_prompt(console: Console, request: dict[str, Any], legal_seconds: Sequence[int]) -> Any:
    """Ask the teacher to approve, edit or stop; return the interrupt's answer."""
    import click
    import typer

    from lessonreel.app.results import estimate_text
    from lessonreel.graph.state import CostEstimate

    storyboard = Storyboard.model_validate(request["storyboard"])
    estimate = request.get("estimate")
    edited = False
    while True:
        console.print(storyboard_table(storyboard))
        if estimate and not edited:
            console.print(plain(estimate_text(CostEstimate.model_validate(estimate))))
        choice = click.prompt(
            "Approve this storyboard? [y]es / [e]dit / [n]o, stop here",
            default="y",
            err=True,
        )
        choice = str(choice).strip().lower()[:1]
        if choice == "e":
            changed = edit_storyboard(console, storyboard, legal_seconds)
            edited = edited or changed is not storyboard
            storyboard = changed
            continue
        if choice == "n":
            console.print(
                plain(
                    "Run paused at the review. Continue later with: "
                    f"lessonreel resume {request['run_id']}"
                )
            )
            raise typer.Exit(0)
        if edited:
            return {"storyboard": storyboard.model_dump(mode="json")}
        return "approve"
