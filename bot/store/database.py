"""Engine and transactions for SQLite (default) and PostgreSQL.

``Database.write()`` and ``Database.read()`` are the only ways in. On SQLite, writes take the
write lock up front (``BEGIN IMMEDIATE``) and queue on an in-process lock instead of spinning
in SQLite's busy handler; reads take no write lock at all. On PostgreSQL both are plain
transactions on one pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

_READ_ONLY = "remote_support_read_only"


def make_engine(url: str, *, pool_size: int = 5) -> AsyncEngine:
    """An engine tuned for the backend: WAL and a busy timeout on SQLite, a pool on PostgreSQL."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(conn: Any) -> None:
            # Writers take the lock up front, so two never deadlock upgrading a read lock.
            read_only = conn.get_execution_options().get(_READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._writes = async_sessionmaker(engine, expire_on_commit=False)
        self._reads = async_sessionmaker(
            engine.execution_options(**{_READ_ONLY: True}), expire_on_commit=False
        )
        self._write_lock = asyncio.Lock() if is_sqlite(engine) else None

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

    async def dispose(self) -> None:
        await self.engine.dispose()


async def ping(engine: AsyncEngine) -> None:
    """Raise when the database cannot answer a trivial query."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
