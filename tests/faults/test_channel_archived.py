"""Scenario 6: the channel is archived mid-session. The card carries on in the technician's
DM, the technician is told by DM, and nothing more is written to the archived channel."""

from __future__ import annotations

import time

from sandbox.harness import Rig, wait_until
from tests.faults.helpers import (
    CHANNEL,
    POLLS,
    TECH,
    Lifecycle,
    card_of,
    card_says,
    cards_of,
    channel_calls,
    command_text,
    customer,
    expect_invariants,
    settle,
)


def _replied(rig: Rig, name: str, words: str) -> bool:
    """A thread reply under ``name``'s live card contains ``words``."""
    card = card_of(rig.slack, name)
    return card is not None and any(
        words in m.text for m in rig.slack.thread(card.channel, card.ts)
    )


async def test_archived_channel_moves_card_to_dm() -> None:
    name = customer(0)
    async with Rig(**POLLS) as rig:
        life = Lifecycle(rig.goto)
        dm = rig.slack.dm_channel(TECH)
        status, _ack = await rig.slash(command_text(0))
        assert status == 200
        await wait_until(lambda: card_of(rig.slack, name) is not None, what="the card")
        life.start(name)
        await wait_until(lambda: card_says(rig.slack, name, "waiting"), what="waiting")
        await wait_until(lambda: _replied(rig, name, "Waiting for"), what="the waiting reply")
        dms_before = len(rig.slack.dms(TECH))

        rig.slack.archive(CHANNEL)
        archived_at = time.monotonic()
        life.join(name)

        def dm_card() -> bool:
            return any(
                m.channel == dm and m.text.endswith(": active") for m in cards_of(rig.slack, name)
            )

        await wait_until(dm_card, within=20, what="the card in the technician's DM")
        moved = time.monotonic() - archived_at
        life.end(name)

        def dm_card_final() -> bool:
            return any(
                m.channel == dm and m.text.endswith(": complete") for m in cards_of(rig.slack, name)
            )

        await wait_until(dm_card_final, within=20, what="the DM card to be final")
        await settle(1.0)
        print(f"\ncard moved to the DM {moved:.1f}s after the channel was archived")

        # The final card is the DM one (checked below); the archived one stays as it was.
        expect_invariants(
            rig.slack,
            rig.goto,
            life,
            [name],
            commands=1,
            label="channel archived",
            final_cards=False,
        )

        in_dm = [m for m in cards_of(rig.slack, name) if m.channel == dm]
        assert len(in_dm) == 1, "one card in the DM"
        notices = [m.text for m in rig.slack.dms(TECH)[dms_before:] if m is not in_dm[0]]
        notices = [t for t in notices if CHANNEL in t]
        print(f"DM notices naming the channel: {notices}")
        assert notices, "the technician was not told by DM"
        late = channel_calls(rig.slack, CHANNEL, since=archived_at)
        print(f"writes aimed at the archived channel after archiving: {len(late)}")
        for call in late:
            print(f"  {call.method} -> {call.error or call.status}")
        assert len(late) <= 1, "the app kept writing to the archived channel"
        thread = [m.text for m in rig.slack.thread(dm, in_dm[0].ts)]
        print(f"DM card thread: {thread}")
        assert any("complete" in t.lower() for t in thread)


async def test_archived_while_a_thread_reply_is_in_flight() -> None:
    """The channel is archived while the "waiting" thread reply is on its way: the reply
    fails with is_archived. It must not be dropped: the card moves to the DM, and the reply
    with it; the archived channel gets no further writes once the app has been told."""
    name = customer(0)
    async with Rig(**POLLS) as rig:
        life = Lifecycle(rig.goto)
        dm = rig.slack.dm_channel(TECH)
        status, _ack = await rig.slash(command_text(0))
        assert status == 200
        await wait_until(lambda: card_of(rig.slack, name) is not None, what="the card")
        await wait_until(lambda: bool(rig.slack.dms(TECH)), what="the start link DM")

        rig.slack.set_latency("chat.postMessage", 1.0)
        life.start(name)

        def reply_in_flight() -> bool:
            return any(
                c.status == 0 and "Waiting for" in str(c.params.get("text"))
                for c in rig.slack.calls_to("chat.postMessage")
            )

        await wait_until(reply_in_flight, what="the waiting reply in flight")
        rig.slack.archive(CHANNEL)  # Slack checks the channel when the reply lands
        archived_at = time.monotonic()
        rig.slack.set_latency("chat.postMessage", 0.0)
        await wait_until(
            lambda: any(c.error == "is_archived" for c in channel_calls(rig.slack, CHANNEL, 0)),
            what="the reply to be refused",
        )
        told_at = time.monotonic()
        life.join(name)
        life.end(name)

        def dm_card_final() -> bool:
            return any(
                m.channel == dm and m.text.endswith(": complete") for m in cards_of(rig.slack, name)
            )

        await wait_until(dm_card_final, within=20, what="the DM card to be final")
        await settle(1.0)

        expect_invariants(
            rig.slack,
            rig.goto,
            life,
            [name],
            commands=1,
            label="archived during a thread reply",
            final_cards=False,
        )
        in_dm = [m for m in cards_of(rig.slack, name) if m.channel == dm]
        assert len(in_dm) == 1, "one card in the DM"
        thread = [m.text for m in rig.slack.thread(dm, in_dm[0].ts)]
        print(f"\nDM card thread: {thread}")
        late = channel_calls(rig.slack, CHANNEL, since=archived_at)
        after_told = [c for c in late if c.at > told_at]
        print(f"writes aimed at the archived channel after archiving: {len(late)}")
        for call in late:
            print(f"  {call.method} -> {call.error or call.status}")
        problems = []
        if not any("Waiting for" in t for t in thread):
            problems.append("the 'waiting' thread reply was dropped (not in the DM thread)")
        if after_told:
            problems.append(
                f"{len(after_told)} more writes to the archived channel after is_archived"
            )
        assert not problems, problems
