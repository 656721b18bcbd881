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
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
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

    def __init__(self, conn: Any, writer: GroupCommit, *, serde: Any = None) -> None:
        """Read through ``conn`` (aiosqlite) as the library does; write through ``writer``."""
        super().__init__(conn, serde=serde)
        self.writer = writer

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Save a checkpoint (the library's row, committed with the writes queued beside it)."""
        await self.setup()
        thread_id = config["configurable"]["thread_id"]
        checkpoint_ns = config["configurable"]["checkpoint_ns"]
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
        return {
            "configurable": {
                "thread_id": thread_id,
                "checkpoint_ns": checkpoint_ns,
                "checkpoint_id": checkpoint["id"],
            }
        }

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Store a task's pending writes (the library's rows and conflict rule)."""
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
