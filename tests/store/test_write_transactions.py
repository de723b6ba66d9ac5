"""Database.run_write: the hot paths' write transactions (callbacks, outbox bookkeeping).

On a SQLite file they run on a synchronous connection in the event loop's thread; these check
that they commit, roll back, and that another process holding SQLite's write lock makes them
wait without stalling the event loop (and give up with the error after the busy timeout).
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import OperationalError

from bot.clock import utcnow
from bot.store import database as database_module
from bot.store.database import Database, make_engine
from bot.store.schema import upgrade
from bot.store.tables import Base

OAUTH_STATES = Base.metadata.tables["oauth_states"]


def _add_state(conn: Connection, nonce: str, *, fail: bool = False) -> str:
    now = utcnow()
    conn.execute(
        insert(OAUTH_STATES).values(nonce_hash=nonce, team_id="T1", user_id="U1", expires_at=now)
    )
    if fail:
        raise RuntimeError("the function failed after writing")
    return nonce


async def _stored(db: Database) -> list[str]:
    async with db.read() as session:
        return list((await session.execute(select(OAUTH_STATES.c.nonce_hash))).scalars())


async def test_a_write_commits_and_returns_what_the_function_returned(db: Database) -> None:
    assert await db.run_write(_add_state, "n1") == "n1"
    assert await _stored(db) == ["n1"]


async def test_a_failing_function_writes_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError, match="failed after writing"):
        await db.run_write(_add_state, "n1", fail=True)
    assert await _stored(db) == []


async def test_concurrent_writes_are_serialised_and_all_land(db: Database) -> None:
    await asyncio.gather(*(db.run_write(_add_state, f"n{i}") for i in range(50)))
    assert sorted(await _stored(db)) == sorted(f"n{i}" for i in range(50))


def _hold_write_lock(path: Path, seconds: float) -> subprocess.Popen[bytes]:
    """Another process that takes SQLite's write lock, says so, and keeps it for a while."""
    script = (
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        "print('locked', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
        "c.execute('COMMIT')\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(path), str(seconds)], stdout=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"locked"
    return proc


@pytest.fixture
def sqlite_path(sqlite_url: str) -> Path:
    return Path(sqlite_url.split(":///", 1)[1])


async def test_sqlite_another_process_holding_the_lock_makes_it_wait_not_stall(
    sqlite_url: str, sqlite_path: Path
) -> None:
    engine = make_engine(sqlite_url)
    await upgrade(engine)
    db = Database(engine)
    try:
        holder = _hold_write_lock(sqlite_path, 1.0)
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        assert await db.run_write(_add_state, "after-the-lock") == "after-the-lock"
        ticker.cancel()
        assert holder.wait(timeout=10) == 0
        # The event loop kept running while the write waited for the other process.
        assert ticks >= 20
        assert await _stored(db) == ["after-the-lock"]
    finally:
        await db.dispose()


async def test_sqlite_a_lock_held_past_the_busy_timeout_is_an_error(
    sqlite_url: str, sqlite_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database_module, "BUSY_TIMEOUT_S", 0.3)
    engine = make_engine(sqlite_url)
    await upgrade(engine)
    db = Database(engine)
    holder = _hold_write_lock(sqlite_path, 3.0)
    try:
        with pytest.raises(OperationalError, match="locked"):
            await db.run_write(_add_state, "never")
    finally:
        holder.kill()
        holder.wait()
        await db.dispose()
    check = sqlite3.connect(sqlite_path)
    try:
        assert check.execute("SELECT count(*) FROM oauth_states").fetchone() == (0,)
    finally:
        check.close()


def _touch_in_order(conn: Connection, first: str, second: str) -> None:
    """Lock one row, give the other transaction time to lock the other, then ask for it."""
    for i, nonce in enumerate((first, second)):
        conn.execute(
            update(OAUTH_STATES).where(OAUTH_STATES.c.nonce_hash == nonce).values(used_at=utcnow())
        )
        if i == 0:
            conn.exec_driver_sql("SELECT pg_sleep(0.3)")


async def test_postgres_a_deadlock_victim_is_tried_again(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    await upgrade(engine)
    db = Database(engine)
    try:
        await db.run_write(_add_state, "a")
        await db.run_write(_add_state, "b")
        # Opposite lock orders: PostgreSQL aborts one as the deadlock victim; it runs again.
        await asyncio.gather(
            db.run_write(_touch_in_order, "a", "b"), db.run_write(_touch_in_order, "b", "a")
        )
        async with db.read() as session:
            used = (await session.execute(select(OAUTH_STATES.c.used_at))).scalars().all()
        assert len(used) == 2 and all(value is not None for value in used)
    finally:
        await db.dispose()
