"""The test doubles every suite shares: time that moves only when told, a scripted chat model.

Imported by module name (``from fakes import FakeTime``): pytest puts ``tests/`` on ``sys.path``
because ``tests/conftest.py`` lives there.
"""

from __future__ import annotations

import threading
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from lessonreel.video.providers.retry import RetryPolicy

EPOCH = 1_800_000_000.0
"""Where a :class:`FakeClock` starts (a fixed wall-clock time in 2027)."""


class FakeTime:
    """An injected ``sleep`` and monotonic ``clock``: records every wait, returns at once."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now

    def policy(self, max_retries: int = 3, **options: Any) -> RetryPolicy:
        """A retry policy that waits on this fake time."""
        return RetryPolicy(max_retries=max_retries, sleep=self.sleep, clock=self.clock, **options)


class FakeClock:
    """A wall clock (the emulator's): jobs advance only when a test moves it; thread-safe."""

    def __init__(self, start: float = EPOCH) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    @property
    def now(self) -> float:
        return self()

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


class ScriptedChatModel(BaseChatModel):
    """A chat model that answers each call with the next scripted tool call and records calls.

    ``tool`` names the structured-output schema (``with_structured_output`` binds it as a
    tool); after the script runs out the last answer repeats. An answer that is an exception
    is raised instead (a refusing or unreachable server).
    """

    answers: list[Any]
    tool: str = "StoryboardDraft"
    calls: list[list[BaseMessage]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        self.calls.append(list(messages))
        answer = self.answers[min(len(self.calls), len(self.answers)) - 1]
        if isinstance(answer, BaseException):
            raise answer
        call = {"name": self.tool, "args": answer, "id": f"call_{len(self.calls)}"}
        return ChatResult(generations=[ChatGeneration(message=AIMessage("", tool_calls=[call]))])
