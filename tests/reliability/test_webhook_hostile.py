"""The ``lessonreel webhooks`` process answers hostile senders with a 4xx and keeps serving.

The receiver runs as a real process (both signature schemes) over a real ledger. Timestamps of
hundreds or thousands of digits, a validly signed body carrying a lone UTF-16 surrogate, a body
that trickles in and stalls, and a sender that hangs up mid-body: each gets an answer (or a one
line log entry), never a 500 or a traceback, and a genuine event is still recorded afterwards.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import httpx
import pytest
from conftest import Lessonreel
from webhook_schemes import SCHEMES, Scheme

pytestmark = pytest.mark.slow

READ_TIMEOUT = 1.0


def _receiver(lessonreel: Lessonreel, scheme: Scheme) -> Any:
    provider = "openrouter" if scheme.name == "openrouter" else "openai"
    env = {**lessonreel.env, "LESSONREEL_WEBHOOK_SECRET": scheme.secret}
    args = ["webhooks", "--provider", provider, "--read-timeout", str(READ_TIMEOUT)]
    return lessonreel.server(args, env=env)


def _event(scheme: Scheme, job_id: str, **data: Any) -> bytes:
    payload = json.loads(scheme.event(event_id=f"evt_{job_id}", job_id=job_id))
    payload["data"].update(data)
    return json.dumps(payload).encode()  # ensure_ascii: a lone surrogate is sent as \ud800


def _genuine_event_is_recorded(lessonreel: Lessonreel, server: Any, scheme: Scheme) -> None:
    body = _event(scheme, "video_ok")
    response = httpx.post(server.url + "/", content=body, headers=scheme.sign(body, ts=time.time()))
    assert response.status_code == 200, response.text
    assert lessonreel.ledger("SELECT * FROM events WHERE provider_job_id = 'video_ok'")


def _log(server: Any) -> str:
    text: str = server.log.read_text(errors="replace")
    return text


@pytest.mark.parametrize("scheme", SCHEMES, ids=lambda s: s.name)
@pytest.mark.parametrize("digits", [400, 5000])
def test_a_timestamp_of_absurd_length_is_a_4xx(
    lessonreel: Lessonreel, scheme: Scheme, digits: int
) -> None:
    server = _receiver(lessonreel, scheme)
    body = _event(scheme, "video_1")
    headers = scheme.restamp(scheme.sign(body, ts=time.time()), "9" * digits)

    response = httpx.post(server.url + "/", content=body, headers=headers)

    assert 400 <= response.status_code < 500, response.text
    assert lessonreel.ledger("SELECT * FROM events") == []
    _genuine_event_is_recorded(lessonreel, server, scheme)
    assert "Traceback" not in _log(server)


@pytest.mark.parametrize("scheme", SCHEMES, ids=lambda s: s.name)
def test_a_signed_body_with_a_lone_surrogate_is_recorded_safely(
    lessonreel: Lessonreel, scheme: Scheme
) -> None:
    server = _receiver(lessonreel, scheme)
    body = _event(scheme, "video_2", note="before \ud800 after")
    assert b"\\ud800" in body

    response = httpx.post(server.url + "/", content=body, headers=scheme.sign(body, ts=time.time()))

    assert response.status_code == 200, response.text
    rows = lessonreel.ledger("SELECT payload FROM events WHERE provider_job_id = 'video_2'")
    assert len(rows) == 1
    assert json.loads(rows[0]["payload"])["note"] == "before \ufffd after"
    # the sender is not told to retry: a redelivery is a duplicate, not a second 5xx
    again = httpx.post(server.url + "/", content=body, headers=scheme.sign(body, ts=time.time()))
    assert again.json()["status"] == "duplicate"
    assert "Traceback" not in _log(server)


def _partial_request(port: int, sent: bytes, declared: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    head = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    ).encode()
    sock.sendall(head + sent)
    return sock


@pytest.mark.parametrize("scheme", SCHEMES, ids=lambda s: s.name)
def test_a_body_that_stalls_is_timed_out(lessonreel: Lessonreel, scheme: Scheme) -> None:
    server = _receiver(lessonreel, scheme)
    started = time.monotonic()
    with _partial_request(server.port, b'{"type": "vid', declared=4000) as sock:
        answer = sock.recv(4096)
    waited = time.monotonic() - started

    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert waited < READ_TIMEOUT + 5
    _genuine_event_is_recorded(lessonreel, server, scheme)
    assert "Traceback" not in _log(server)


@pytest.mark.parametrize("scheme", SCHEMES, ids=lambda s: s.name)
def test_a_sender_that_hangs_up_midway_is_logged_in_one_line(
    lessonreel: Lessonreel, scheme: Scheme
) -> None:
    server = _receiver(lessonreel, scheme)
    sock = _partial_request(server.port, b'{"type": "vid', declared=4000)
    time.sleep(0.2)
    sock.close()
    time.sleep(0.5)

    _genuine_event_is_recorded(lessonreel, server, scheme)
    log = _log(server)
    assert "Traceback" not in log, log
    lines = [line for line in log.splitlines() if "disconnected" in line]
    assert len(lines) == 1, log
