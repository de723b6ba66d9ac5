"""Scenario 4: status callbacks duplicated, reordered, and missing; polling fills the gaps."""

from __future__ import annotations

import asyncio

from sandbox.harness import Rig, wait_until
from tests.faults.helpers import (
    POLLS,
    Lifecycle,
    card_of,
    command_text,
    customer,
    expect_invariants,
    settle,
)


async def test_duplicated_reordered_and_missing_callbacks() -> None:
    dup, shuffled, shuffled2, missing = (customer(i) for i in range(4))
    names = [dup, shuffled, shuffled2, missing]
    async with Rig(**POLLS) as rig:
        life = Lifecycle(rig.goto)
        for i in range(4):
            status, _ack = await rig.slash(command_text(i))
            assert status == 200
        await wait_until(
            lambda: all(card_of(rig.slack, n) for n in names), within=20, what="four cards"
        )

        # Every callback three times.
        rig.goto.callback_duplicates = 2
        life.start(dup)
        await asyncio.sleep(0.3)
        life.join(dup)
        await asyncio.sleep(0.3)
        life.end(dup)
        await rig.goto.drain_callbacks()
        rig.goto.callback_duplicates = 0

        # Held until the session ends, then delivered in a random order (with duplicates).
        rig.goto.callback_shuffle = True
        rig.goto.callback_duplicates = 1
        life.start(shuffled)
        life.start(shuffled2)
        await asyncio.sleep(0.3)
        life.join(shuffled)
        life.end(shuffled2)  # abandoned
        await asyncio.sleep(0.3)
        life.end(shuffled)
        await rig.goto.drain_callbacks()
        rig.goto.callback_shuffle = False
        rig.goto.callback_duplicates = 0

        # The first callback arrives, then GoToAssist stops sending them.
        life.start(missing)
        await rig.goto.drain_callbacks()
        rig.goto.callbacks_enabled = False
        life.join(missing)
        await asyncio.sleep(0.3)
        life.end(missing)

        await wait_until(lambda: life.all_final(rig.slack, names), within=30, what="final cards")
        await settle(1.0)

        expect_invariants(rig.slack, rig.goto, life, names, commands=4, label="callback disorder")
        answered = [d.status for d in rig.goto.deliveries]
        print(f"callbacks delivered: {len(answered)}, answers: {sorted(set(answered))}")
        assert set(answered) == {200}
        for name in names:
            card = card_of(rig.slack, name)
            assert card is not None
            replies = [m.text for m in rig.slack.thread(card.channel, card.ts)]
            assert len(replies) == len(set(replies)), f"{name}: a thread reply repeated {replies}"
