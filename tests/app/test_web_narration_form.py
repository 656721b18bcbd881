"""The studio's narration settings, checked on the server: the voice list, the checks, the run.

The browser test (tests/e2e/web/test_web_narration.py) makes real narrated and silent videos;
these pin what the server accepts and refuses, with a recording stand-in for the run manager so
no refused form can start anything.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from lessonreel.app.cli import app as cli_app
from lessonreel.app.web.server import create_app

LESSON = "Rivers\n\nRivers carry water from hills to the sea. They shape valleys as they flow.\n"


class Recorder:
    """Stands in for the RunManager: remembers each run the form would start."""

    def __init__(self) -> None:
        self.started: list[tuple[str, Any]] = []

    async def start(self, payload: dict[str, Any], *, run_id: str, context: Any) -> None:
        self.started.append((run_id, context))


@pytest.fixture
def studio() -> tuple[TestClient, Recorder]:
    app = create_app()
    recorder = Recorder()
    app.state.runs = recorder
    return TestClient(app), recorder


def _post(client: TestClient, **fields: str) -> Any:
    page = client.get("/")
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match is not None
    data = {"csrf": match.group(1), "text": LESSON, "target_seconds": "12", **fields}
    return client.post("/lessons", data=data, follow_redirects=False)


def _options(html: str) -> dict[str, bool]:
    """Voice option value → whether it can be picked (not disabled)."""
    start = html.index('<select id="voice"')
    select = html[start : html.index("</select>", start)]
    found = re.findall(r'<option value="([^"]*)"([^>]*)>', select)
    return {value: "disabled" not in attrs for value, attrs in found}


def test_the_picker_lists_the_voices_lessonreel_voices_lists(
    studio: tuple[TestClient, Recorder],
) -> None:
    client, _ = studio
    listed = json.loads(CliRunner().invoke(cli_app, ["voices", "--json"]).output)
    html = client.get("/").text
    options = _options(html)
    assert "" in options, "no default choice"
    assert [v for v in options if v] == [r["voice"] for r in listed]
    for row in listed:
        assert options[row["voice"]] is row["ready"], row["voice"]
    default = next(r["voice"] for r in listed if r["default"])
    assert f"Default: {default}" in html
    assert re.search(r'id="narration"[^>]*checked', html), "narration is not on by default"
    assert re.search(r'id="speaking-rate"[^>]*value="1.0"', html)


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"voice": "bob"}, "That voice is not one this server has"),
        ({"voice": "<img src=x onerror=alert(1)>"}, "That voice is not one this server has"),
        ({"voice": "coral"}, "The voice “coral” needs OPENAI_API_KEY on this server"),
        ({"speaking_rate": "3"}, "The speaking rate must be between 0.5 and 2.0"),
        ({"speaking_rate": "nan"}, "The speaking rate must be between 0.5 and 2.0"),
        ({"speaking_rate": "fast"}, "The speaking rate must be a number"),
    ],
)
def test_a_voice_or_rate_that_cannot_work_is_refused_before_a_run_starts(
    studio: tuple[TestClient, Recorder], fields: dict[str, str], says: str
) -> None:
    client, recorder = studio
    response = _post(client, narration="on", **fields)
    assert response.status_code == 400
    assert says in response.text
    assert "<img src=x" not in response.text
    assert LESSON.splitlines()[2][:30] in response.text, "the teacher's text was not kept"
    assert recorder.started == []


def test_a_chosen_voice_and_rate_reach_the_run(studio: tuple[TestClient, Recorder]) -> None:
    client, recorder = studio
    response = _post(client, narration=["off", "on"], voice="joe", speaking_rate="1.25")  # type: ignore[arg-type]
    assert response.status_code == 303, response.text[-500:]
    (run_id, context) = recorder.started[0]
    assert response.headers["location"] == f"/runs/{run_id}"
    assert (context.narration, context.voice, context.speaking_rate) == (True, "joe", 1.25)


def test_unticked_narration_makes_a_silent_run_whatever_the_voice_says(
    studio: tuple[TestClient, Recorder],
) -> None:
    client, recorder = studio
    response = _post(client, narration="off", voice="coral", speaking_rate="9")
    assert response.status_code == 303, response.text[-500:]
    (_, context) = recorder.started[0]
    assert context.narration is False
