"""The home folder: where a user's runs, ledger and blocklist end up."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from lessonreel.store import home as home_mod
from lessonreel.store.home import (
    RUN_ID_MAX,
    blocklist_dir,
    checkpoints_path,
    ledger_path,
    lessonreel_home,
    match_run_id,
    new_run_id,
    run_dir,
    shots_dir,
    slugify,
)


@pytest.fixture
def home() -> Path:
    return Path(os.environ["LESSONREEL_HOME"])


def test_home_follows_env_and_is_created_on_demand(home: Path) -> None:
    assert not home.exists()
    assert lessonreel_home() == home
    assert home.is_dir()


def test_home_without_env_uses_platform_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("LESSONREEL_HOME")
    seen: list[str] = []

    def fake_user_data_dir(appname: str, appauthor: object = None) -> str:
        seen.append(appname)
        return str(tmp_path / "platform" / appname)

    monkeypatch.setattr(home_mod.platformdirs, "user_data_dir", fake_user_data_dir)
    assert lessonreel_home() == tmp_path / "platform" / "lessonreel"
    assert seen == ["lessonreel"]


def test_layout_under_home(home: Path) -> None:
    assert ledger_path() == home / "lessonreel.db"
    assert checkpoints_path() == home / "checkpoints.db"
    assert blocklist_dir() == home / "blocklist"
    rd = run_dir("20260101-000000-x-abcdef")
    assert rd == home / "runs" / "20260101-000000-x-abcdef"
    assert (rd / "shots").is_dir()
    assert shots_dir("20260101-000000-x-abcdef") == rd / "shots"


def test_explicit_home_overrides_env(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    assert run_dir("r1", other) == other / "runs" / "r1"
    assert ledger_path(other) == other / "lessonreel.db"


def test_run_dir_without_create_touches_nothing(home: Path) -> None:
    path = run_dir("r1", create=False)
    assert not path.exists()


@pytest.mark.parametrize("bad", ["../etc", "a/b", "", ".hidden", "a\\b", "x/../../y", "a..b"])
def test_run_ids_cannot_escape_the_home(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid run id"):
        run_dir(bad)


def test_new_run_ids_are_readable_short_and_unique() -> None:
    rid = new_run_id("Photosynthesis 101!")
    assert re.fullmatch(r"photosynthesis-101-[0-9a-f]{8}", rid)
    long = new_run_id("x" * 500)
    assert len(long) <= RUN_ID_MAX
    assert len({new_run_id("same") for _ in range(200)}) == 200
    run_dir(long)  # a generated id is always a legal folder name


def test_run_ids_resolve_from_last_a_unique_prefix_or_the_whole_id() -> None:
    known = ["photosynthesis-7f3a2c1d", "photosynthesis-7f00aa11", "volcanoes-0123abcd"]
    assert match_run_id("last", known) == "photosynthesis-7f3a2c1d"
    assert match_run_id("volc", known) == "volcanoes-0123abcd"
    assert match_run_id("photosynthesis-7f3", known) == "photosynthesis-7f3a2c1d"
    with pytest.raises(LookupError, match="matches 2 runs"):
        match_run_id("photo", known)
    with pytest.raises(LookupError, match="no run 'tides'"):
        match_run_id("tides", known)
    with pytest.raises(LookupError, match="no runs yet"):
        match_run_id("last", [])


def test_slug_handles_unicode_and_empty() -> None:
    assert slugify("Élan vital — Biologie") == "elan-vital-biologie"
    assert slugify("!!!") == "lesson"
    assert len(slugify("x" * 500)) <= 40
