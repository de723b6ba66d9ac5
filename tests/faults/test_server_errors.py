"""Scenario 2: bursts of 5xx from Slack, and from GoToAssist's GETs while polling."""

from __future__ import annotations

import asyncio
import time

from sandbox.harness import Rig, wait_until
from tests.faults.helpers import (
    POLLS,
    Lifecycle,
    card_of,
    card_says,
    command_text,
    customer,
    expect_invariants,
    settle,
    update_calls,
    update_count_problems,
)


async def test_slack_5xx_bursts_on_update_and_post_message() -> None:
    names = [customer(i) for i in range(2)]
    async with Rig(**POLLS) as rig:
        life = Lifecycle(rig.goto)
        # One 500 on the first card post, then a burst of three on the second session's posts.
        rig.slack.fail_next("chat.postMessage", 500, count=1)
        status, _ack = await rig.slash(command_text(0))
        assert status == 200
        await wait_until(lambda: card_of(rig.slack, names[0]) is not None, what="first card")
        rig.slack.fail_next("chat.postMessage", 500, count=3)
        status, _ack = await rig.slash(command_text(1))
        assert status == 200
        await wait_until(
            lambda: all(card_of(rig.slack, n) for n in names), within=20, what="two cards"
        )
        await settle(1.5)  # let retries of the failed posts come due
        # Checkpoint: no status has changed yet, so no edit was owed (nor any edit failed).
        before_changes = update_count_problems(
            rig.slack, dict.fromkeys(names, 0), label="Slack 5xx, before any status change"
        )
        rig.slack.fail_next("chat.update", 500, count=3)
        life.start(names[0])
        life.start(names[1])
        await asyncio.sleep(0.5)
        rig.slack.fail_next("chat.postMessage", 503, count=3)
        life.join(names[0])
        life.end(names[1])  # abandoned
        await asyncio.sleep(0.5)
        rig.slack.fail_next("chat.update", 502, count=3)
        life.end(names[0])  # complete

        await wait_until(lambda: life.all_final(rig.slack, names), within=40, what="final cards")
        await settle(1.0)

        expect_invariants(
            rig.slack,
            rig.goto,
            life,
            names,
            commands=2,
            label="Slack 5xx",
            earlier=before_changes,
        )
        errors = [c for c in rig.slack.calls if c.status >= 500]
        print(f"5xx answered by Slack: {len(errors)}")
        assert len(errors) == 13
        for name in names:
            card = card_of(rig.slack, name)
            assert card is not None
            replies = [m.text for m in rig.slack.thread(card.channel, card.ts)]
            print(f"{name} thread: {replies}")
            assert len(replies) == len(set(replies)), "a thread reply was posted twice"


async def test_gotoassist_5xx_bursts_while_polling() -> None:
    """Callbacks off: only polling carries status, through bursts of 500/503 and a 429."""
    names = [customer(i) for i in range(3)]
    # A first poll 2 s after creation (the sessions are started by then): failed polls
    # stretch that interval x2, x4, ... so a short one keeps the run short.
    polls = {**POLLS, "poll_interval_young_s": 2.0}
    async with Rig(callbacks=False, gotoassist_timeout_s=3.0, **polls) as rig:
        life = Lifecycle(rig.goto)
        for i in range(3):
            status, _ack = await rig.slash(command_text(i))
            assert status == 200
        await wait_until(
            lambda: all(card_of(rig.slack, n) for n in names), within=20, what="three cards"
        )
        rig.goto.fail_next("get", 500, count=4)
        life.start(names[0])
        life.start(names[1])
        life.start(names[2])
        await asyncio.sleep(1.0)
        rig.goto.fail_next("get", 503, count=4, retry_after=1)
        life.join(names[0])
        life.join(names[2])
        await asyncio.sleep(1.0)
        rig.goto.fail_next("get", 429, count=2, retry_after=1)
        rig.goto.fail_next("get", 500, count=2)
        life.end(names[0])  # complete
        life.end(names[1])  # abandoned
        life.end(names[2])  # complete

        await wait_until(lambda: life.all_final(rig.slack, names), within=45, what="final cards")
        await settle(1.0)

        expect_invariants(
            rig.slack, rig.goto, life, names, commands=3, label="GoToAssist 5xx while polling"
        )
        refused = [r for r in rig.goto.requests if r.route == "get" and (r.status or 0) >= 400]
        print(f"GET /sessions answered with errors: {len(refused)}")
        assert len(refused) == 12


async def test_slack_5xx_outage_longer_than_the_retry_budget() -> None:
    """Slack answers 503 to every attempt of the final card edit (OUTBOX_MAX_ATTEMPTS=3 stands
    for the default 8, i.e. an outage of about 1.5 minutes), so the edit is parked. Once
    Slack is back, the card must still reach the final status: nothing else would redo it
    (no more status changes, no more polls), so the parked edit is tried again after
    OUTBOX_PARKED_RETRY_S (2 s here, standing for the default 5 minutes)."""
    name = customer(0)
    async with Rig(outbox_max_attempts=3, outbox_parked_retry_s=2.0, **POLLS) as rig:
        life = Lifecycle(rig.goto)
        status, _ack = await rig.slash(command_text(0))
        assert status == 200
        await wait_until(lambda: card_of(rig.slack, name) is not None, what="the card")
        life.start(name)
        life.join(name)
        await wait_until(lambda: card_says(rig.slack, name, "active"), what="active")

        rig.slack.fail_next("chat.update", 503, count=3)
        life.end(name)
        await wait_until(
            lambda: sum(c.status == 503 for c in update_calls(rig.slack, name)) == 3,
            within=20,
            what="three refused attempts",
        )
        recovered_at = time.monotonic()  # Slack answers normally from here on
        try:
            await wait_until(lambda: life.all_final(rig.slack, [name]), within=5, what="final")
        except TimeoutError:
            card = card_of(rig.slack, name)
            print(f"\ncard still {card.text if card else None!r} 5 s after Slack recovered")
        else:
            print(f"\ncard final {time.monotonic() - recovered_at:.1f}s after Slack recovered")
        expect_invariants(rig.slack, rig.goto, life, [name], commands=1, label="Slack 5xx outage")
