"""Front ends over the workflow: the CLI, the notebook API, the webhook receiver, the emulator.

``from lessonreel.app import make_video, plan_storyboard`` (and the async twins) is the Python
API; names resolve lazily so ``lessonreel --help`` does not import LangGraph.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Context",
    "PlanResult",
    "VideoResult",
    "amake_video",
    "aplan_storyboard",
    "aresume",
    "aupscale",
    "make_video",
    "plan_storyboard",
    "resume",
    "upscale",
]


def __getattr__(name: str) -> Any:
    if name == "Context":
        from lessonreel.graph.context import Context

        return Context
    if name in __all__:
        from lessonreel.app import api

        return getattr(api, name)
    raise AttributeError(f"module 'lessonreel.app' has no attribute {name!r}")
