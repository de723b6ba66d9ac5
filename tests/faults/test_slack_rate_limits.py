"""Scenario 1: 429 storms from Slack, with Retry-After, on chat.update and chat.postMessage.

On PostgreSQL (the multi-replica store), where the outbox delivers several sessions' writes
truly concurrently, as it does in production."""

from __future__ import annotations

import asyncio

from sandbox.harness import Rig, wait_until
from sandbox.slack import RateLimit
from tests.faults.helpers import (
    CHANNEL,
    POLLS,
    Lifecycle,
    card_of,
    command_text,
    customer,
    expect_invariants,
    settle,
)


async def test_429_storm_on_update_and_post_message(postgres_url: str) -> None:
    names = [customer(i) for i in range(3)]
    async with Rig(database_url=postgres_url, **POLLS) as rig:
        life = Lifecycle(rig.goto)
        rig.slack.rate_limit("chat.postMessage", count=3, retry_after=1)
        for i in range(3):
            status, _ack = await rig.slash(command_text(i))
            assert status == 200
        await wait_until(
            lambda: all(card_of(rig.slack, n) for n in names), within=20, what="three cards"
        )

        rig.slack.rate_limit("chat.update", count=4, retry_after=1)
        rig.slack.rate_limit("chat.postMessage", count=2, retry_after=2)
        life.start(names[0])
        life.start(names[1])
        await asyncio.sleep(0.3)
        life.join(names[0])
        life.start(names[2])
        await asyncio.sleep(0.3)
        life.end(names[0])  # complete
        life.end(names[1])  # abandoned
        rig.slack.rate_limit("chat.update", count=2, retry_after=2)
        life.join(names[2])
        life.end(names[2])  # complete

        await wait_until(lambda: life.all_final(rig.slack, names), within=30, what="final cards")
        await settle(1.5)  # anything still owed or duplicated would show now

        expect_invariants(rig.slack, rig.goto, life, names, commands=3, label="429 storm")
        ratelimited = [c for c in rig.slack.calls if c.status == 429]
        print(f"429s answered: {len(ratelimited)}")
        assert len(ratelimited) >= 6  # the storm really happened


async def test_enforced_rate_limits_ten_sessions_in_one_channel(postgres_url: str) -> None:
    """Slack's published limits on (chat.postMessage per channel scaled from 1/s to 4/s, same
    burst, to keep the run short; chat.update and the rest at their real Tier rates)."""
    names = [customer(i) for i in range(10)]
    async with Rig(database_url=postgres_url, **POLLS) as rig:
        rig.slack.enforce_rate_limits(
            True,
            limits={"chat.postMessage": RateLimit(per_minute=240, burst=5, per_channel=True)},
        )
        life = Lifecycle(rig.goto)
        statuses = await asyncio.gather(*(rig.slash(command_text(i)) for i in range(10)))
        assert [s for s, _ in statuses] == [200] * 10
        await wait_until(
            lambda: all(card_of(rig.slack, n) for n in names), within=30, what="ten cards"
        )
        for i, name in enumerate(names):
            if i % 2:
                life.abandon(name)
            else:
                life.complete(name)
        await wait_until(lambda: life.all_final(rig.slack, names), within=60, what="final cards")
        await settle(1.0)

        expect_invariants(rig.slack, rig.goto, life, names, commands=10, label="enforced limits")
        in_channel = [m for m in rig.slack.messages(CHANNEL) if not m.is_reply]
        assert len(in_channel) == 10, "one card per session in the channel"
        ratelimited = [c for c in rig.slack.calls if c.status == 429]
        print(f"429s answered under enforced limits: {len(ratelimited)}")
