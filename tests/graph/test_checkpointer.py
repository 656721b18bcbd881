"""The group-committed checkpointer: checkpoints read back as the library's own saver wrote them.

The oracle is LangGraph's own ``AsyncSqliteSaver``: the same fan-out graph, run once through each
saver, must leave the same checkpoints behind, and a run paused midway must resume from what the
group commit wrote.
"""

from __future__ import annotations

import asyncio
import operator
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import aiosqlite
import pytest
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, Send, interrupt
from typing_extensions import TypedDict

from lessonreel.graph.checkpointer import GroupCommit, GroupCommitSaver


class Lesson(TypedDict, total=False):
    first: int
    shots: int
    approved: bool
    done: Annotated[list[int], operator.add]


class One(TypedDict):
    index: int


async def approve(state: Lesson) -> dict[str, Any]:
    return {"approved": bool(interrupt({"shots": state["shots"]}))}


def fan_out(state: Lesson) -> list[Send]:
    return [Send("render", One(index=i)) for i in range(state["shots"])]


async def render(state: One) -> dict[str, Any]:
    await asyncio.sleep(0)
    return {"done": [state["index"]]}


def build(saver: Any) -> Any:
    builder = StateGraph(Lesson)
    builder.add_node("approve", approve)
    builder.add_node("render", render)
    builder.add_edge(START, "approve")
    builder.add_conditional_edges("approve", fan_out, ["render"])
    builder.add_edge("render", END)
    return builder.compile(checkpointer=saver)


@asynccontextmanager
async def group_saver(path: Path, sparse: Any = None) -> AsyncIterator[GroupCommitSaver]:
    writer = GroupCommit(path)
    async with aiosqlite.connect(str(path)) as conn:
        try:
            yield GroupCommitSaver(conn, writer, sparse=sparse)
        finally:
            await writer.aclose()


@asynccontextmanager
async def library_saver(path: Path) -> AsyncIterator[AsyncSqliteSaver]:
    async with aiosqlite.connect(str(path)) as conn:
        yield AsyncSqliteSaver(conn)


async def run_paused_then_resumed(path: Path, opener: Any, shots: int) -> None:
    """Start a run (it pauses at the approval), close the saver, resume it with a new one."""
    config: Any = {"configurable": {"thread_id": "run-1"}, "max_concurrency": 4}
    async with opener(path) as saver:
        await build(saver).ainvoke({"shots": shots}, config, durability="sync")
    async with opener(path) as saver:
        await build(saver).ainvoke(Command(resume=True), config, durability="sync")


def rows(path: Path) -> tuple[int, int, set[str]]:
    with sqlite3.connect(path) as conn:
        checkpoints = conn.execute("SELECT count(*) FROM checkpoints").fetchone()[0]
        writes = conn.execute("SELECT count(*) FROM writes").fetchone()[0]
        channels = {r[0] for r in conn.execute("SELECT DISTINCT channel FROM writes")}
    return checkpoints, writes, channels


async def test_a_paused_run_resumes_from_what_the_group_commit_wrote(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    await run_paused_then_resumed(ours, group_saver, shots=12)
    await run_paused_then_resumed(theirs, library_saver, shots=12)

    config: Any = {"configurable": {"thread_id": "run-1"}}
    async with library_saver(ours) as saver:  # the library reads our file as its own
        state = await build(saver).aget_state(config)
    assert state.next == ()
    assert state.values["approved"] is True
    assert sorted(state.values["done"]) == list(range(12))
    assert rows(ours) == rows(theirs)


def _one_table(tmp_path: Path) -> Path:
    """A database file with one empty table ``t``."""
    path = tmp_path / "c.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (n INTEGER)")
    return path


async def test_a_write_has_returned_only_once_another_connection_can_read_it(
    tmp_path: Path,
) -> None:
    path = _one_table(tmp_path)
    writer = GroupCommit(path)
    try:
        await asyncio.gather(*(writer.write("INSERT INTO t VALUES (?)", [(i,)]) for i in range(50)))
        with sqlite3.connect(path) as conn:
            seen = [r[0] for r in conn.execute("SELECT n FROM t ORDER BY rowid")]
    finally:
        await writer.aclose()
    assert seen == list(range(50))  # all of them, in the order they were written


async def test_a_failed_write_fails_its_caller_and_later_writes_still_commit(
    tmp_path: Path,
) -> None:
    path = _one_table(tmp_path)
    writer = GroupCommit(path)
    try:
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            await writer.write("INSERT INTO missing VALUES (?)", [(1,)])
        await writer.write("INSERT INTO t VALUES (?)", [(2,)])
        with sqlite3.connect(path) as conn:
            assert [r[0] for r in conn.execute("SELECT n FROM t")] == [2]
    finally:
        await writer.aclose()


class Leg(TypedDict, total=False):
    index: int
    retry: int
    done: Annotated[list[int], operator.add]


def build_sparse(saver: Any, calls: list[str], crash: set[str]) -> Any:
    """A lesson that fans out to a three-step shot subgraph; shot 1 retries once on step b.

    A step named in ``crash`` (``"<step>:<index>"``) raises once, as a killed process would stop.
    """

    def step(name: str) -> Any:
        async def run(state: Leg) -> dict[str, Any]:
            tag = f"{name}:{state['index']}"
            calls.append(tag)
            if tag in crash:
                crash.discard(tag)
                raise RuntimeError(f"killed in {tag}")
            update: dict[str, Any] = {"done": [state["index"]]} if name == "c" else {}
            if name == "b" and state["index"] == 1 and not state.get("retry"):
                update["retry"] = 1
            return update

        return run

    shot = StateGraph(Leg)
    for name in ("a", "b", "c"):
        shot.add_node(name, step(name))
    shot.add_edge(START, "a")
    shot.add_edge("a", "b")
    shot.add_edge("b", "c")
    shot.add_edge("c", END)

    def fan(state: Lesson) -> list[Send]:
        return [Send("shot", Leg(index=i)) for i in range(state.get("first", 0), state["shots"])]

    lesson = StateGraph(Lesson)
    lesson.add_node("shot", shot.compile())
    lesson.add_conditional_edges(START, fan, ["shot"])
    lesson.add_edge("shot", END)
    return lesson.compile(checkpointer=saver)


def sparse_saver(path: Path) -> Any:
    """A group-commit saver that keeps a shot's checkpoints only once it leaves its first pass."""
    from lessonreel.graph.state import keep_shot_checkpoint

    return group_saver(path, sparse={"shot": keep_shot_checkpoint})


def shot_checkpoints(path: Path) -> dict[str, int]:
    """Stored checkpoints per shot namespace (``shot:<task>`` → count)."""
    with sqlite3.connect(path) as conn:
        found = conn.execute(
            "SELECT checkpoint_ns, count(*) FROM checkpoints WHERE checkpoint_ns != '' "
            "GROUP BY checkpoint_ns"
        ).fetchall()
        writes = conn.execute("SELECT count(*) FROM writes WHERE checkpoint_ns != ''").fetchone()
    assert writes[0] == 0  # a sparse subgraph's pending writes are never stored
    return dict(found)


async def test_a_first_pass_shot_writes_no_checkpoint_and_a_retried_one_does(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.db"
    config: Any = {"configurable": {"thread_id": "run-1"}}
    async with sparse_saver(path) as saver:
        calls: list[str] = []
        await build_sparse(saver, calls, set()).ainvoke({"shots": 3}, config, durability="sync")
        state = await build_sparse(saver, [], set()).aget_state(config)
    kept = shot_checkpoints(path)
    assert len(kept) == 1  # only shot 1, which left its first pass
    assert next(iter(kept.values())) >= 2  # the step that set the retry, and the ones after it
    assert sorted(state.values["done"]) == [0, 1, 2]
    assert sorted(calls) == sorted(f"{s}:{i}" for s in "abc" for i in range(3))


@pytest.mark.parametrize(
    ("shot", "resumed"),
    [(0, ["a:0", "b:0", "c:0"]), (1, ["c:1"])],
    ids=["first-pass-starts-again", "retried-resumes-after-its-retry"],
)
async def test_a_killed_shot_resumes_from_its_input_or_from_its_kept_checkpoint(
    tmp_path: Path, shot: int, resumed: list[str]
) -> None:
    """A shot killed in its last step starts again from its input, or resumes after its retry.

    On its first pass the shot has nothing kept (the ledger makes running it again safe).
    """
    path = tmp_path / "c.db"
    config: Any = {"configurable": {"thread_id": "run-1"}}
    calls: list[str] = []
    async with sparse_saver(path) as saver:
        graph = build_sparse(saver, calls, {f"c:{shot}"})
        with pytest.raises(RuntimeError, match="killed"):
            await graph.ainvoke({"first": shot, "shots": shot + 1}, config, durability="sync")
    calls.clear()
    async with sparse_saver(path) as saver:  # a new process: nothing known in memory
        graph = build_sparse(saver, calls, set())
        await graph.ainvoke(None, config, durability="sync")
        state = await graph.aget_state(config)
    assert calls == resumed
    assert state.values["done"] == [shot]
