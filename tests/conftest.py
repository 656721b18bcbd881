"""Shared fixtures: every test runs with an isolated LESSONREEL_HOME and no provider keys."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

KEY_VARS = (
    "OPENAI_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "OPENROUTER_API_KEY",
    "GOOGLE_API_KEY",
    "GOOGLE_CLOUD_ACCESS_TOKEN",
    "VEO_API_KEY",
    "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_CLOUD_LOCATION",
    "VEO_STORAGE_URI",
    "OPENROUTER_BASE_URL",
)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("LESSONREEL_HOME", str(home))
    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    for var in list(os.environ):
        if var.startswith("LESSONREEL_") and var != "LESSONREEL_HOME":
            monkeypatch.delenv(var, raising=False)
    return home
