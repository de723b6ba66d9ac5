"""home_users on SQLite and PostgreSQL: the publish slot shared by replicas, and the switches."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import utcnow
from bot.store import home
from bot.store.database import Database

EVERY = timedelta(seconds=5)


async def test_a_home_never_opened_is_never_published(db: Database) -> None:
    claim = await db.run_write(home.claim_publish, "T1", "U1", utcnow(), EVERY)
    assert claim == home.Claim(False, None)


async def test_one_publish_per_period(db: Database) -> None:
    now = utcnow()
    await db.run_write(home.opened, "T1", "U1", now)
    await db.run_write(home.opened, "T1", "U1", now)  # opened again: still one row
    assert (await db.run_write(home.claim_publish, "T1", "U1", now, EVERY)).taken
    later = now + timedelta(seconds=2)
    second = await db.run_write(home.claim_publish, "T1", "U1", later, EVERY)
    assert not second.taken and second.due == now + EVERY
    assert (await db.run_write(home.claim_publish, "T1", "U1", now + EVERY, EVERY)).taken
    # Another user's Home has its own period.
    await db.run_write(home.opened, "T1", "U2", now)
    assert (await db.run_write(home.claim_publish, "T1", "U2", later, EVERY)).taken


async def switches(db: Database) -> home.Switches:
    async with db.read() as tx:
        return await home.switches_of(tx, "T1", "U1")


async def test_switches_default_on_and_stay_as_set(db: Database) -> None:
    assert await switches(db) == home.Switches(True, True)
    await db.run_write(home.set_switch, "T1", "U1", "join_dm", False)
    assert await switches(db) == home.Switches(False, True)
    await db.run_write(home.opened, "T1", "U1", utcnow())  # opening keeps the choice
    await db.run_write(home.set_switch, "T1", "U1", "end_dm", False)
    assert await switches(db) == home.Switches(False, False)
    with pytest.raises(ValueError):
        await db.run_write(home.set_switch, "T1", "U1", "card", False)


async def test_only_a_home_once_opened_counts_as_opened(db: Database) -> None:
    async def opened(user: str) -> bool:
        async with db.read() as tx:
            return await home.has_opened(tx, "T1", user)

    assert not await opened("U1")
    await db.run_write(home.set_switch, "T1", "U1", "join_dm", False)  # a row, not an open
    assert not await opened("U1")
    await db.run_write(home.opened, "T1", "U1", utcnow())
    assert await opened("U1") and not await opened("U2")
