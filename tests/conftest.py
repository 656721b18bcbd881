"""Shared fixtures: every test runs with an isolated LESSONREEL_HOME and no provider keys."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
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


@pytest.fixture(scope="session")
def seeded_blocklist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Chroma blocklist, seeded once per test run (seeding embeds ~300 entries); copy it."""
    from lessonreel.agents.safety import Screen

    home = tmp_path_factory.mktemp("seeded-home")
    Screen.open(home, moderation=False)
    return home / "blocklist"


@pytest.fixture(scope="session")
def seeded_home(
    tmp_path_factory: pytest.TempPathFactory, seeded_blocklist: Path
) -> Callable[[str], Path]:
    """Make a fresh home holding a copy of the seeded blocklist (for module-scoped screens)."""

    def make(name: str) -> Path:
        home = tmp_path_factory.mktemp(name)
        shutil.copytree(seeded_blocklist, home / "blocklist")
        return home

    return make
