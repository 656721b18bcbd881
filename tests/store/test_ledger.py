"""The job ledger: exactly-once dispatch, webhook dedup, spend and safe reopening."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessonreel.store.ledger import Ledger
from lessonreel.store.ledger_db import is_busy
from lessonreel.store.migrations import MIGRATIONS, Migration, applied, migrate

BASE: dict[str, Any] = {
    "provider": "openai",
    "model": "sora-2",
    "size": "1280x720",
    "seconds": 8,
    "prompt": "A wide shot of a leaf in sunlight.",
    "reference_sha256": None,
    "run_id": "run-1",
    "shot_index": 3,
}
CHANGED: dict[str, Any] = {
    "provider": "azure",
    "model": "sora-2-pro",
    "size": "720x1280",
    "seconds": 12,
    "prompt": "A wide shot of a leaf in sunlight!",
    "reference_sha256": "ab" * 32,
    "run_id": "run-2",
    "shot_index": 4,
    "retry": 1,
}


@pytest.fixture
def ledger(tmp_path: Path) -> Any:
    with Ledger(tmp_path / "lessonreel.db") as led:
        yield led


def reserve(led: Ledger, key: str, **over: Any) -> tuple[dict[str, Any], bool]:
    args: dict[str, Any] = {
        "run_id": "run-1",
        "shot_index": 0,
        "provider": "openai",
        "model": "sora-2",
        "size": "1280x720",
        "seconds": 4,
        "prompt": "p",
        "estimate_usd": 0.4,
    }
    args.update(over)
    return led.reserve_job(key, **args)


# -- idempotency key ----------------------------------------------------------------------


def test_same_inputs_give_same_key() -> None:
    assert Ledger.idempotency_key(**BASE) == Ledger.idempotency_key(**dict(BASE))
    assert len(Ledger.idempotency_key(**BASE)) == 64
    # 8 and 8.0 seconds are the same request
    assert Ledger.idempotency_key(**{**BASE, "seconds": 8.0}) == Ledger.idempotency_key(**BASE)


@pytest.mark.parametrize("field", sorted(CHANGED))
def test_any_input_change_gives_a_new_key(field: str) -> None:
    assert Ledger.idempotency_key(**{**BASE, field: CHANGED[field]}) != Ledger.idempotency_key(
        **BASE
    )


# -- jobs -----------------------------------------------------------------------------------


def test_reserve_twice_keeps_one_row_and_says_so(ledger: Ledger) -> None:
    row, created = reserve(ledger, "k1")
    again, created_again = reserve(ledger, "k1", estimate_usd=99.0)
    assert (created, created_again) == (True, False)
    assert again["id"] == row["id"]
    assert again["estimate_usd"] == 0.4
    assert row["status"] == "reserved"
    assert row["provider_job_id"] is None
    assert len(ledger.jobs("run-1")) == 1


def test_resumed_process_sees_the_reservation(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as first:
        reserve(first, "k1")
        first.set_provider_job_id("k1", "video_abc")
    with Ledger(tmp_path / "l.db") as second:
        row, created = reserve(second, "k1")
    assert not created
    assert row["provider_job_id"] == "video_abc"
    assert row["status"] == "submitted"


def test_concurrent_reservations_create_exactly_one(ledger: Ledger) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: reserve(ledger, "same")[1], range(32)))
    assert results.count(True) == 1
    assert len(ledger.jobs("run-1")) == 1


def test_provider_job_id_is_stored_once(ledger: Ledger) -> None:
    reserve(ledger, "k1")
    row = ledger.set_provider_job_id("k1", "video_1")
    assert row["status"] == "submitted"
    assert row["submitted_at"] is not None
    assert ledger.set_provider_job_id("k1", "video_1")["provider_job_id"] == "video_1"
    with pytest.raises(ValueError, match="already has provider id"):
        ledger.set_provider_job_id("k1", "video_2")
    found = ledger.job_by_provider_id("openai", "video_1")
    assert found is not None
    assert found["idempotency_key"] == "k1"
    assert ledger.job_by_provider_id("azure", "video_1") is None
    with pytest.raises(KeyError):
        ledger.set_provider_job_id("missing", "video_3")


def test_update_job_fields_and_terminal_stamp(ledger: Ledger) -> None:
    reserve(ledger, "k1")
    ledger.update_job("k1", status="running", progress=40, expires_at=1_900_000_000)
    row = ledger.job_by_key("k1")
    assert row is not None
    assert (row["status"], row["progress"], row["completed_at"]) == ("running", 40, None)
    assert row["expires_at"] == 1_900_000_000
    ledger.update_job(
        "k1",
        status="succeeded",
        progress=100,
        cost_usd=0.4,
        clip_path=Path("/tmp/x.mp4"),
        sha256="ff" * 32,
        attempts=2,
    )
    row = ledger.job_by_key("k1")
    assert row is not None
    assert row["completed_at"] is not None
    assert row["clip_path"] == "/tmp/x.mp4"
    assert ledger.open_jobs("run-1") == []
    with pytest.raises(ValueError, match="unknown fields"):
        ledger.update_job("k1", prompt="rewritten")
    with pytest.raises(KeyError):
        ledger.update_job("missing", status="failed")


def test_open_jobs_lists_what_resume_must_collect(ledger: Ledger) -> None:
    for i, status in enumerate(["reserved", "running", "failed", "succeeded"]):
        reserve(ledger, f"k{i}", shot_index=i)
        if status != "reserved":
            ledger.update_job(f"k{i}", status=status)
    assert [j["idempotency_key"] for j in ledger.open_jobs()] == ["k0", "k1"]
    assert [j["shot_index"] for j in ledger.jobs("run-1")] == [0, 1, 2, 3]


def test_jobs_for_shot_returns_only_that_shots_jobs_in_reservation_order(ledger: Ledger) -> None:
    reserve(ledger, "a1", shot_index=1)
    reserve(ledger, "b0", shot_index=0)
    reserve(ledger, "a2", shot_index=1)
    reserve(ledger, "other", run_id="run-2", shot_index=1)
    assert [j["idempotency_key"] for j in ledger.jobs_for_shot("run-1", 1)] == ["a1", "a2"]
    assert ledger.jobs_for_shot("run-1", 7) == []


def test_a_submit_with_unknown_outcome_is_still_open(ledger: Ledger) -> None:
    reserve(ledger, "k0")
    ledger.update_job("k0", status="submit_unknown")
    assert [j["idempotency_key"] for j in ledger.open_jobs("run-1")] == ["k0"]


def test_average_job_seconds_uses_recent_successes(ledger: Ledger) -> None:
    assert ledger.average_job_seconds("openai", "sora-2") is None
    now = time.time()
    for i in range(25):
        reserve(ledger, f"k{i}", shot_index=i)
        # the five oldest are slow and fall out of the 20-job window
        start, took = (now - 1000 + i, 100.0) if i < 5 else (now + i, 30.0)
        ledger.update_job(
            f"k{i}", status="succeeded", submitted_at=start, completed_at=start + took
        )
    reserve(ledger, "failed", shot_index=99)
    ledger.update_job("failed", status="failed", submitted_at=now, completed_at=now + 5000)
    assert ledger.average_job_seconds("openai", "sora-2") == pytest.approx(30.0)
    assert ledger.average_job_seconds("openai", "sora-2-pro") is None


# -- events ---------------------------------------------------------------------------------


def test_record_event_dedups(ledger: Ledger) -> None:
    kw: dict[str, Any] = {"provider": "openai", "type": "video.completed", "payload": {"a": 1}}
    assert ledger.record_event(event_id="evt_1", provider_job_id="video_1", **kw)
    assert not ledger.record_event(event_id="evt_1", provider_job_id="video_1", **kw)
    assert ledger.record_event(event_id="evt_2", provider_job_id="video_1", **kw)
    # the same event id from another provider is a different event
    assert ledger.record_event(
        event_id="evt_1", provider_job_id="video_1", **{**kw, "provider": "x"}
    )
    events = ledger.events_for_job("openai", "video_1")
    assert [e["event_id"] for e in events] == ["evt_1", "evt_2"]
    assert events[0]["payload"] == {"a": 1}


def test_concurrent_record_event_has_exactly_one_winner(tmp_path: Path) -> None:
    shared = Ledger(tmp_path / "l.db")
    other = Ledger(tmp_path / "l.db")  # a second "process" on the same file
    barrier = threading.Barrier(16)

    def deliver(i: int) -> bool:
        barrier.wait()
        led = shared if i % 2 else other
        return led.record_event(
            provider="openai",
            event_id="evt_dup",
            type="video.completed",
            provider_job_id="video_1",
            payload={"n": i},
        )

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(deliver, range(16)))
    assert results.count(True) == 1
    assert len(shared.events_for_job("openai", "video_1")) == 1
    shared.close()
    other.close()


async def test_ledger_is_usable_from_to_thread(ledger: Ledger) -> None:
    async def one(i: int) -> bool:
        return await asyncio.to_thread(
            ledger.record_event,
            provider="local",
            event_id=f"e{i % 5}",
            type="t",
            provider_job_id="v",
            payload={},
        )

    results = await asyncio.gather(*(one(i) for i in range(40)))
    assert results.count(True) == 5


# -- spend ----------------------------------------------------------------------------------


def test_spend_sums_charges_once_per_job(ledger: Ledger) -> None:
    assert ledger.spent("run-1") == 0.0
    assert ledger.record_spend("run-1", job_key="k1", usd=0.8, kind="charge")
    assert not ledger.record_spend("run-1", job_key="k1", usd=0.8, kind="charge")  # resumed
    assert ledger.record_spend("run-1", job_key="k2", usd=1.2, kind="charge")
    assert ledger.record_spend("run-1", job_key="k2", usd=-0.2, kind="refund")
    assert ledger.record_spend("run-1", job_key="k3", usd=5.0, kind="shadow")
    assert ledger.record_spend("run-2", job_key="k4", usd=0.4, kind="charge")
    assert ledger.spent("run-1") == pytest.approx(1.8)
    assert ledger.spent("run-1", shadow=True) == pytest.approx(5.0)
    assert ledger.spent_total() == pytest.approx(2.2)
    with pytest.raises(ValueError, match="unknown spend kind"):
        ledger.record_spend("run-1", job_key="k5", usd=1, kind="estimate")


# -- runs and shots -------------------------------------------------------------------------


def test_runs_roundtrip_and_extra_fields(ledger: Ledger) -> None:
    run = ledger.create_run(
        "r1", lesson_id="l1", title="Leaves", provider="local", model="sora-2",
        options={"budget": 5, "draft": True},
    )  # fmt: skip
    assert run["status"] == "created"
    assert run["options"] == {"budget": 5, "draft": True}
    again = ledger.create_run(
        "r1", lesson_id="other", title="x", provider="openai", model="m", options={}
    )
    assert again["title"] == "Leaves"  # a resumed run keeps its first record
    run = ledger.update_run("r1", status="done", estimate_usd=1.5, report_path="/tmp/r.json")
    assert (run["status"], run["estimate_usd"], run["report_path"]) == ("done", 1.5, "/tmp/r.json")
    ledger.create_run("r2", lesson_id="l2", title="B", provider="local", model="m", options={})
    assert [r["run_id"] for r in ledger.list_runs()] == ["r2", "r1"]
    assert [r["run_id"] for r in ledger.list_runs(limit=1)] == ["r2"]
    assert ledger.get_run("nope") is None
    with pytest.raises(KeyError):
        ledger.update_run("nope", status="done")


def test_shots_upsert(ledger: Ledger) -> None:
    ledger.upsert_shot("r1", 1, status="screened", verdict={"allowed": True}, seconds=8)
    ledger.upsert_shot("r1", 0, status="pending")
    ledger.upsert_shot("r1", 1, status="delivered", thumbnail="t.webp")
    shots = ledger.shots("r1")
    assert [s["index"] for s in shots] == [0, 1]
    assert shots[1]["status"] == "delivered"
    assert shots[1]["verdict"] == {"allowed": True}
    assert shots[1]["seconds"] == 8
    assert shots[1]["thumbnail"] == "t.webp"


# -- migrations and concurrency -------------------------------------------------------------


def test_migrations_apply_once_and_reopen_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with Ledger(path) as led:
        assert led.db.journal_mode == "wal"
        reserve(led, "k1")
        assert applied(led.db) == [m.__name__ for m in MIGRATIONS]
    for _ in range(2):
        with Ledger(path) as led:
            assert applied(led.db) == [m.__name__ for m in MIGRATIONS]
            assert led.db.execute("SELECT COUNT(*) FROM _migrations").fetchone()[0] == len(
                MIGRATIONS
            )
            assert led.job_by_key("k1") is not None  # data survived the reopen


def test_a_new_migration_runs_once_on_an_existing_ledger(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as led:
        calls: list[int] = []

        def m999_add_note(db: Any) -> None:
            calls.append(1)
            db.execute("ALTER TABLE runs ADD COLUMN note TEXT")

        todo: list[Migration] = [*MIGRATIONS, m999_add_note]
        assert migrate(led.db, todo) == 1
        assert migrate(led.db, todo) == 0
        assert calls == [1]
        assert "note" in led.db.table("runs").columns_dict


def test_failed_migration_leaves_no_trace(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as led:

        def m998_broken(db: Any) -> None:
            db.execute("CREATE TABLE half (x)")
            raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            migrate(led.db, [*MIGRATIONS, m998_broken])
        assert "half" not in led.db.table_names()
        assert "m998_broken" not in applied(led.db)


def test_writes_wait_out_a_locked_database(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    led = Ledger(path, busy_timeout=0.05)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    done: list[bool] = []

    def write() -> None:
        done.append(reserve(led, "k1")[1])

    writer = threading.Thread(target=write)
    writer.start()
    writer.join(0.3)  # by now the writer has met "database is locked" at least once
    blocker.execute("COMMIT")
    writer.join(10)
    assert done == [True]
    blocker.close()
    led.close()


def test_is_busy_only_matches_lock_errors() -> None:
    assert is_busy(sqlite3.OperationalError("database is locked"))
    assert not is_busy(sqlite3.OperationalError("no such table: x"))
    assert not is_busy(ValueError("locked"))


_texts = st.text(max_size=30)
_inputs = st.fixed_dictionaries(
    {
        "provider": st.sampled_from(["openai", "azure", "local"]),
        "model": st.sampled_from(["sora-2", "sora-2-pro"]),
        "size": st.sampled_from(["1280x720", "720x1280"]),
        "seconds": st.sampled_from([4, 8, 12]),
        "prompt": _texts,
        "reference_sha256": st.none() | st.sampled_from(["ab" * 32, "cd" * 32]),
        "run_id": _texts,
        "shot_index": st.integers(0, 3),
        "retry": st.integers(0, 2),
    }
)


@given(a=_inputs, b=_inputs)
def test_keys_collide_only_for_identical_requests(a: dict[str, Any], b: dict[str, Any]) -> None:
    # canonical JSON escapes quotes and separators, so no prompt text can forge another request
    assert (Ledger.idempotency_key(**a) == Ledger.idempotency_key(**b)) == (a == b)


def test_twenty_lessons_of_twenty_shots_at_once_are_all_accounted(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    ledgers = [Ledger(path), Ledger(path)]  # e.g. the CLI and the webhook receiver

    def lesson(n: int) -> None:
        led = ledgers[n % 2]
        run = f"run-{n}"
        led.create_run(run, lesson_id=f"l{n}", title="t", provider="openai", model="m", options={})
        for i in range(20):
            key = f"{run}-{i}"
            reserve(led, key, run_id=run, shot_index=i)
            led.set_provider_job_id(key, f"video_{n}_{i}")
            led.update_job(key, status="running", progress=50)
            led.record_event(
                provider="openai",
                event_id=f"evt_{n}_{i}",
                type="video.completed",
                provider_job_id=f"video_{n}_{i}",
                payload={},
            )
            led.update_job(key, status="succeeded", progress=100, cost_usd=0.4)
            led.record_spend(run, job_key=key, usd=0.4, kind="charge")
            led.upsert_shot(run, i, status="delivered", job_key=key)

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(lesson, range(20)))  # any lock error would surface here
    led = ledgers[0]
    assert len(led.list_runs(limit=100)) == 20
    assert sum(len(led.jobs(f"run-{n}")) for n in range(20)) == 400
    assert all(len(led.shots(f"run-{n}")) == 20 for n in range(20))
    assert led.open_jobs() == []
    assert led.spent_total() == pytest.approx(160.0)
    for other in ledgers:
        other.close()
