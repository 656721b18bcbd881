"""The narrator in the studio: a teacher picks the voice and the pace, or turns the voice off.

In Chromium against the real studio: the picker offers what ``lessonreel voices`` offers (voices
this server cannot speak are shown but cannot be picked), the choice reaches the run, and the
result page says who narrated, or that the video has no voice and why.
"""

from __future__ import annotations

import json
import re
from typing import Any

from studio_helpers import ConsoleLog, Studio, axe_violations
from typer.testing import CliRunner

from lessonreel.app.cli import app as cli_app

LESSON = """# Tides

Objectives:
- Explain why the sea rises and falls twice a day.

The Moon's gravity pulls on the oceans. The water bulges toward the Moon and on the far side of
the Earth as well. As the Earth turns, a coast passes through both bulges, so most places have
two high tides and two low tides each day.
"""


def _make(page: Any, url: str) -> None:
    """Paste the lesson, make the storyboard, approve it, wait for the video."""
    from playwright.sync_api import expect

    page.get_by_label("Lesson text").fill(LESSON)
    page.get_by_label("Target length (seconds)").fill("8")
    page.get_by_role("button", name="Make storyboard").click()
    page.get_by_role("button", name="Approve and render").click()
    expect(page.locator("video#lesson-video")).to_be_visible(timeout=90_000)


def _stored_options(url: str) -> dict[str, Any]:
    from lessonreel.store.ledger import Ledger

    run_id = url.rstrip("/").rsplit("/", 1)[-1]
    with Ledger.open() as ledger:
        row = ledger.get_run(run_id)
    assert row is not None
    options: dict[str, Any] = row["options"]
    return options


def test_the_chosen_voice_and_pace_narrate_the_lesson(
    studio: Studio, page: Any, console: ConsoleLog
) -> None:
    from playwright.sync_api import expect

    listed = json.loads(CliRunner().invoke(cli_app, ["voices", "--json"]).output)
    page.goto(studio.url + "/")
    group = page.get_by_role("group", name="Narration")
    expect(group.get_by_label("Speak the narration (a voice-over)")).to_be_checked()
    voice = group.get_by_label("Voice", exact=True)
    for row in listed:
        option = voice.locator(f'option[value="{row["voice"]}"]')
        expect(option).to_have_count(1)
        if row["ready"]:
            expect(option).to_be_enabled()
        else:
            expect(option).to_be_disabled()
            expect(option).to_contain_text("needs")
    assert axe_violations(page) == []

    ready = next(r["voice"] for r in listed if r["ready"] and r["engine"] == "piper")
    voice.select_option(ready)
    group.get_by_label("Speaking rate").fill("1.2")
    _make(page, studio.url)

    expect(page.locator("#narration-status")).to_have_text(re.compile(rf"^Narrated by {ready} "))
    options = _stored_options(page.url)
    assert (options["voice"], options["speaking_rate"], options["narration"]) == (ready, 1.2, True)
    assert console.errors == []


def test_a_teacher_can_turn_the_voice_off_and_the_result_says_so(
    studio: Studio, page: Any, console: ConsoleLog
) -> None:
    from playwright.sync_api import expect

    page.goto(studio.url + "/")
    page.get_by_label("Speak the narration (a voice-over)").uncheck()
    _make(page, studio.url)

    expect(page.locator("#narration-status")).to_have_text(
        re.compile("^No voice-over: narration was turned off")
    )
    assert _stored_options(page.url)["narration"] is False
    assert console.errors == []


def test_voice_and_pace_are_disabled_while_the_narration_is_unticked(
    studio: Studio, page: Any, console: ConsoleLog
) -> None:
    from playwright.sync_api import expect

    page.goto(studio.url + "/")
    group = page.get_by_role("group", name="Narration")
    voice = group.get_by_label("Voice", exact=True)
    rate = group.get_by_label("Speaking rate")
    speak = group.get_by_label("Speak the narration (a voice-over)")
    expect(voice).to_be_enabled()
    expect(rate).to_be_enabled()

    speak.uncheck()
    expect(voice).to_be_disabled()
    expect(rate).to_be_disabled()
    # a screen reader hears why: the settings' description, in a polite live region
    settings = page.get_by_role("group", name="Voice", exact=True)
    expect(settings).to_have_accessible_description(
        "Voice and speaking rate are off: the narration is not spoken."
    )
    expect(page.locator("#voice-settings-state")).to_have_attribute("aria-live", "polite")
    assert axe_violations(page) == []

    speak.check()
    expect(voice).to_be_enabled()
    expect(rate).to_be_enabled()
    expect(settings).to_have_accessible_description("")
    assert console.errors == []


def test_a_form_sent_back_with_the_narration_off_keeps_voice_and_pace_disabled(
    studio: Studio, page: Any
) -> None:
    from playwright.sync_api import expect

    page.goto(studio.url + "/")
    page.get_by_label("Speak the narration (a voice-over)").uncheck()
    page.get_by_role("button", name="Make storyboard").click()  # no lesson: the form comes back
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Speak the narration (a voice-over)")).not_to_be_checked()
    expect(page.get_by_label("Voice", exact=True)).to_be_disabled()
    expect(page.get_by_label("Speaking rate")).to_be_disabled()


def test_a_pace_out_of_range_is_explained_and_the_choices_are_kept(
    studio: Studio, page: Any
) -> None:
    from playwright.sync_api import expect

    page.goto(studio.url + "/")
    page.get_by_label("Lesson text").fill(LESSON)
    rate = page.get_by_label("Speaking rate")
    rate.evaluate("e => { e.removeAttribute('max'); }")  # past the browser's own check
    rate.fill("3")
    page.get_by_role("button", name="Make storyboard").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "The speaking rate must be between 0.5 and 2.0"
    )
    expect(page.get_by_label("Speaking rate")).to_have_value("3")
    expect(page.get_by_label("Lesson text")).to_have_value(LESSON)
    expect(page.get_by_role("link", name="Runs")).to_be_visible()
