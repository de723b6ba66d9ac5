"""Shared fixtures: databases (SQLite file and a fresh PostgreSQL database per test) and the
rig (the app in-process with both stand-ins on loopback)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from sandbox import postgres
from sandbox.harness import Rig

PG_DSN = os.environ.get("TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


def _postgres_or_fail() -> None:
    """PostgreSQL tests fail in CI when the server is down; locally they are skipped."""
    try:
        asyncio.run(postgres.admin(PG_DSN, "SELECT 1"))
    except postgres.UNREACHABLE as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is unreachable at {PG_DSN} in CI: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {PG_DSN}: {exc}")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    _postgres_or_fail()
    name = asyncio.run(postgres.create(PG_DSN, "rs_test_"))
    try:
        yield postgres.database_url(PG_DSN, name)
    finally:
        asyncio.run(postgres.drop(PG_DSN, name))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'rs.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'rs.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
async def rig(database_url: str) -> AsyncIterator[Rig]:
    async with Rig(database_url=database_url) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session
