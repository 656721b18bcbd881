"""The README tells a new user the truth about the command line.

Every option of ``make`` that changes something is documented (in README.md or docs/), every
command is named in the README, and no help text loses words to rich markup (``[default: 60]``
once printed as "Target video length .").
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from lessonreel.app.cli import app

REPO = Path(__file__).resolve().parents[2]


def _docs() -> str:
    pages = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
    return "\n".join(p.read_text(encoding="utf-8") for p in pages)


def _commands() -> dict[str, Any]:
    """Name → the command typer built (typer ships its own click, so these are duck-typed)."""
    commands: dict[str, Any] = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    return commands


def _options(name: str) -> list[Any]:
    return [p for p in _commands()[name].params if p.param_type_name == "option"]


def _what_a_user_types(param: Any) -> str:
    """The spelling that changes the default: ``--no-narration``, but ``--review``, ``--voice``."""
    if param.is_flag and param.secondary_opts and param.default is True:
        return param.secondary_opts[0]
    return max(param.opts, key=len)


def test_every_make_option_is_documented() -> None:
    docs = _docs()
    options = [_what_a_user_types(p) for p in _options("make") if p.name != "help"]
    assert "--no-narration" in options
    missing = [o for o in options if not re.search(re.escape(o) + r"(?![\w-])", docs)]
    assert missing == [], f"`lessonreel make` options missing from README.md and docs/: {missing}"


def test_every_command_is_named_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [n for n in _commands() if f"lessonreel {n}" not in readme]
    assert missing == [], f"commands the README never names: {missing}"


@pytest.mark.parametrize("name", sorted(_commands()))
def test_no_help_text_loses_words_to_markup(name: str) -> None:
    result = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    shown = result.output
    for param in _commands()[name].params:
        text = getattr(param, "help", None)
        if not text:
            continue
        # what the user sees must still hold every word of the help text, in order
        words = re.findall(r"[A-Za-z]{3,}", text)
        # within one cell of the table (COLUMNS=400: no wrapping, cells end at "│")
        assert re.search("[^│]*?".join(words), shown), f"{name} {param.name}: {text!r}"
