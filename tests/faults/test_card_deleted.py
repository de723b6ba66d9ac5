"""Scenario 5: someone deletes the card mid-session: it is posted again, the new ts is
stored, and later edits go to the new card."""

from __future__ import annotations

from sandbox.harness import Rig, wait_until
from tests.faults.helpers import (
    CHANNEL,
    POLLS,
    Lifecycle,
    card_of,
    card_says,
    cards_of,
    command_text,
    customer,
    expect_invariants,
    settle,
    update_calls,
)


async def test_deleted_card_is_reposted_and_followed() -> None:
    name = customer(0)
    async with Rig(**POLLS) as rig:
        life = Lifecycle(rig.goto)
        status, _ack = await rig.slash(command_text(0))
        assert status == 200
        await wait_until(lambda: card_of(rig.slack, name) is not None, what="the card")
        life.start(name)
        await wait_until(lambda: card_says(rig.slack, name, "waiting"), what="waiting")
        first = card_of(rig.slack, name)
        assert first is not None

        rig.slack.delete_message(CHANNEL, first.ts)
        life.join(name)
        await wait_until(lambda: card_says(rig.slack, name, "active"), what="reposted card")
        second = card_of(rig.slack, name)
        assert second is not None
        assert second.ts != first.ts and second.channel == CHANNEL
        print(f"\ncard {first.ts} deleted; reposted as {second.ts}")

        life.end(name)
        await wait_until(lambda: life.all_final(rig.slack, [name]), within=20, what="final")
        await settle(1.0)

        expect_invariants(rig.slack, rig.goto, life, [name], commands=1, label="card deleted")
        calls = update_calls(rig.slack, name)
        to_old = [c for c in calls if c.params.get("ts") == first.ts]
        to_new = [c for c in calls if c.params.get("ts") == second.ts]
        print(f"edits to the deleted card: {len(to_old)}; to the new card: {len(to_new)}")
        assert len(to_old) == 2  # waiting (ok), then active (message_not_found)
        assert [c.params.get("text", "").endswith("complete") for c in to_new] == [True]
        assert len(cards_of(rig.slack, name)) == 1
        final = rig.slack.message(CHANNEL, second.ts)
        assert final is not None and final.text.endswith(": complete")
        thread = [m.text for m in rig.slack.thread(CHANNEL, second.ts)]
        print(f"new card's thread: {thread}")
        assert any("complete" in t.lower() for t in thread)
