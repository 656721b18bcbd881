"""Who gets in: loopback by default, a token elsewhere, and no form without its CSRF token."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from lessonreel.app.cli import app as cli_app
from lessonreel.app.web.security import is_loopback
from lessonreel.app.web.server import create_app

TOKEN = "a-long-enough-studio-token"


def _csrf(client: TestClient, path: str = "/") -> str:
    page = client.get(path)
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match is not None
    return match.group(1)


def test_with_a_token_every_page_needs_it_and_the_login_form_sets_a_cookie() -> None:
    client = TestClient(create_app(token=TOKEN), base_url="http://studio.test")
    for path in ("/", "/runs", "/runs/x/events", "/runs/x/scorm.zip"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/login"
    assert client.post("/lessons", data={"text": "x"}).status_code == 401
    csrf = _csrf(client, "/login")
    wrong = client.post("/login", data={"csrf": csrf, "token": "guess"})
    assert wrong.status_code == 401
    assert "That token is not right." in wrong.text
    right = client.post("/login", data={"csrf": csrf, "token": TOKEN}, follow_redirects=False)
    assert right.status_code == 303
    assert client.get("/").status_code == 200
    assert "Lesson text" in client.get("/").text


def test_a_bearer_token_works_without_the_cookie() -> None:
    client = TestClient(create_app(token=TOKEN))
    response = client.get("/runs", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    wrong = client.get("/runs", headers={"Authorization": "Bearer nope"}, follow_redirects=False)
    assert wrong.status_code == 303


@pytest.mark.parametrize("path", ["/lessons", "/runs/some-run/approve", "/runs/some-run/resume"])
def test_a_form_without_its_csrf_token_is_refused(path: str) -> None:
    client = TestClient(create_app())
    _csrf(client)  # the cookie is set, but the form does not echo it
    response = client.post(path, data={"text": "A lesson.", "csrf": "forged"})
    assert response.status_code == 403
    assert "This form has expired" in response.text


def test_errors_are_pages_in_plain_words() -> None:
    client = TestClient(create_app(), raise_server_exceptions=False)
    missing = client.get("/runs/no-such-run")
    assert missing.status_code == 404
    assert "There is no run with that id" in missing.text
    assert client.get("/runs/..%2F..%2Fetc/files/lesson.mp4").status_code == 404
    assert "Traceback" not in missing.text


def test_serve_refuses_an_open_address_without_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LESSONREEL_TOKEN", raising=False)
    result = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "give --token or set LESSONREEL_TOKEN" in result.output
    short = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0", "--token", "abc"])
    assert short.exit_code == 2
    assert "too short" in short.output


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("10.0.0.5", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
