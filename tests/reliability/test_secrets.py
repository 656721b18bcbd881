"""No API key or webhook secret is ever written anywhere a user (or an attacker) can read.

A full job runs with fake keys in the environment, and the keys are really used on the wire: the
emulator (served as a process) requires the video key, a loopback chat stub requires the LLM key
and answers as the director, and the emulator signs its webhooks with the secret the
``lessonreel webhooks`` receiver verifies. Afterwards the ledger, the checkpoints, every file
under the home, the output folder and the user's home directory, and everything the commands
printed are searched for each secret — raw, hex, and base64 in every alignment.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Lessonreel

pytestmark = pytest.mark.slow

SHOTS = 4


def _forms(secret: str) -> set[bytes]:
    """Byte strings that would betray ``secret``: raw, hex, base64/urlsafe in each alignment."""
    raw = secret.encode()
    values = [raw]
    if secret.startswith("whsec_"):
        values.append(base64.b64decode(secret.removeprefix("whsec_")))
    forms: set[bytes] = set()
    for value in values:
        forms.add(value)
        forms.add(value.hex().encode())
        for shift in range(3):
            for encode in (base64.b64encode, base64.urlsafe_b64encode):
                text = encode(b"\0" * shift + value).rstrip(b"=")
                # drop the chars that mix with the neighbours; the middle is always present
                forms.add(text[4:-4])
    return {f for f in forms if len(f) >= 12}


def _leaks(secret_values: dict[str, str], places: dict[str, bytes]) -> list[str]:
    found = []
    for name, secret in secret_values.items():
        for form in _forms(secret):
            found += [f"{name} in {where}" for where, data in places.items() if form in data]
    return sorted(set(found))


def _files(*roots: Path) -> dict[str, bytes]:
    return {
        str(path): path.read_bytes() for root in roots for path in root.rglob("*") if path.is_file()
    }


def test_the_leak_search_finds_a_key_in_any_encoding() -> None:
    key = "sk-test-" + secrets.token_hex(16)
    whsec = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    hidden = {
        "raw": b"...Bearer " + key.encode() + b"...",
        "b64": b"x" + base64.b64encode(b"ab:" + key.encode() + b":cd"),
        "url": base64.urlsafe_b64encode(b"z" + key.encode()),
        "whsec bytes": b"\x00" + base64.b64decode(whsec[6:]) + b"\x01",
    }
    leaks = _leaks({"key": key, "whsec": whsec}, hidden)
    assert leaks == [
        "key in b64",
        "key in raw",
        "key in url",
        "whsec in whsec bytes",
    ]
    assert _leaks({"key": key}, {"clean": b"sk-test-" + b"0" * 32}) == []


# -- a loopback chat-completions stub that answers as the director -------------------------------


def _director_draft(lesson_path: Path) -> dict[str, Any]:
    """A valid StoryboardDraft for the lesson (the offline director's storyboard, re-shaped)."""
    from lessonreel.agents.director import direct_offline
    from lessonreel.agents.director_llm import ShotDraft
    from lessonreel.agents.ingest import load_lesson
    from lessonreel.agents.text import extract_concepts, is_instruction

    lesson = load_lesson(lesson_path)
    board = direct_offline(lesson, legal_seconds=[4], target_seconds=4 * SHOTS)
    concepts = lesson.key_concepts or extract_concepts(lesson.text, title=lesson.title)
    objectives = [o for o in lesson.objectives if not is_instruction(o)] or [
        f"Explain {concepts[0] if concepts else lesson.title}"
    ]
    shots = []
    for shot in board.shots:
        fields = shot.model_dump(mode="json")
        draft = {k: v for k, v in fields.items() if k in ShotDraft.model_fields}
        draft["objective_index"] = (
            objectives.index(shot.objective) if shot.objective in objectives else 0
        )
        shots.append(draft)
    # a model's draft serves one objective per shot: one more shot per objective left over
    served = {d["objective_index"] for d in shots}
    shots += [
        {**shots[-1], "objective_index": i} for i in range(len(objectives)) if i not in served
    ]
    return {"style": board.style.model_dump(mode="json"), "shots": shots}


class ChatStub:
    """OpenAI-compatible /v1/chat/completions on loopback; requires one bearer key."""

    def __init__(self, key: str, draft: dict[str, Any]) -> None:
        self.key = key
        self.draft = draft
        self.authorized = 0
        self.refused = 0

    def app(self) -> Any:
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import JSONResponse
        from starlette.routing import Route

        async def completions(request: Request) -> JSONResponse:
            if request.headers.get("authorization") != f"Bearer {self.key}":
                self.refused += 1
                return JSONResponse({"error": {"message": "bad key"}}, status_code=401)
            self.authorized += 1
            body = await request.json()
            tool = body["tools"][0]["function"]["name"]
            call = {"name": tool, "arguments": json.dumps(self.draft)}
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "call_1", "type": "function", "function": call}],
            }
            return JSONResponse(
                {
                    "id": "chatcmpl-stub",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "stub"),
                    "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
            )

        return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


@pytest.fixture
def chat_stub_factory() -> Iterator[Any]:
    import uvicorn

    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(stub: ChatStub, port: int) -> str:
        config = uvicorn.Config(stub.app(), host="127.0.0.1", port=port, log_level="warning")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}/v1"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(10)


def test_a_full_job_with_real_keys_on_the_wire_stores_and_prints_none_of_them(
    lessonreel: Lessonreel, chat_stub_factory: Any, tmp_path: Path
) -> None:
    driver = lessonreel.driver
    keys = {
        "OPENAI_API_KEY": "sk-test-" + secrets.token_hex(20),
        "LESSONREEL_LLM_API_KEY": "sk-test-llm-" + secrets.token_hex(20),
        "AZURE_OPENAI_API_KEY": secrets.token_hex(16),
        "OPENROUTER_API_KEY": "sk-or-v1-" + secrets.token_hex(24),
        "GOOGLE_API_KEY": "AIza" + secrets.token_urlsafe(26),
        "VEO_API_KEY": "AIza" + secrets.token_urlsafe(26),
        "GOOGLE_CLOUD_ACCESS_TOKEN": "ya29." + secrets.token_urlsafe(40),
        "LESSONREEL_WEBHOOK_SECRET": "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode(),
    }
    user_home = tmp_path / "user-home"
    user_home.mkdir()
    stub = ChatStub(keys["LESSONREEL_LLM_API_KEY"], _director_draft(driver.LESSON))
    chat_url = chat_stub_factory(stub, driver.free_port())
    env = {
        **lessonreel.env,
        **keys,
        "HOME": str(user_home),
        "XDG_CACHE_HOME": str(user_home / ".cache"),
        "XDG_CONFIG_HOME": str(user_home / ".config"),
        "XDG_DATA_HOME": str(user_home / ".local" / "share"),
        "LESSONREEL_LLM_BASE_URL": chat_url,
        "LESSONREEL_POLL_INTERVAL": "0.2",
    }
    receiver = lessonreel.server(["webhooks", "--provider", "openai"], env=env)
    hooks = {"url": receiver.url + "/", "secret": keys["LESSONREEL_WEBHOOK_SECRET"]}
    emulator = lessonreel.emulator(
        {"latency": 0.3, "api_key": keys["OPENAI_API_KEY"], "webhooks": hooks}
    )
    out = tmp_path / "out"
    args = driver.make_args(emulator.url, out, SHOTS, "--json")
    args[args.index("local")] = "openai"

    made = lessonreel.run(*args, env=env)

    assert made.returncode == 0, made.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "done"
    assert report["provider"] == "openai"
    # the keys were really used: the LLM director answered, the key-checking emulator rendered
    assert stub.authorized >= 1
    assert stub.refused == 0
    stats = driver.get_json(emulator.url + "/_emulator/stats")
    assert stats["creates"] == len(report["shots"])
    events = lessonreel.ledger("SELECT event_id FROM events")
    assert events, "the signed webhooks never reached the ledger"

    run_id = report["run_id"]
    shown = lessonreel.run("show", run_id, "--json", env=env)
    listed = lessonreel.run("runs", env=env)
    assert shown.returncode == 0
    assert listed.returncode == 0
    places = _files(lessonreel.home, out, user_home)
    places.update(
        {
            "make stdout": made.stdout.encode(),
            "make stderr": made.stderr.encode(),
            "show --json": shown.stdout.encode() + shown.stderr.encode(),
            "runs": listed.stdout.encode() + listed.stderr.encode(),
            "webhooks log": receiver.log.read_bytes(),
            "emulator log": (tmp_path / "emulator" / "emulator.log").read_bytes(),
        }
    )
    assert any(p.endswith("checkpoints.db") for p in places)
    assert any(p.endswith("lessonreel.db") for p in places)
    assert _leaks(keys, places) == []
