"""The pacer alone: who gets each token, and what a 429 holds (pure unit, no Slack)."""

from __future__ import annotations

import asyncio

from bot.slack.pacing import Budget, Pacer

# Fast budgets, so the tests take no time; nothing here reads the clock.
POSTS = {"chat.postMessage": Budget(per_minute=6000, burst=1, per_channel=True)}
UPDATES = {"chat.update": Budget(per_minute=6000, burst=1)}


async def _take(pacer: Pacer, method: str, channel: str | None, **turn: float) -> None:
    assert await pacer.turn(method, channel, **turn)  # type: ignore[arg-type]
    await pacer.done(method, channel, None)


async def test_waiting_calls_go_most_wanted_first_then_oldest_first() -> None:
    pacer = Pacer(budgets=POSTS)
    granted: list[str] = []
    assert await pacer.turn("chat.postMessage", "C1")  # holds the line while the rest queue

    async def wait(name: str, priority: int, since: float) -> None:
        assert await pacer.turn("chat.postMessage", "C1", priority=priority, since=since)
        granted.append(name)
        await pacer.done("chat.postMessage", "C1", None)

    tasks = [
        asyncio.create_task(wait("status, old", 4, 1.0)),
        asyncio.create_task(wait("card, new", 0, 9.0)),
        asyncio.create_task(wait("join", 3, 2.0)),
        asyncio.create_task(wait("card, old", 0, 3.0)),
    ]
    await asyncio.sleep(0.01)
    await pacer.done("chat.postMessage", "C1", None)
    await asyncio.gather(*tasks)
    assert granted == ["card, old", "card, new", "join", "status, old"]


async def test_a_429_holds_only_its_channel() -> None:
    pacer = Pacer(budgets=POSTS)
    assert await pacer.turn("chat.postMessage", "C1")
    await pacer.done("chat.postMessage", "C1", retry_after=60.0)

    assert not await pacer.turn("chat.postMessage", "C1", patience=0.05)
    assert pacer.ready_in("chat.postMessage", "C1") > 50
    # DMs and other channels have budgets of their own.
    await _take(pacer, "chat.postMessage", "UTECH")
    await _take(pacer, "chat.postMessage", "C2")


async def test_a_429_on_one_method_does_not_hold_another() -> None:
    pacer = Pacer(budgets={**POSTS, **UPDATES})
    assert await pacer.turn("chat.postMessage", "C1")
    await pacer.done("chat.postMessage", "C1", retry_after=60.0)
    await _take(pacer, "chat.update", "C1")


async def test_per_workspace_methods_share_one_budget_across_channels() -> None:
    pacer = Pacer(budgets={"chat.update": Budget(per_minute=1, burst=1)})
    await _take(pacer, "chat.update", "C1")
    assert not await pacer.turn("chat.update", "C2", patience=0.05)


async def test_one_call_per_budget_is_on_its_way_at_a_time() -> None:
    pacer = Pacer(budgets={"chat.update": Budget(per_minute=6000, burst=10)})
    assert await pacer.turn("chat.update", "C1")
    # Tokens are left, but the first call is not answered yet (a 429 may be coming).
    assert not await pacer.turn("chat.update", "C1", patience=0.05)
    await pacer.done("chat.update", "C1", None)
    await _take(pacer, "chat.update", "C1")


async def test_replicas_each_take_a_share_of_the_burst() -> None:
    budgets = {"chat.postMessage": Budget(per_minute=1, burst=4, per_channel=True)}
    alone, one_of_two = Pacer(budgets=budgets), Pacer(budgets=budgets, replicas=2)
    for _ in range(4):
        await _take(alone, "chat.postMessage", "C1")
    for _ in range(2):
        await _take(one_of_two, "chat.postMessage", "C1")
    assert not await one_of_two.turn("chat.postMessage", "C1", patience=0.05)


async def test_scale_speeds_every_budget_up() -> None:
    budgets = {"chat.postMessage": Budget(per_minute=1, burst=1, per_channel=True)}
    slow, fast = Pacer(budgets=budgets), Pacer(budgets=budgets, scale=60_000)
    for pacer in (slow, fast):
        await _take(pacer, "chat.postMessage", "C1")
    assert slow.ready_in("chat.postMessage", "C1") > 30
    assert fast.ready_in("chat.postMessage", "C1") < 0.01
