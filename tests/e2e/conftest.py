"""Fixtures for end-to-end runs: a small lesson, a fast emulator, a pre-seeded blocklist.

Every test still gets its own LESSONREEL_HOME (tests/conftest.py); only the Chroma blocklist,
which takes seconds to seed, is built once per test run (tests/conftest.py) and copied in.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from lessonreel.agents.schemas import DialogueLine, Shot

SMALL_SIZE = "320x180"

LESSON = """# The Water Cycle

Objectives:
- Explain evaporation and condensation.
- Describe how precipitation returns water to the ground.

Water evaporates from oceans when the sun warms them. The vapour rises, cools and condenses
into clouds. When droplets grow heavy they fall as rain or snow, and rivers carry the water
back to the sea.
"""


@pytest.fixture(autouse=True)
def _blocklist(seeded_blocklist: Path, _isolated_home: Path) -> None:
    shutil.copytree(seeded_blocklist, _isolated_home / "blocklist")


@pytest.fixture
def small_local_sizes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Let the local provider render tiny clips (fast tests), through a price file."""
    from dataclasses import replace

    from lessonreel.video.pricing import PriceTable, write_price_file

    specs = [
        replace(spec, price_per_second={**spec.price_per_second, SMALL_SIZE: 0.0})
        for spec in PriceTable.default().specs("local")
    ]
    path = write_price_file(tmp_path / "small-local-prices.json", specs)
    monkeypatch.setenv("LESSONREEL_PRICES", str(path))
    return SMALL_SIZE


@pytest.fixture
def lesson_file(tmp_path: Path) -> Path:
    path = tmp_path / "water-cycle.md"
    path.write_text(LESSON, encoding="utf-8")
    return path


def emulator_yaml(tmp_path: Path, body: str = "") -> Path:
    """Write an emulator config: zero latency, lenient sizes, plus ``body`` (YAML)."""
    path = tmp_path / "emulator.yaml"
    path.write_text("latency: 0\nlenient: true\n" + body, encoding="utf-8")
    return path


@pytest.fixture
def fast_emulator(tmp_path: Path) -> Path:
    return emulator_yaml(tmp_path)


@pytest.fixture
def make_emulator_yaml(tmp_path: Path) -> Callable[[str], Path]:
    """Write an emulator config with extra YAML (faults) on top of the fast defaults."""

    def make(body: str = "") -> Path:
        return emulator_yaml(tmp_path, body)

    return make


@pytest.fixture
def sample_shot() -> Shot:
    """A hand-written shot for tests that drive the per-shot subgraph directly."""
    return Shot(
        index=0,
        start=0,
        end=4,
        duration=4,
        framing="medium shot, eye level",
        camera_move="static",
        lens="35mm",
        lighting="soft window light",
        palette=["leaf green", "sky blue", "warm white"],
        subject="a potted plant",
        setting="a classroom windowsill",
        action="the plant turns toward the light",
        beats=["the plant turns toward the light"],
        dialogue=[DialogueLine(speaker="Narrator", line="Plants turn light into food.")],
        objective="Explain photosynthesis.",
    )
