"""The LangGraph workflow, its run context, and the CLI and notebook front ends.

``from lessonreel.graph import make_video, plan_storyboard`` (and the async twins) is the Python
API; the names are resolved lazily so ``lessonreel --help`` does not import LangGraph.
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
        from lessonreel.graph import api

        return getattr(api, name)
    raise AttributeError(f"module 'lessonreel.graph' has no attribute {name!r}")
