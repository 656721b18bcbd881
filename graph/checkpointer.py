"""The run's SQLite checkpointer, with its writes group-committed.

LangGraph's ``AsyncSqliteSaver`` sends every checkpoint and every batch of pending writes through
one aiosqlite connection as several thread round trips (execute, close, commit) under a lock. A
run checkpoints each step of every shot (about a dozen writes per shot, eight shots in flight),
so those round trips queue behind one another and the queue, not SQLite, sets the pace.

:class:`GroupCommitSaver` keeps the library's schema, reads and serialisation, and changes only
how writes reach the file: each write is queued, and one flush takes everything queued so far
into a single transaction on its own connection, in one thread hop. A write still returns only
once its transaction has committed, so ``durability="sync"`` keeps its meaning (a step starts
after the previous step's checkpoint is on disk), and writes commit in the order they were made.
The file is in WAL mode with ``synchronous=NORMAL``: a commit survives the process being killed
(the crash the run is built for); a power cut may lose the last commits, which resumes a step
early — every node is idempotent, and the ledger, not the checkpoint, is the record of paid jobs.

A subgraph may be checkpointed *sparsely* (``sparse={"render_shot": rule}``): a checkpoint in
that subgraph's namespace is written only when ``rule`` says its channel values must survive a
crash, and the subgraph's pending writes are not written at all. A shot on its first attempt
(screen → dispatch → await → fetch) then costs no checkpoint write and no thread hop per step; a
shot killed on that path starts again from its ``Send`` input, and the ledger turns its dispatch
into a collect. Once a shot leaves that path (a retry, a sanitizer round) its checkpoints are
written as before, so a resume continues where it stopped. A step's results always reach the
next checkpoint (``durability="sync"`` waits for it), so skipping pending writes only means a
node may run again after a crash, which every node allows.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    get_checkpoint_metadata,
)
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

PUT_CHECKPOINT = (
    "INSERT OR REPLACE INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, "
    "parent_checkpoint_id, type, checkpoint, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_WRITES_COLUMNS = (
    "INTO writes (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, "
    "type, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
REPLACE_WRITES = f"INSERT OR REPLACE {_WRITES_COLUMNS}"
KEEP_WRITES = f"INSERT OR IGNORE {_WRITES_COLUMNS}"

Statement = tuple[str, list[tuple[Any, ...]]]

KeepRule = Callable[[Mapping[str, Any]], bool]
"""Given a subgraph checkpoint's channel values, whether that checkpoint must be written."""


class GroupCommit:
    """Queue SQL writes; one flush at a time commits all that are queued in one transaction."""

    def __init__(self, path: Path) -> None:
        """Write to the SQLite file at ``path`` (opened on the first flush)."""
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._queue: list[tuple[Statement, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def write(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """Return once ``rows`` are committed (with whatever else was queued alongside)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(((sql, rows), future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await asyncio.shield(future)

    async def _flush(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                await asyncio.to_thread(self._commit, [statement for statement, _ in batch])
            except BaseException as exc:  # every waiter of the batch learns it failed
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
            else:
                for _, future in batch:
                    if not future.done():
                        future.set_result(None)

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(
                str(self.path), timeout=30.0, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._conn = conn
        return self._conn

    def _commit(self, statements: list[Statement]) -> None:
        """Run ``statements`` in order in one transaction (runs in a worker thread)."""
        conn = self._connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            for sql, rows in statements:
                conn.executemany(sql, rows)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    async def aclose(self) -> None:
        """Wait for queued writes, then close the connection."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await asyncio.to_thread(conn.close)


class GroupCommitSaver(AsyncSqliteSaver):
    """``AsyncSqliteSaver`` whose checkpoints and pending writes are group-committed."""

    def __init__(
        self,
        conn: Any,
        writer: GroupCommit,
        *,
        serde: Any = None,
        sparse: Mapping[str, KeepRule] | None = None,
    ) -> None:
        """Read through ``conn`` (aiosqlite) as the library does; write through ``writer``.

        ``sparse`` maps a subgraph node's name to the rule that keeps its checkpoints (see the
        module docstring); other namespaces are written in full.
        """
        super().__init__(conn, serde=serde)
        self.writer = writer
        self.sparse = dict(sparse or {})
        self._kept: dict[tuple[str, str], bool] = {}

    def _root(self, checkpoint_ns: str) -> str | None:
        """The sparse subgraph ``checkpoint_ns`` belongs to, if any."""
        if not checkpoint_ns or not self.sparse:
            return None
        root = checkpoint_ns.split(":", 1)[0]
        return root if root in self.sparse else None

    async def _any_kept(self, thread_id: str, root: str) -> bool:
        """Whether the thread has any kept checkpoint of the sparse subgraph ``root``.

        Asked once per thread and subgraph (then known from this saver's own writes), so a run
        whose shots all stay on their first pass reads no checkpoint per shot.
        """
        known = self._kept.get((thread_id, root))
        if known is None:
            await self.setup()
            query = (
                "SELECT 1 FROM checkpoints WHERE thread_id = ? AND checkpoint_ns >= ? "
                "AND checkpoint_ns < ? LIMIT 1"
            )
            async with (
                self.lock,
                self.conn.execute(query, (thread_id, f"{root}:", f"{root};")) as cur,
            ):
                found = await cur.fetchone() is not None
            known = self._kept.setdefault((thread_id, root), found) or found
        return known

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """The library's read; a sparse subgraph with nothing kept in the thread reads nothing."""
        conf = config["configurable"]
        root = self._root(str(conf.get("checkpoint_ns", "")))
        if root is not None and not await self._any_kept(str(conf["thread_id"]), root):
            return None
        return await super().aget_tuple(config)

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Save a checkpoint (the library's row, committed with the writes queued beside it)."""
        thread_id = config["configurable"]["thread_id"]
        checkpoint_ns = config["configurable"]["checkpoint_ns"]
        saved: RunnableConfig = {
            "configurable": {
                "thread_id": thread_id,
                "checkpoint_ns": checkpoint_ns,
                "checkpoint_id": checkpoint["id"],
            }
        }
        root = self._root(checkpoint_ns)
        if root is not None:
            if not self.sparse[root](checkpoint["channel_values"]):
                return saved
            self._kept[(str(thread_id), root)] = True
        await self.setup()
        type_, serialized = self.serde.dumps_typed(checkpoint)
        meta = json.dumps(get_checkpoint_metadata(config, metadata), ensure_ascii=False)
        row = (
            str(thread_id),
            checkpoint_ns,
            checkpoint["id"],
            config["configurable"].get("checkpoint_id"),
            type_,
            serialized,
            meta.encode("utf-8", "ignore"),
        )
        await self.writer.write(PUT_CHECKPOINT, [row])
        return saved

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Store a task's pending writes (the library's rows and conflict rule)."""
        if self._root(str(config["configurable"].get("checkpoint_ns", ""))) is not None:
            return  # a sparse subgraph's step results reach its next checkpoint, if kept
        await self.setup()
        special = all(channel in WRITES_IDX_MAP for channel, _ in writes)
        conf = config["configurable"]
        rows = [
            (
                str(conf["thread_id"]),
                str(conf["checkpoint_ns"]),
                str(conf["checkpoint_id"]),
                task_id,
                task_path,
                WRITES_IDX_MAP.get(channel, idx),
                channel,
                *self.serde.dumps_typed(value),
            )
            for idx, (channel, value) in enumerate(writes)
        ]
        await self.writer.write(REPLACE_WRITES if special else KEEP_WRITES, rows)
