"""Migrations build the schema from empty on both backends, and agree with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from bot.store.database import make_engine
from bot.store.schema import current_revision, head_revision, upgrade
from bot.store.tables import Base


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_apply_from_empty_and_match_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert await current_revision(engine) is None
        await upgrade(engine)
        assert await current_revision(engine) == head_revision()
        await upgrade(engine)  # running it again changes nothing
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            diff = await conn.run_sync(_diff)
        assert {"sessions", "outbox", "alembic_version"} <= tables
        assert diff == [], f"models and migrations disagree: {diff}"
    finally:
        await engine.dispose()
