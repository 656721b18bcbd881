"""Wire the lessonreel graph: the lesson pipeline and the per-shot subgraph it fans out to.

```
ingest_lesson → direct_storyboard → review_storyboard → narrate_lesson ─(Send)→ render_shot
  → assemble_lesson
render_shot:  screen_shot ─┬→ dispatch_shot → await_clip → fetch_clip → END
                           ├→ sanitize_shot → screen_shot            (≤ max_sanitize_rounds)
                           └→ give_up_shot                             (slate + reason)
```

Each shot runs as a compiled subgraph invoked through ``Send``: its routers stay named
functions over a typed per-shot state, and its steps are checkpointed under the parent's thread
once the shot leaves its first pass (a retry, a rewrite), so a resumed run continues such a shot
where it stopped; a shot on its first pass starts again and the ledger turns its dispatch into a
collect (graph/checkpointer.py, ``sparse``). Nothing here opens a file or a client:
``graph`` below is safe to import (``langgraph.json`` points at it; Studio adds its own
checkpointer, the CLI passes the SQLite one to :func:`build_graph`).
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from lessonreel.graph.context import Context
from lessonreel.graph.nodes.assemble import assemble_lesson
from lessonreel.graph.nodes.await_clip import await_clip
from lessonreel.graph.nodes.direct import direct_storyboard
from lessonreel.graph.nodes.dispatch import dispatch_shot
from lessonreel.graph.nodes.fetch import fetch_clip
from lessonreel.graph.nodes.finish import give_up_shot, stop_shot
from lessonreel.graph.nodes.ingest import ingest_lesson
from lessonreel.graph.nodes.narrate import narrate_lesson
from lessonreel.graph.nodes.retry import back_off
from lessonreel.graph.nodes.review import review_storyboard
from lessonreel.graph.nodes.sanitize import sanitize_shot
from lessonreel.graph.nodes.screen import screen_shot
from lessonreel.graph.routers import (
    route_after_await,
    route_after_dispatch,
    route_after_fetch,
    route_after_narrate,
    route_after_sanitize,
    route_after_screen,
)
from lessonreel.graph.state import (
    InputState,
    LessonState,
    OutputState,
    ShotOutput,
    ShotState,
    ShotTask,
)

GRAPH_NAME = "lessonreel"

SHOT_NODE = "render_shot"
"""The lesson graph's node that runs the shot subgraph (also its checkpoint namespace)."""


def build_shot_graph() -> CompiledStateGraph[Any, Any, Any, Any]:
    """One shot's journey: screen, sanitize, dispatch, await, fetch, or a slate."""
    builder = StateGraph(
        ShotState, context_schema=Context, input_schema=ShotTask, output_schema=ShotOutput
    )
    builder.add_node("screen_shot", screen_shot)
    builder.add_node("sanitize_shot", sanitize_shot)
    builder.add_node("dispatch_shot", dispatch_shot)
    builder.add_node("await_clip", await_clip)
    builder.add_node("fetch_clip", fetch_clip)
    builder.add_node("back_off", back_off)
    builder.add_node("give_up_shot", give_up_shot)
    builder.add_node("stop_shot", stop_shot)

    builder.add_edge(START, "screen_shot")
    builder.add_conditional_edges("screen_shot", route_after_screen)
    builder.add_conditional_edges("sanitize_shot", route_after_sanitize)
    builder.add_conditional_edges("dispatch_shot", route_after_dispatch)
    builder.add_conditional_edges("await_clip", route_after_await)
    builder.add_conditional_edges("fetch_clip", route_after_fetch)
    builder.add_edge("back_off", "dispatch_shot")
    builder.add_edge("give_up_shot", END)
    builder.add_edge("stop_shot", END)
    return builder.compile(name=SHOT_NODE)


def build_graph(checkpointer: Any = None) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Return the main graph compiled with ``checkpointer`` (None: Studio adds its own)."""
    builder = StateGraph(
        LessonState, context_schema=Context, input_schema=InputState, output_schema=OutputState
    )
    builder.add_node("ingest_lesson", ingest_lesson)
    builder.add_node("direct_storyboard", direct_storyboard)
    builder.add_node("review_storyboard", review_storyboard)
    builder.add_node("narrate_lesson", narrate_lesson)
    builder.add_node(SHOT_NODE, build_shot_graph())
    builder.add_node("assemble_lesson", assemble_lesson)

    builder.add_edge(START, "ingest_lesson")
    builder.add_edge("ingest_lesson", "direct_storyboard")
    builder.add_edge("direct_storyboard", "review_storyboard")
    builder.add_edge("review_storyboard", "narrate_lesson")
    builder.add_conditional_edges(
        "narrate_lesson", route_after_narrate, ["render_shot", "assemble_lesson"]
    )
    builder.add_edge("render_shot", "assemble_lesson")
    builder.add_edge("assemble_lesson", END)
    return builder.compile(checkpointer=checkpointer, name=GRAPH_NAME)


graph = build_graph()
"""The graph ``langgraph.json`` serves (``./graph/builder.py:graph``)."""
