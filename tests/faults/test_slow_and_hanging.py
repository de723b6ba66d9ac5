"""Scenario 3: slow and hanging answers from Slack and GoToAssist.

Cards converge once the services recover; a create that hangs times out, the technician is
told privately, and nothing is posted in the channel.
"""

from __future__ import annotations

import asyncio
import time

from sandbox.harness import Rig, wait_until
from tests.faults.helpers import (
    CHANNEL,
    POLLS,
    TECH,
    Lifecycle,
    card_of,
    card_says,
    command_text,
    creates,
    customer,
    expect_invariants,
    private_texts,
    settle,
    update_calls,
)


async def test_slow_then_hanging_chat_update_converges() -> None:
    names = [customer(i) for i in range(2)]
    async with Rig(**POLLS) as rig:
        life = Lifecycle(rig.goto)
        for i in range(2):
            status, _ack = await rig.slash(command_text(i))
            assert status == 200
        await wait_until(
            lambda: all(card_of(rig.slack, n) for n in names), within=20, what="two cards"
        )

        rig.slack.set_latency("chat.update", 2.0)  # slow, but inside the writer's timeout
        life.start(names[0])
        life.start(names[1])
        await wait_until(
            lambda: all(card_says(rig.slack, n, "waiting") for n in names),
            within=20,
            what="slow edits to land",
        )

        rig.slack.set_latency("chat.update", 0.0)
        rig.slack.hang_next("chat.update")  # the next edit is never answered
        life.join(names[0])
        await wait_until(
            lambda: any(c.status == 0 for c in update_calls(rig.slack, names[0])),
            what="the hung edit",
        )
        hung_at = time.monotonic()
        life.end(names[1])  # another session changes while the first one's edit hangs
        await wait_until(
            lambda: card_says(rig.slack, names[1], "abandoned"), within=30, what="B abandoned"
        )
        other_waited = time.monotonic() - hung_at
        await wait_until(
            lambda: card_says(rig.slack, names[0], "active"), within=30, what="A active"
        )
        recovered = time.monotonic() - hung_at
        print(
            f"\nhung chat.update: its card recovered after {recovered:.1f}s; another session's "
            f"edit waited {other_waited:.1f}s behind it"
        )
        life.end(names[0])
        await wait_until(lambda: life.all_final(rig.slack, names), within=20, what="final cards")
        await settle(1.0)

        expect_invariants(
            rig.slack, rig.goto, life, names, commands=2, label="slow + hanging Slack"
        )


async def test_slow_and_hanging_gotoassist_get_while_polling() -> None:
    """Callbacks off; GETs slow (1 s) and some hang past the client timeout."""
    names = [customer(i) for i in range(3)]
    async with Rig(callbacks=False, gotoassist_timeout_s=1.5, **POLLS) as rig:
        life = Lifecycle(rig.goto)
        for i in range(3):
            status, _ack = await rig.slash(command_text(i))
            assert status == 200
        await wait_until(
            lambda: all(card_of(rig.slack, n) for n in names), within=20, what="three cards"
        )
        rig.goto.set_latency("get", 1.0)
        rig.goto.hang_next("get", count=2)
        life.start(names[0])
        life.start(names[1])
        life.start(names[2])
        await asyncio.sleep(1.0)
        life.join(names[0])
        life.join(names[2])
        await asyncio.sleep(1.0)
        life.end(names[0])
        life.end(names[1])
        await asyncio.sleep(2.0)
        rig.goto.set_latency("get", 0.0)  # recovered
        life.end(names[2])

        await wait_until(lambda: life.all_final(rig.slack, names), within=40, what="final cards")
        await settle(1.0)

        expect_invariants(
            rig.slack, rig.goto, life, names, commands=3, label="slow + hanging GoToAssist GET"
        )
        hung = [r for r in rig.goto.requests if r.route == "get" and r.status is None]
        print(f"GETs never answered: {len(hung)}")
        assert len(hung) == 2


async def test_hanging_create_times_out_and_technician_is_told() -> None:
    async with Rig(gotoassist_timeout_s=2.0, **POLLS) as rig:
        rig.goto.hang_next("create")
        sent = time.monotonic()
        status, _ack = await rig.slash(command_text(0))
        assert status == 200

        def told() -> bool:
            return any("was not created" in text for text in private_texts(rig.slack))

        await wait_until(told, within=20, what="the technician to be told")
        print(f"\nhanging create: technician told {time.monotonic() - sent:.1f}s after the command")
        await settle(2.0)  # nothing else may follow

        public = [m.text for m in rig.slack.messages(CHANNEL)]
        assert public == [], f"something was posted in the channel: {public}"
        assert not any("start link" in t.lower() for t in private_texts(rig.slack, TECH))
        assert len(creates(rig.goto)) == 1, "the create was repeated"
        assert rig.goto.sessions == {}, "a session is live at GoToAssist"
