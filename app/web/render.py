"""Templates: Jinja2 with autoescape on for every file, so user text is always data."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape


def static_dir() -> Path:
    """The studio's CSS and JavaScript (also copied into SCORM packages)."""
    return Path(__file__).parent / "static"


@cache
def environment() -> Environment:
    """The template environment (built once, on first use)."""
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["usd"] = lambda v: f"${float(v or 0):.2f}"
    return env


def render_template(name: str, **values: Any) -> str:
    """Render one template to a string."""
    return environment().get_template(name).render(**values)
