"""The GoToAssist budget alone: who goes first when requests wait (pure unit)."""

from __future__ import annotations

import asyncio

from bot.gotoassist.budget import Priority, PriorityLimiter

TOKEN = "shared-token"
RATE = 5.0  # five slots a second


async def _order(waiting: list[tuple[str, Priority, str | None]]) -> list[str]:
    """Spend the whole budget, queue ``waiting`` in that order, and note the order they go."""
    limiter = PriorityLimiter(RATE)
    for _ in range(int(RATE)):
        await limiter.acquire(TOKEN, Priority.POLL)
    went: list[str] = []

    async def one(name: str, priority: Priority, user: str | None) -> None:
        await limiter.acquire(TOKEN, priority, user=user)
        went.append(name)

    tasks = []
    for name, priority, user in waiting:
        tasks.append(asyncio.create_task(one(name, priority, user)))
        await asyncio.sleep(0)  # queued in this order
    await asyncio.gather(*tasks)
    return went


async def test_creates_then_what_a_person_asked_then_confirmations_polls_directory() -> None:
    went = await _order(
        [
            ("directory", Priority.DIRECTORY, None),
            ("poll", Priority.POLL, None),
            ("confirm", Priority.CONFIRM, None),
            ("status", Priority.ASKED, None),
            ("create", Priority.CREATE, "U1"),
        ]
    )
    assert went == ["create", "status", "confirm", "poll", "directory"]


async def test_one_users_burst_takes_turns_with_a_colleagues_create() -> None:
    waiting: list[tuple[str, Priority, str | None]] = [
        (f"burst {i}", Priority.CREATE, "U1") for i in range(6)
    ]
    waiting.append(("colleague", Priority.CREATE, "U2"))
    went = await _order(waiting)
    # The colleague's create waits for one of the burst at most, not all six.
    assert went.index("colleague") <= 1
    assert [name for name in went if name != "colleague"] == [f"burst {i}" for i in range(6)]


async def test_polls_wait_behind_creates_that_arrive_later() -> None:
    waiting: list[tuple[str, Priority, str | None]] = [
        (f"poll {i}", Priority.POLL, None) for i in range(4)
    ]
    waiting.append(("create", Priority.CREATE, "U1"))
    went = await _order(waiting)
    assert went[0] == "create"
