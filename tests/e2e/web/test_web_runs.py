"""The studio under pressure: two tabs, a restart mid-render, bad uploads, refused forms."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from studio_helpers import ConsoleLog, Studio, axe_violations, start_studio

LESSON = """# Sound Waves

Objectives:
- Explain how sound travels through air.

Sound is a vibration. A vibrating drum pushes air particles together and pulls them apart. These
squeezed and stretched regions travel outward as a sound wave. Our ears catch the wave and the
brain hears it as sound.
"""


def _storyboard(page: Any, url: str) -> str:
    """Paste the lesson, make the storyboard, return the review page's address."""
    from playwright.sync_api import expect

    page.goto(url + "/")
    page.get_by_label("Lesson text").fill(LESSON)
    page.get_by_label("Target length (seconds)").fill("8")
    page.get_by_role("button", name="Make storyboard").click()
    expect(page.get_by_role("button", name="Approve and render")).to_be_visible()
    address: str = page.url
    return address


def _jobs(run_id: str) -> list[dict[str, Any]]:
    from lessonreel.store.ledger import Ledger

    with Ledger.open() as ledger:
        return ledger.jobs(run_id)


def test_two_tabs_approving_one_run_render_it_once(
    studio: Studio, context: Any, console: ConsoleLog
) -> None:
    from playwright.sync_api import expect

    first = context.new_page()
    review = _storyboard(first, studio.url)
    run_id = review.rsplit("/", 1)[1]
    second = context.new_page()
    second.goto(review)
    first.get_by_role("button", name="Approve and render").click()
    second.get_by_role("button", name="Approve and render").click()
    expect(second.get_by_role("status").first).to_contain_text(
        re.compile("already going|no longer waiting")
    )
    expect(first.locator("video#lesson-video")).to_be_visible(timeout=60_000)
    jobs = _jobs(run_id)
    assert len({j["shot_index"] for j in jobs}) == len(jobs), "a shot was submitted twice"
    assert console.errors == []


def test_a_run_survives_reload_and_restart_and_resumes_from_its_page(
    studio_env: str,
    make_emulator_yaml: Any,
    context: Any,
    console: ConsoleLog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from playwright.sync_api import expect

    monkeypatch.setenv("LESSONREEL_EMULATOR_CONFIG", str(make_emulator_yaml("latency: 4\n")))
    old = start_studio()
    page = context.new_page()
    try:
        review = _storyboard(page, old.url)
        run_id = review.rsplit("/", 1)[1]
        page.get_by_role("button", name="Approve and render").click()
        # the narration is recorded first, and the page says so rather than looking stuck
        expect(page.get_by_text("Recording the narration…")).to_be_visible()
        expect(page.locator('.stage[data-stage="narrating"]').first).to_be_visible()
        expect(page.locator('.stage[data-stage="rendering"]').first).to_be_visible(timeout=30_000)
        expect(page.get_by_text("Rendering the video…")).to_be_visible()
        page.reload()
        expect(page.get_by_text("Rendering the video…")).to_be_visible()
        assert axe_violations(page) == []
    finally:
        old.stop()
    new = start_studio()
    try:
        page.goto(f"{new.url}/runs/{run_id}")
        expect(page.get_by_text("Stopped before it finished.")).to_be_visible()
        page.get_by_role("button", name="Resume").click()
        expect(page.locator("video#lesson-video")).to_be_visible(timeout=60_000)
    finally:
        new.stop()
    # the old server's stream dropping is expected; nothing else may fail
    assert [e for e in console.errors if "events" not in e and "ERR_" not in e] == []


@pytest.mark.parametrize(
    ("name", "body", "said"),
    [
        ("setup.exe", b"MZ\x90\x00", "is not a file type the studio reads"),
        ("lesson.txt", b"x" * (11 * 1024 * 1024), "too large"),
        ("broken.docx", b"not a zip archive", "read broken.docx"),
    ],
    ids=["unsupported", "too-large", "unreadable"],
)
def test_a_bad_upload_is_explained_on_the_page(
    studio: Studio, page: Any, name: str, body: bytes, said: str
) -> None:
    from playwright.sync_api import expect

    page.goto(studio.url + "/")
    page.get_by_label("Upload lesson").set_input_files(
        {"name": name, "mimeType": "application/octet-stream", "buffer": body}
    )
    page.get_by_role("button", name="Make storyboard").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(said)
    assert "Traceback" not in page.content()
    expect(page.get_by_role("button", name="Make storyboard")).to_be_visible()
    assert axe_violations(page) == []


def test_nothing_pasted_asks_for_a_lesson_and_keeps_the_form(studio: Studio, page: Any) -> None:
    from playwright.sync_api import expect

    page.goto(studio.url + "/")
    page.get_by_label("Budget (USD)").fill("1.50")
    page.get_by_role("button", name="Make storyboard").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Paste the lesson text or choose a file to upload."
    )
    expect(page.get_by_label("Budget (USD)")).to_have_value("1.50")


def test_pasted_markup_is_shown_as_text(studio: Studio, page: Any, console: ConsoleLog) -> None:
    from playwright.sync_api import expect

    hostile = LESSON.replace("# Sound Waves", "# Sound <img src=x onerror=alert(1)> Waves")
    page.goto(studio.url + "/")
    page.get_by_label("Lesson text").fill(hostile)
    page.get_by_label("Target length (seconds)").fill("8")
    page.get_by_role("button", name="Make storyboard").click()
    expect(page.get_by_role("heading", name=re.compile("Review"))).to_contain_text("<img")
    assert page.locator("img").count() == 0
    assert console.errors == []


def test_keyboard_reaches_every_control_with_a_visible_focus(studio: Studio, page: Any) -> None:
    page.goto(studio.url + "/")
    seen = []
    while "Make storyboard" not in seen and len(seen) < 20:
        page.keyboard.press("Tab")
        focus = page.evaluate(
            "() => { const e = document.activeElement; const s = getComputedStyle(e);"
            " return [e.id || e.textContent.trim(), s.outlineStyle, s.outlineWidth]; }"
        )
        seen.append(focus[0])
        assert focus[1] != "none", f"no visible focus on {focus[0]}"
        assert focus[2] != "0px", f"no visible focus on {focus[0]}"
    for control in ("lesson-text", "upload", "grade-band", "target-seconds", "budget"):
        assert control in seen
    assert seen[0] == "Skip to content"


def test_upload_of_a_markdown_file_makes_a_storyboard(
    studio: Studio, page: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    lesson = tmp_path / "sound.md"
    lesson.write_text(LESSON, encoding="utf-8")
    page.goto(studio.url + "/")
    page.get_by_label("Upload lesson").set_input_files(str(lesson))
    page.get_by_label("Target length (seconds)").fill("8")
    page.get_by_role("button", name="Make storyboard").click()
    expect(page.get_by_role("heading", name="Review: Sound Waves")).to_be_visible()


def test_upscale_from_the_runs_list_renders_the_run_again(
    studio: Studio, page: Any, console: ConsoleLog
) -> None:
    from playwright.sync_api import expect

    from lessonreel.app.api import make_video

    result = make_video(text=LESSON, target_seconds=8)
    before = {j["idempotency_key"] for j in _jobs(result.run_id)}
    page.goto(studio.url + "/runs")
    page.get_by_role("button", name="Upscale Sound Waves").click()
    expect(page.get_by_role("status").first).to_contain_text("Upscaling")
    expect(page.locator("video#lesson-video")).to_be_visible(timeout=60_000)
    new = [j for j in _jobs(result.run_id) if j["idempotency_key"] not in before]
    assert len(new) == len(before)
    assert {j["model"] for j in new} == {"sora-2-pro"}
    assert console.errors == []
