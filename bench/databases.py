"""Databases: schema (Alembic, in process), throwaway PostgreSQL databases, read queries."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.base import BenchError
from bot.store.database import make_engine
from bot.store.schema import upgrade

PG_ADMIN_DSN = os.environ.get(
    "BENCH_POSTGRES_DSN",
    os.environ.get("TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"),
)


class PostgresUnavailable(BenchError):
    pass


async def migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def throwaway_postgres() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database ``rs_bench_<random>``, dropped afterwards."""
    import asyncpg  # type: ignore[import-untyped]

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    name = f"rs_bench_{secrets.token_hex(6)}"
    try:
        await admin(f'CREATE DATABASE "{name}"')
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        raise PostgresUnavailable(f"PostgreSQL unreachable at {PG_ADMIN_DSN}: {exc}") from exc
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def query(database_url: str, sql: str) -> list[Any]:
    """Rows of a read-only query (a plain engine: no write lock taken on SQLite)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(text(sql))).all())
    finally:
        await engine.dispose()
