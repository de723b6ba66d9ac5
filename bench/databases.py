"""Databases: schema (Alembic, in process), throwaway PostgreSQL databases, read queries."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.base import BenchError
from sandbox import postgres

PG_ADMIN_DSN = os.environ.get(
    "BENCH_POSTGRES_DSN",
    os.environ.get("TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"),
)


class PostgresUnavailable(BenchError):
    pass


@contextlib.asynccontextmanager
async def throwaway_postgres() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database ``rs_bench_<random>``, dropped afterwards."""
    try:
        name = await postgres.create(PG_ADMIN_DSN, "rs_bench_")
    except postgres.UNREACHABLE as exc:
        raise PostgresUnavailable(f"PostgreSQL unreachable at {PG_ADMIN_DSN}: {exc}") from exc
    try:
        yield postgres.database_url(PG_ADMIN_DSN, name)
    finally:
        await postgres.drop(PG_ADMIN_DSN, name)


async def query(database_url: str, sql: str) -> list[Any]:
    """Rows of a read-only query (a plain engine: no write lock taken on SQLite)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(text(sql))).all())
    finally:
        await engine.dispose()
