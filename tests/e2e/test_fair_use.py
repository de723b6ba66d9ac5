"""Fair use: one technician's burst of starts or `status` asks is capped with a private
message, and a second technician's command beside it starts as usual."""

from __future__ import annotations

import asyncio
from typing import Any

from sandbox.harness import Rig, wait_until
from tests.e2e.helpers import (
    CHANNEL,
    OTHER,
    TECH,
    cards,
    session_rows,
    short_id_on,
    status_words,
    wait_card,
)


def mark(rig: Rig) -> tuple[int, int]:
    return len(rig.slack.responses), len(rig.slack.ephemerals())


def private_texts(rig: Rig, since: tuple[int, int], user: str = TECH) -> list[str]:
    """What ``user`` was told privately since ``since`` (``mark``): command answers and
    ephemeral messages, start links left out."""
    answers = [
        str(r.get("text", ""))
        for r in rig.slack.responses[since[0] :]
        if r.get("response_type") == "ephemeral"
    ]
    ephemerals = [m.text for m in rig.slack.ephemerals()[since[1] :] if m.user == user]
    return [t for t in answers + ephemerals if "start link" not in t]


def creates_by(rig: Rig, customer_prefix: str) -> list[Any]:
    return [
        r
        for r in rig.goto.requests
        if r.method == "POST"
        and str((r.json or {}).get("customerName", "")).startswith(customer_prefix)
    ]


async def test_a_burst_from_one_technician_is_capped_and_a_colleague_still_starts(
    sqlite_url: str,
) -> None:
    async with Rig(database_url=sqlite_url, user_starts_per_min=3) as rig:
        seen = mark(rig)
        burst = [rig.slash(f"Burst Customer{i}", user=TECH) for i in range(5)]
        results = await asyncio.gather(*burst)
        assert all(status == 200 for status, _ in results)
        await wait_until(
            lambda: sum("3 a minute" in t for t in private_texts(rig, seen)) == 2,
            what="two private refusals naming the limit",
        )
        # The colleague, right after the burst, is not held back by it.
        status, _ = await rig.slash("Colleague Customer", user=OTHER)
        assert status == 200
        await wait_until(lambda: len(cards(rig, CHANNEL)) == 4, what="3 + 1 cards")
        texts = [c.text for c in cards(rig, CHANNEL)]
        assert sum("Burst Customer" in t for t in texts) == 3
        assert any("Colleague Customer" in t for t in texts)
        # The two refused starts never reached GoToAssist.
        assert len(creates_by(rig, "Burst")) == 3
        await asyncio.sleep(0.3)
        assert len(cards(rig, CHANNEL)) == 4
        rows = await session_rows(sqlite_url)
        mine = [r["creation"] for r in rows if r["requester_id"] == TECH]
        assert sorted(mine) == ["created"] * 3 + ["failed"] * 2  # refused, and said why


async def test_open_sessions_are_capped_per_technician(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url, max_open_sessions_per_user=2) as rig:
        for i in range(2):
            await rig.slash(f"Open Customer{i}", user=TECH)
        await wait_until(lambda: len(cards(rig, CHANNEL)) == 2, what="two cards")
        seen = mark(rig)
        await rig.slash("One Too Many", user=TECH)
        await wait_until(
            lambda: any("2 is the most" in t for t in private_texts(rig, seen)),
            what="the open-session refusal",
        )
        assert creates_by(rig, "One Too Many") == []
        # Once one session ends, the technician may start again.
        first = next(iter(rig.goto.sessions.values()))
        rig.goto.start_session(first.session_token)
        rig.goto.end_session(first.session_token)
        await wait_until(
            lambda: any(status_words(c.text) == "abandoned" for c in cards(rig, CHANNEL)),
            what="a card ended",
        )
        await rig.slash("Now Allowed", user=TECH)
        await wait_until(lambda: len(creates_by(rig, "Now Allowed")) == 1, what="the new create")


async def test_status_asks_are_capped_per_technician(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url, user_status_per_min=2) as rig:
        await rig.slash("Jane Doe", user=TECH)
        card = await wait_card(rig)
        ref = short_id_on(card)
        seen = mark(rig)
        for _ in range(3):
            await rig.slash(f"status {ref}", user=TECH)
        await wait_until(lambda: len(private_texts(rig, seen)) == 3, what="three answers")
        answers = private_texts(rig, seen)
        assert sum("Try again in" in a for a in answers) == 1
        gets = [r for r in rig.goto.requests if r.method == "GET"]
        # The refused ask cost no GoToAssist call; a colleague is not limited by it.
        seen = mark(rig)
        await rig.slash(f"status {ref}", user=OTHER, channel=CHANNEL)
        await wait_until(lambda: len(private_texts(rig, seen)) == 1, what="the colleague's answer")
        assert "Try again in" not in private_texts(rig, seen)[0]
        assert len([r for r in rig.goto.requests if r.method == "GET"]) >= len(gets)
