"""The store's tests run against a migrated database (SQLite file and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.store.database import Database, make_engine
from bot.store.schema import upgrade


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    engine = make_engine(database_url)
    await upgrade(engine)
    database = Database(engine)
    try:
        yield database
    finally:
        await database.dispose()
