"""Shared fixtures: every test runs with an isolated LESSONREEL_HOME and no provider keys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

KEY_VARS = (
    "OPENAI_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "OPENROUTER_API_KEY",
    "GOOGLE_API_KEY",
    "GOOGLE_CLOUD_ACCESS_TOKEN",
    "VEO_API_KEY",
)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    monkeypatch.setenv("LESSONREEL_HOME", str(home))
    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    for var in list(__import__("os").environ):
        if var.startswith("LESSONREEL_") and var != "LESSONREEL_HOME":
            monkeypatch.delenv(var, raising=False)
    yield home
