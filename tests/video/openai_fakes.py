"""Test doubles for the openai provider: a scripted Sora-shaped API and a recording clock.

Shared by test_openai_provider.py and test_openai_retries.py (imported by module name: pytest
puts this folder on sys.path because tests/ has no __init__.py).
"""

from __future__ import annotations

import email.parser
import email.policy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from fakes import FakeTime
from PIL import Image

from lessonreel.video.providers.openai import OpenAIVideoProvider
from lessonreel.video.providers.retry import RetryPolicy

FIXTURES = Path(__file__).parent / "fixtures"
KEY = "sk-test-0123456789abcdefsecret"
BASE = "https://api.test/v1"

Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def fixture(*parts: str) -> Any:
    return json.loads(FIXTURES.joinpath(*parts).read_text())


def video(status: str = "queued", **over: Any) -> dict[str, Any]:
    obj: dict[str, Any] = fixture("responses", "video_queued.json")
    obj.update(status=status, **over)
    return obj


def error(status: int, name: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=fixture("responses", name), headers=headers)


class FakeSora:
    """Scripted API: per (method, path) a queue of replies; the last one repeats."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.routes: dict[tuple[str, str], list[Reply]] = {}

    def on(self, method: str, path: str, *replies: Reply) -> FakeSora:
        self.routes[(method, path)] = list(replies)
        return self

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if (r.method, r.url.path) == (method, path)]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        queue = self.routes.get((request.method, request.url.path))
        if not queue:
            return httpx.Response(404, json={"error": {"message": "no route", "code": None}})
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        return reply(request)


def provider(fake: FakeSora, waits: FakeTime, **options: Any) -> OpenAIVideoProvider:
    policy = RetryPolicy(
        max_retries=options.pop("max_retries", 4), sleep=waits.sleep, clock=waits.clock
    )
    return OpenAIVideoProvider(
        base_url=options.pop("base_url", BASE),
        api_key=options.pop("api_key", KEY),
        transport=httpx.MockTransport(fake),
        retry_policy=policy,
        **options,
    )


def multipart_parts(request: httpx.Request) -> list[dict[str, Any]]:
    """Decode a multipart body into [{name, value | filename, content_type, data}]."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.content)
    parts = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        if part.get_filename():
            parts.append(
                {
                    "name": name,
                    "filename": part.get_filename(),
                    "content_type": part.get_content_type(),
                    "data": data,
                }
            )
        else:
            parts.append({"name": name, "value": data.decode()})
    return parts


def names(folder: Path) -> list[str]:
    """Every file name in ``folder`` (temp files included), sorted."""
    return sorted(p.name for p in folder.iterdir())


def png(path: Path, size: tuple[int, int], fmt: str = "PNG") -> Path:
    Image.new("RGB", size, (40, 160, 60)).save(path, format=fmt)
    return path
