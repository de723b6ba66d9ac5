"""Shared by the Slack-writes and callback-latency benchmarks: sessions started through the
real command path, and waiting on what the Slack stand-in recorded."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.base import BenchError, customer_text
from bench.harness import LiveApp
from sandbox.gotoassist import GoToAssistStandIn, StandInSession
from sandbox.harness import wait_until
from sandbox.slack import RecordedCall, SlackStandIn

Transition = Callable[[str], StandInSession]


def transitions(goto: GoToAssistStandIn) -> list[tuple[Transition, str]]:
    """An attended lifecycle in the stand-in: (what happens, the status it reports)."""
    return [
        (goto.start_session, "waiting"),
        (goto.join_session, "active"),
        (goto.end_session, "complete"),
    ]


@dataclass(frozen=True, slots=True)
class Card:
    requester: str
    session_token: str
    channel: str
    ts: str


async def start_sessions(live: LiveApp, users: list[str], first_customer: int) -> list[Card]:
    """One session per user via ``/remote-support``; returns their cards once all is sent."""
    for i, user in enumerate(users):
        status = await live.slash(customer_text(first_customer + i), user=user)
        if status != 200:
            raise BenchError(f"/remote-support was answered {status}")

    wanted = set(users)

    async def cards() -> dict[str, Card]:
        rows = await live.rows(
            "SELECT requester_id, session_token_enc, card_channel, card_ts FROM sessions "
            "WHERE card_ts IS NOT NULL"
        )
        return {  # the session token is stored encrypted
            str(r[0]): Card(str(r[0]), live.plan.box.decrypt(str(r[1])) or "", str(r[2]), str(r[3]))
            for r in rows
            if r[0] in wanted
        }

    async def ready() -> bool:
        return len(await cards()) == len(users) and await live.quiet()

    await wait_until(ready, within=30 + len(users), what="the session cards")
    by_user = await cards()
    return [by_user[u] for u in users]


async def first_call(
    slack: SlackStandIn, start: int, match: Callable[[RecordedCall], bool], within: float = 10.0
) -> RecordedCall:
    """The first Slack call recorded at index >= ``start`` that ``match`` accepts."""
    deadline = time.monotonic() + within
    index = start
    while True:
        calls = slack.calls
        while index < len(calls):
            if match(calls[index]):
                return calls[index]
            index += 1
        if time.monotonic() > deadline:
            raise BenchError(f"no matching Slack call within {within:.0f}s")
        await asyncio.sleep(0.001)


async def settle(live: LiveApp, quiet_s: float) -> None:
    """Until nothing is owed to Slack and no Slack call came for ``quiet_s`` seconds."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        seen = len(live.slack.calls)
        await asyncio.sleep(quiet_s)
        if len(live.slack.calls) == seen and await live.quiet():
            return
    raise BenchError("the app never went quiet")
