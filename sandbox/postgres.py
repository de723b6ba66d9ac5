"""Throwaway PostgreSQL databases on a local server, for the tests and the benchmarks."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator

import asyncpg  # type: ignore[import-untyped]

UNREACHABLE = (OSError, TimeoutError, asyncpg.PostgresError)


async def admin(dsn: str, sql: str) -> None:
    """Run one statement on the server at ``dsn`` (its own connection)."""
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def database_url(dsn: str, name: str) -> str:
    """The app's URL (asyncpg driver) of database ``name`` on the server at ``dsn``."""
    base = dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


async def create(dsn: str, prefix: str) -> str:
    """A new, empty database ``<prefix><random>``; its name."""
    name = f"{prefix}{secrets.token_hex(6)}"
    await admin(dsn, f'CREATE DATABASE "{name}"')
    return name


async def drop(dsn: str, name: str) -> None:
    await admin(dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.asynccontextmanager
async def throwaway(dsn: str, prefix: str) -> AsyncIterator[str]:
    """A new, empty database (its URL), dropped afterwards."""
    name = await create(dsn, prefix)
    try:
        yield database_url(dsn, name)
    finally:
        await drop(dsn, name)
