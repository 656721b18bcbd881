"""Webhook receivers refuse everything but genuine, fresh, new events — and never record the rest.

A webhook endpoint is on the internet: anyone can POST to it. For both schemes (Standard Webhooks
for the Sora shape, OpenRouter's own) the receiver runs as a real loopback server in front of
the real ledger. Bad signatures, stale or future timestamps, oversized or malformed bodies are
answered 4xx without a ledger write; a repeated event id is answered 200 ``duplicate`` (so the
sender stops redelivering) and written once. Property tests pin the verifier and event parser:
genuine events always verify, single-byte tampering never does, garbage never crashes them.
"""

from __future__ import annotations

import asyncio
import json
import math
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from webhook_schemes import NOW, OPENROUTER, SCHEMES, STANDARD, Scheme

from lessonreel.store.ledger import Ledger
from lessonreel.video import webhooks, webhooks_openrouter
from lessonreel.video.emulator.server import running_app
from lessonreel.video.webhooks import WebhookError, WebhookEvent

MAX_BODY = 4096
PROPERTY = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class Receiver:
    """A scheme's receiver on loopback, writing to the real ledger; clock and ledger per test."""

    def __init__(self, scheme: Scheme) -> None:
        self.scheme = scheme
        self.now = float(NOW)
        self.calls: list[WebhookEvent] = []
        self.ledger: Ledger | None = None
        self.url = ""

    async def on_event(self, event: WebhookEvent) -> bool:
        self.calls.append(event)
        assert self.ledger is not None
        recorded: bool = await asyncio.to_thread(
            self.ledger.record_event,
            provider=event.provider,
            event_id=event.id,
            type=event.type,
            provider_job_id=event.video_id,
            payload=event.data,
        )
        return recorded

    def rows(self) -> int:
        assert self.ledger is not None
        with sqlite3.connect(self.ledger.path) as db:
            count: int = db.execute("SELECT count(*) FROM events").fetchone()[0]
        return count


@pytest.fixture(scope="module", params=SCHEMES, ids=lambda s: s.name)
def served(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    receiver = Receiver(request.param)
    app = receiver.scheme.app(receiver.on_event, clock=lambda: receiver.now, max_body=MAX_BODY)
    with running_app(app) as url:
        receiver.url = url
        yield receiver


@pytest.fixture
async def receiver(served: Receiver, tmp_path: Path) -> AsyncIterator[Receiver]:
    served.now, served.calls = float(NOW), []
    served.ledger = Ledger(tmp_path / "ledger.db")
    yield served
    served.ledger.close()
    served.ledger = None


async def post(receiver: Receiver, body: Any, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=receiver.url) as client:
        return await client.post("/", content=body, headers=headers)


def refusals(s: Scheme) -> dict[str, tuple[bytes, dict[str, str]]]:
    """Requests a receiver must refuse: (body, headers) by name."""
    body = s.event()
    good = s.sign(body)
    sig = s.signature_header()
    deep = b'{"type": "video.completed", "data": ' + b"[" * 1500 + b"]" * 1500 + b"}"
    return {
        "signed-with-another-secret": (body, s.sign(body, secret=s.other_secret)),
        "body-tampered-after-signing": (body.replace(b"video_1", b"video_2"), good),
        "signature-truncated": (body, {**good, sig: good[sig][:-6]}),
        "signature-header-missing": (body, {k: v for k, v in good.items() if k != sig}),
        "stale-by-301-s": (body, s.sign(body, ts=NOW - 301)),
        "future-by-301-s": (body, s.sign(body, ts=NOW + 301)),
        "timestamp-not-a-number": (body, s.restamp(good, "yesterday")),
        "timestamp-with-a-plus-sign": (body, s.restamp(good, "+" + s.stamp(good))),
        "timestamp-with-underscores": (body, s.restamp(good, f"{NOW:_}")),
        "oversized": (b" " * (MAX_BODY + 1), s.sign(b" " * (MAX_BODY + 1))),
        "malformed-json": (b'{"type": "video.completed",', s.sign(b'{"type": "video.completed",')),
        "not-an-event": (b"[1, 2, 3]", s.sign(b"[1, 2, 3]")),
        "absurdly-nested-json": (deep, s.sign(deep)),
        "not-utf-8": (b'\xff{"type": "x"}', s.sign_raw(b'\xff{"type": "x"}')),
    }


REFUSAL_NAMES = sorted(refusals(STANDARD))


@pytest.mark.parametrize("case", REFUSAL_NAMES)
async def test_the_receiver_refuses_with_4xx_and_records_nothing(
    receiver: Receiver, case: str
) -> None:
    body, headers = refusals(receiver.scheme)[case]
    response = await post(receiver, body, headers)
    assert 400 <= response.status_code < 500, (case, response.status_code, response.text)
    assert "error" in response.json()
    assert receiver.calls == []
    assert receiver.rows() == 0


async def test_an_oversized_body_without_a_length_is_cut_off_and_not_recorded(
    receiver: Receiver,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(MAX_BODY // 512 + 2):
            yield b" " * 512

    response = await post(receiver, chunks(), {})
    assert response.status_code == 413
    assert receiver.calls == []
    assert receiver.rows() == 0


async def test_a_genuine_event_is_recorded_once_and_its_repeats_are_duplicates(
    receiver: Receiver,
) -> None:
    s = receiver.scheme
    body = s.event()
    headers = s.sign(body)
    first = await post(receiver, body, headers)
    again = await post(receiver, body, headers)  # a captured request replayed verbatim
    resent = await post(receiver, body, s.sign(body, ts=NOW + 60, msg_id="msg_1"))  # redelivery
    assert (first.status_code, first.json()["status"]) == (200, "ok")
    for response in (again, resent):
        assert response.status_code == 200
        assert response.json()["status"] == "duplicate"
    assert receiver.rows() == 1
    receiver.now = NOW + 301  # the captured request, once it is stale, is refused outright
    late = await post(receiver, body, headers)
    assert late.status_code == 401
    assert receiver.rows() == 1


async def test_an_openrouter_replay_with_an_edited_idempotency_key_is_still_a_duplicate(
    tmp_path: Path,
) -> None:
    # The idempotency header is not covered by OpenRouter's signature; the signed body decides.
    receiver = Receiver(OPENROUTER)
    receiver.ledger = Ledger(tmp_path / "ledger.db")
    app = OPENROUTER.app(receiver.on_event, clock=lambda: receiver.now, max_body=MAX_BODY)
    body = OPENROUTER.event()
    headers = OPENROUTER.sign(body, msg_id="video_1-completed")
    edited = {**headers, "X-OpenRouter-Idempotency-Key": "video_1-completed-again"}
    with running_app(app) as url:
        receiver.url = url
        statuses = [(await post(receiver, body, h)).json()["status"] for h in (headers, edited)]
    assert statuses == ["ok", "duplicate"]
    assert receiver.rows() == 1
    receiver.ledger.close()


@pytest.mark.parametrize("scheme", SCHEMES, ids=lambda s: s.name)
def test_signatures_are_compared_in_constant_time(
    scheme: Scheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every candidate signature goes through hmac.compare_digest, never ``==``."""
    compared: list[tuple[Any, Any]] = []
    real = webhooks.hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return real(a, b)

    module = webhooks_openrouter if scheme is OPENROUTER else webhooks
    monkeypatch.setattr(module.hmac, "compare_digest", spy)
    body = scheme.event()
    forged = scheme.sign(body, secret=scheme.other_secret)
    with pytest.raises(WebhookError):
        scheme.verify(body, forged)
    assert len(compared) == 1
    expected, candidate = compared[0]
    assert len(expected) == len(candidate)  # the full MACs were compared, not a prefix
    compared.clear()
    scheme.verify(body, scheme.sign(body))
    assert len(compared) == 1


# -- properties of the verifiers and the event parser ----------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
msg_ids = st.text(
    st.characters(codec="ascii", min_codepoint=33, max_codepoint=126), min_size=1, max_size=40
)
skews = st.integers(min_value=-300, max_value=300)
schemes = st.sampled_from(SCHEMES)


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    """An event object a provider could send: a type, a job id, arbitrary extra data."""
    data = draw(st.dictionaries(st.text(max_size=8), json_values, max_size=4))
    data["id"] = draw(st.from_regex(r"video_[A-Za-z0-9]{1,24}", fullmatch=True))
    data["status"] = draw(st.sampled_from(["completed", "failed", "cancelled", "expired"]))
    event: dict[str, Any] = {"type": draw(st.text(min_size=1, max_size=30)), "data": data}
    if draw(st.booleans()):
        event["id"] = draw(st.from_regex(r"evt_[A-Za-z0-9]{1,24}", fullmatch=True))
    return event


@PROPERTY
@given(scheme=schemes, event=events(), msg_id=msg_ids, skew=skews)
def test_any_genuine_fresh_event_verifies_and_round_trips(
    scheme: Scheme, event: dict[str, Any], msg_id: str, skew: int
) -> None:
    body = json.dumps(event).encode()
    parsed = scheme.verify(body, scheme.sign(body, ts=NOW + skew, msg_id=msg_id))
    assert (parsed.type, parsed.data, parsed.video_id) == (
        event["type"],
        event["data"],
        event["data"]["id"],
    )
    if scheme is OPENROUTER:
        assert parsed.id == f"{event['data']['id']}-{event['data']['status']}"
    else:
        assert parsed.id == event.get("id", msg_id)
        assert parsed.webhook_id == msg_id


SAMPLE: dict[str, Any] = {
    "type": "video.completed",
    "data": {"id": "video_1", "status": "completed"},
}
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _stray_low_bits() -> tuple[int, str, int]:
    """(index, replacement, byte) that flips an unused bit of the sample's base64 signature."""
    sig = STANDARD.sign(json.dumps(SAMPLE).encode(), msg_id="msg_2f9Qx7")["webhook-signature"]
    last = sig.rstrip("=")[-1]
    return len(sig.rstrip("=")) - 1, B64[B64.index(last) ^ 1], 0


def _mutate_text(value: str, index: int, char: str) -> str:
    i = index % len(value)
    return value[:i] + char + value[i + 1 :]


@PROPERTY
@given(
    scheme=schemes,
    event=events(),
    part=st.sampled_from(["body", "id", "timestamp", "signature"]),
    index=st.integers(min_value=0, max_value=10_000),
    replacement=st.characters(codec="latin-1") | st.characters(),
    byte=st.integers(min_value=0, max_value=255),
)
@example(STANDARD, SAMPLE, "timestamp", 0, "１", 0)  # full-width 1: int() reads the same value
@example(OPENROUTER, SAMPLE, "timestamp", 0, "１", 0)
@example(STANDARD, SAMPLE, "signature", *_stray_low_bits())  # same MAC bytes, other spelling
def test_any_single_byte_change_is_refused(
    scheme: Scheme,
    event: dict[str, Any],
    part: str,
    index: int,
    replacement: str,
    byte: int,
) -> None:
    body = json.dumps(event).encode()
    headers = scheme.sign(body, msg_id="msg_2f9Qx7")
    sig = scheme.signature_header()
    if part == "body":
        i = index % len(body)
        if body[i] == byte:
            return  # not a change
        body = body[:i] + bytes([byte]) + body[i + 1 :]
    elif part == "id":
        if scheme is OPENROUTER:  # unsigned by design; the signed body decides the event id
            return
        old = headers["webhook-id"]
        headers["webhook-id"] = new = _mutate_text(old, index, replacement)
        if new == old:
            return
    elif part == "timestamp":
        old = scheme.stamp(headers)
        new = _mutate_text(old, index, replacement)
        if new == old:
            return
        headers = scheme.restamp(headers, new)
    else:
        old = headers[sig]
        new = _mutate_text(old, index, replacement)
        # OpenRouter's hex is read case-insensitively: "AB" and "ab" spell the same MAC bytes.
        if new == old or (scheme is OPENROUTER and new.lower() == old.lower()):
            return
        headers[sig] = new
    with pytest.raises(WebhookError):
        scheme.verify(body, headers)


garbage = st.text(max_size=60) | st.text(st.characters(codec="latin-1"), max_size=60)


@PROPERTY
@given(
    scheme=schemes,
    body=st.binary(max_size=200),
    headers=st.dictionaries(
        st.sampled_from(
            [
                "webhook-id",
                "webhook-timestamp",
                "webhook-signature",
                "X-OpenRouter-Signature",
                "X-OpenRouter-Idempotency-Key",
                "content-type",
            ]
        )
        | st.text(max_size=20),
        garbage
        | st.builds(lambda n: str(NOW + n), skews)
        | st.builds(lambda t, s: f"t={NOW + t},v1={s}", skews, garbage)
        | st.builds(lambda s: f"v1,{s} v1,{s}=", garbage),
        max_size=6,
    ),
)
@example(scheme=OPENROUTER, body=b"{}", headers={"X-OpenRouter-Signature": f"t={NOW},v1=\xe9"})
@example(
    scheme=STANDARD,
    body=b"{}",
    headers={"webhook-id": "\ud800", "webhook-timestamp": str(NOW), "webhook-signature": "v1,AA=="},
)
def test_garbage_headers_only_ever_raise_webhook_error(
    scheme: Scheme, body: bytes, headers: dict[str, str]
) -> None:
    with pytest.raises(WebhookError) as info:  # garbage never carries a genuine signature
        scheme.verify(body, headers)
    assert 400 <= info.value.status_code < 500


@PROPERTY
@given(scheme=schemes, payload=json_values | st.dictionaries(st.text(max_size=10), json_values))
@example(scheme=STANDARD, payload={"type": "video.completed", "created_at": 10**400})
@example(scheme=OPENROUTER, payload={"type": "x", "created_at": 10**400, "data": {"id": "v"}})
@example(scheme=STANDARD, payload={"type": "video.completed", "created_at": float("nan")})
@example(scheme=OPENROUTER, payload={"type": "x", "created_at": "0001-01-01", "data": {"id": 7}})
def test_the_event_parser_accepts_or_refuses_any_signed_json_without_crashing(
    scheme: Scheme, payload: Any
) -> None:
    body = json.dumps(payload).encode()
    try:
        event = scheme.verify(body, scheme.sign(body))
    except WebhookError as exc:
        refused: WebhookError | None = exc
    else:
        refused = None
    if refused is not None:
        assert refused.status_code == 400  # the signature was good: only the content is refused
        return
    assert isinstance(payload, dict)
    assert event.type == payload["type"]
    assert math.isfinite(event.created_at)
