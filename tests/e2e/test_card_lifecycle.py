"""Status callbacks edit the one card in place; the thread holds the join link and one reply
per change; duplicated, shuffled or reversed callbacks end in the same card."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest

from sandbox.gotoassist import StandInSession
from sandbox.harness import Rig, wait_until
from sandbox.slack import StandInMessage
from tests.e2e.helpers import (
    CHANNEL,
    cards,
    normalised,
    quiet_rig,
    session_id_on,
    start_and_settle,
    status_words,
    wait_status,
)

NOTES = "Replaced the printer driver; test page printed."


def _dedup(items: list[str | None]) -> list[str | None]:
    out: list[str | None] = []
    for item in items:
        if not out or out[-1] != item:
            out.append(item)
    return out


async def test_callbacks_edit_the_same_card_and_reply_once_per_change(rig: Rig) -> None:
    card, session = await start_and_settle(rig)
    ref = session.session_token

    rig.goto.start_session(ref)
    await wait_status(rig, card, "waiting")
    rig.goto.join_session(ref)
    await wait_status(rig, card, "active")
    rig.goto.end_session(ref, notes=NOTES)
    final = await wait_status(rig, card, "complete")

    # One card, edited in place: the only top-level post in the channel is the first one.
    assert [m.ts for m in cards(rig)] == [card.ts]
    top_level_posts = [
        c
        for c in rig.slack.calls_to("chat.postMessage")
        if c.params.get("channel") == CHANNEL and not c.params.get("thread_ts")
    ]
    assert len(top_level_posts) == 1
    updates = rig.slack.calls_to("chat.update")
    assert updates, "the card was never edited"
    assert {(c.params["channel"], c.params["ts"]) for c in updates} == {(CHANNEL, card.ts)}

    # The card went through every status, in order, and says the last in words.
    seen = _dedup([status_words(text) for text, _blocks in final.versions])
    assert seen == ["not started", "waiting", "active", "complete"]
    assert final.text == "Remote support for Jane Doe: complete"
    assert "Replaced the printer driver" in str(final.blocks)

    # The thread: the join link, then exactly one reply per status change.
    await wait_until(
        lambda: len(rig.slack.thread(CHANNEL, card.ts)) >= 4, what="the 'complete' reply"
    )
    await asyncio.sleep(0.5)  # room for a wrong extra reply to show up
    thread = rig.slack.thread(CHANNEL, card.ts)
    assert session.customer_join_url in thread[0].text
    replies = [m.text for m in thread[1:]]
    assert len(replies) == 3, replies
    assert "Waiting for Jane Doe to join" in replies[0]
    assert "Jane Doe joined; session active" in replies[1]
    assert "Session complete" in replies[2]


# --- any order of the same callbacks ends the same --------------------------------------------


@pytest.fixture
async def callbacks_only_rig(database_url: str) -> AsyncIterator[Rig]:
    async with quiet_rig(database_url) as running:
        yield running


def _final_card(rig: Rig, card: StandInMessage, session: StandInSession) -> tuple[str, list[Any]]:
    current = rig.slack.message(CHANNEL, card.ts)
    assert current is not None
    ids = [session_id_on(card), session_id_on(card)[:8], session.session_id or ""]
    return normalised(current, ids)


def _status_replies(rig: Rig, card: StandInMessage) -> list[str]:
    return [m.text for m in rig.slack.thread(CHANNEL, card.ts)[1:]]


async def test_duplicated_shuffled_and_reversed_callbacks_end_in_the_same_card(
    callbacks_only_rig: Rig,
) -> None:
    rig = callbacks_only_rig

    # In order, one callback each.
    card_a, a = await start_and_settle(rig)
    rig.goto.start_session(a.session_token)
    await wait_status(rig, card_a, "waiting")
    rig.goto.join_session(a.session_token)
    await wait_status(rig, card_a, "active")
    rig.goto.end_session(a.session_token, notes=NOTES)
    await wait_status(rig, card_a, "complete")
    in_order = _final_card(rig, card_a, a)

    # Every callback three times, all held until the end and delivered shuffled.
    card_b, b = await start_and_settle(rig)
    rig.goto.callback_duplicates = 2
    rig.goto.callback_shuffle = True
    try:
        rig.goto.start_session(b.session_token)
        rig.goto.join_session(b.session_token)
        rig.goto.end_session(b.session_token, notes=NOTES)
        await rig.goto.drain_callbacks()
    finally:
        rig.goto.callback_duplicates = 0
        rig.goto.callback_shuffle = False
    delivered = [d for d in rig.goto.deliveries if d.url == b.callback_url]
    assert len(delivered) == 9
    assert all(d.status == 200 for d in delivered), [d.status for d in delivered]
    await wait_status(rig, card_b, "complete")

    # The same bodies, POSTed by hand in reverse order (each twice).
    card_c, c = await start_and_settle(rig)
    assert c.callback_url is not None
    rig.goto.callbacks_enabled = False
    bodies: list[dict[str, Any]] = []
    try:
        bodies.append(copy.deepcopy(rig.goto.start_session(c.session_token).info()))
        bodies.append(copy.deepcopy(rig.goto.join_session(c.session_token).info()))
        ended = rig.goto.end_session(c.session_token, notes=NOTES)
        bodies.append(copy.deepcopy(ended.info()))
    finally:
        rig.goto.callbacks_enabled = True
    assert [body["status"] for body in bodies] == ["waiting", "active", "complete"]
    for body in reversed(bodies):
        assert await rig.callback(c.callback_url, body) == 200
        assert await rig.callback(c.callback_url, body) == 200
    await wait_status(rig, card_c, "complete")

    # Form-encoded callbacks (the other format GoToAssist may use), in order.
    card_d, d = await start_and_settle(rig)
    rig.goto.callback_format = "form"
    try:
        rig.goto.start_session(d.session_token)
        await wait_status(rig, card_d, "waiting")
        rig.goto.join_session(d.session_token)
        await wait_status(rig, card_d, "active")
        rig.goto.end_session(d.session_token, notes=NOTES)
        await rig.goto.drain_callbacks()
    finally:
        rig.goto.callback_format = "json"
    await wait_status(rig, card_d, "complete")

    assert _final_card(rig, card_b, b) == in_order, "duplicated and shuffled"
    assert _final_card(rig, card_c, c) == in_order, "reversed"
    assert _final_card(rig, card_d, d) == in_order, "form-encoded"

    # Each card is still one message, and no status reply is ever repeated.
    assert len(cards(rig)) == 4
    for card in (card_b, card_c, card_d):
        await wait_until(
            lambda card=card: any("Session complete" in r for r in _status_replies(rig, card)),
            what="the 'complete' reply in the thread",
        )
        replies = _status_replies(rig, card)
        assert len(replies) == len(set(replies)), replies
        assert "Session complete" in replies[-1]
