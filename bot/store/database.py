"""Engine and transactions for SQLite (default) and PostgreSQL.

``Database.write()`` and ``Database.read()`` give an AsyncSession. On SQLite, writes take the
write lock up front (``BEGIN IMMEDIATE``) and queue on an in-process lock instead of spinning
in SQLite's busy handler; reads take no write lock at all. On PostgreSQL both are plain
transactions on one pool.

``Database.run_write(fn)`` runs ``fn(connection)``, a short function of Core statements, as one
write transaction: the hot paths (status callbacks, outbox bookkeeping) use it. On a SQLite
file it runs on a synchronous connection in the event loop's own thread. Through aiosqlite,
every statement is several round trips to its thread, and each one waits for a turn of a busy
event loop (and for the GIL): the benchmark showed the write lock held 99% of the time, about
20 ms per transaction that does well under 1 ms of work. Run in place, the lock is held only
for the work itself. On PostgreSQL it runs through ``AsyncConnection.run_sync``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

log = logging.getLogger(__name__)

_READ_ONLY = "remote_support_read_only"
BUSY_TIMEOUT_S = 30.0
_RETRYABLE = {"40P01", "40001"}  # PostgreSQL: deadlock detected, serialization failure

R = TypeVar("R")
P = ParamSpec("P")


def _tune_sqlite(engine: Engine, *, busy_timeout_ms: int) -> None:
    """WAL, foreign keys, and BEGIN IMMEDIATE for writers, on every connection of ``engine``."""

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # Writers take the lock up front, so two never deadlock upgrading a read lock.
        read_only = conn.get_execution_options().get(_READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_engine(url: str, *, pool_size: int = 5) -> AsyncEngine:
    """An engine tuned for the backend: WAL and a busy timeout on SQLite, a pool on PostgreSQL."""
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url, connect_args={"timeout": BUSY_TIMEOUT_S}, hide_parameters=True
        )
        _tune_sqlite(engine.sync_engine, busy_timeout_ms=int(BUSY_TIMEOUT_S * 1000))
        return engine
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        hide_parameters=True,  # customer names and e-mails never reach an error log
    )


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def _in_place_engine(engine: AsyncEngine) -> Engine | None:
    """A synchronous engine on the same SQLite file, for the event loop's thread; None for
    PostgreSQL and for an in-memory database (which another connection would not see)."""
    if not is_sqlite(engine) or engine.url.database in (None, "", ":memory:"):
        return None
    sync = create_engine(
        engine.url.set(drivername="sqlite"),
        pool_size=1,
        max_overflow=0,
        hide_parameters=True,
        # Never wait in SQLite's busy handler here: that would stall the event loop.
        # run_write waits (asynchronously) and tries again instead.
        connect_args={"timeout": 0},
    )
    _tune_sqlite(sync, busy_timeout_ms=0)
    return sync


def _locked(exc: OperationalError) -> bool:
    return "database is locked" in str(exc.orig) or "database is busy" in str(exc.orig)


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._writes = async_sessionmaker(engine, expire_on_commit=False)
        self._reads = async_sessionmaker(
            engine.execution_options(**{_READ_ONLY: True}), expire_on_commit=False
        )
        self._write_lock = asyncio.Lock() if is_sqlite(engine) else None
        self._in_place = _in_place_engine(engine)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A transaction that may write; committed on exit, rolled back on error."""
        if self._write_lock is None:
            async with self._writes.begin() as session:
                yield session
            return
        async with self._write_lock, self._writes.begin() as session:
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A transaction that only reads (it must not write: on SQLite it holds no lock)."""
        async with self._reads.begin() as session:
            yield session

    async def run_write(
        self, fn: Callable[Concatenate[Connection, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """``fn(connection, *args, **kwargs)`` in one write transaction, committed on return
        (see the module docstring). ``fn`` must only touch the database: on SQLite it may run
        again when another process holds the write lock."""
        if self._write_lock is None:
            return await self._run_on_server(fn, *args, **kwargs)
        async with self._write_lock:
            if self._in_place is not None:
                return await self._run_in_place(self._in_place, lambda c: fn(c, *args, **kwargs))
            async with self.engine.begin() as conn:
                return await conn.run_sync(fn, *args, **kwargs)

    async def run_write_off_loop(
        self, fn: Callable[Concatenate[Connection, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """Like ``run_write``, but on a SQLite file through aiosqlite's thread rather than in
        the event loop's: for writes off the hot paths (a session start, a poll's answer),
        whose transactions would otherwise hold up the acknowledgement of requests waiting
        on the loop. Same lock, same transaction semantics."""
        if self._write_lock is None:
            return await self._run_on_server(fn, *args, **kwargs)
        async with self._write_lock, self.engine.begin() as conn:
            return await conn.run_sync(fn, *args, **kwargs)

    async def _run_on_server(
        self, fn: Callable[Concatenate[Connection, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """PostgreSQL: a transaction chosen as a deadlock victim (or failing serialization)
        is tried again, a few times, rather than failing every write in it."""
        for attempt in range(1, 4):
            try:
                async with self.engine.begin() as conn:
                    return await conn.run_sync(fn, *args, **kwargs)
            except DBAPIError as exc:
                if getattr(exc.orig, "sqlstate", None) not in _RETRYABLE or attempt == 3:
                    raise
                log.warning("write transaction failed (%s); trying again", exc.orig)
            await asyncio.sleep(0.01 * attempt)
        raise AssertionError("unreachable")

    async def _run_in_place(self, engine: Engine, fn: Callable[[Connection], R]) -> R:
        """Another process (a CLI command, a misconfigured second replica) may hold SQLite's
        write lock: BEGIN IMMEDIATE then fails at once, and this waits without blocking."""
        delay, give_up = 0.005, time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                with engine.begin() as conn:
                    return fn(conn)
            except OperationalError as exc:
                if not _locked(exc) or time.monotonic() >= give_up:
                    raise
                log.debug("database is locked by another process; retrying in %.3fs", delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.25)

    async def dispose(self) -> None:
        if self._in_place is not None:
            self._in_place.dispose()
        await self.engine.dispose()


async def ping(engine: AsyncEngine) -> None:
    """Raise when the database cannot answer a trivial query."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
