"""A busy channel: 24 technicians start a session each in one channel within 3 s, and each
goes waiting -> active -> complete over the next seconds, against a Slack stand-in enforcing
Slack's limits (at ``scale`` times Slack's pace; the app is told the same). Then GoToAssist:
200 live sessions polled with callbacks off, and 60 commands arriving within 2 s.

The app runs in this process (``sandbox.harness.Rig``); the stand-ins record every call.
"""

from __future__ import annotations

import asyncio
import math
import re
import statistics
import time
from datetime import timedelta
from typing import Any

from bench.base import BenchError, customer_text, progress
from bench.seed import create_standin_sessions, insert_sessions, live_values, session_row
from bot.app import secret_box
from bot.store.types import utcnow
from sandbox.gotoassist import GoToAssistStandIn, StandInSession
from sandbox.harness import Rig, wait_until
from sandbox.signing import CHANNEL
from sandbox.slack import DEFAULT_RATE_LIMITS, RecordedCall

TECHNICIANS = 24
WORDS = ("waiting", "active", "complete")
CHANGES_FROM_S = 5.0  # at Slack's pace: the first change, after the first command
CHANGE_GAP_S = 1.25  # between one change and the next (of any session)


def _session_of(goto: GoToAssistStandIn, name: str) -> StandInSession | None:
    return next((s for s in goto.sessions.values() if s.customer_name == name), None)


def _floor(commands: list[float], rate: float, burst: int) -> list[float]:
    """The earliest each card could be posted in one channel (a token bucket, cards first)."""
    tokens, last, out = float(burst), commands[0], []
    for at in sorted(commands):
        now = max(at, last)
        tokens = min(float(burst), tokens + (now - last) * rate)
        if tokens < 1.0:
            now += (1.0 - tokens) / rate
            tokens = 1.0
        tokens -= 1.0
        last = now
        out.append(now)
    return out


_CARD = re.compile(r"^Remote support for (Customer \d+): (\w+)")


def _card(call: RecordedCall) -> tuple[str, str] | None:
    """(customer, status words) of a card post or edit Slack took; None for anything else."""
    if call.status != 200 or call.method not in ("chat.postMessage", "chat.update"):
        return None
    if "thread_ts" in call.params:
        return None
    found = _CARD.match(str(call.params.get("text", "")))
    return (found[1], found[2]) if found else None


async def _slack_phase(scale: float) -> dict[str, Any]:
    overrides: dict[str, Any] = {"slack_rate_scale": scale, "poll_interval_young_s": 5.0}
    async with Rig(**overrides) as rig:
        rig.stand.enforce_slack_limits(scale)
        slack, goto = rig.slack, rig.goto
        names = [f"Customer {i}" for i in range(TECHNICIANS)]
        commanded: dict[str, float] = {}
        changed: dict[tuple[str, str], float] = {}
        gap = 3.0 / TECHNICIANS
        began = time.monotonic()

        async def technician(i: int) -> None:
            await asyncio.sleep(i * gap)
            commanded[names[i]] = time.monotonic()
            status, _ = await rig.slash(customer_text(i), user=f"UBUSY{i:02d}")
            if status != 200:
                raise BenchError(f"/remote-support was answered {status}")
            await wait_until(lambda: _session_of(goto, names[i]) is not None, within=30)
            session = _session_of(goto, names[i])
            assert session is not None
            changes = (goto.start_session, goto.join_session, goto.end_session)
            for k, (change, words) in enumerate(zip(changes, WORDS, strict=True)):
                # The 72 changes spread evenly (about 0.8 a second at Slack's pace, within
                # chat.update's 50 a minute); each session's own 30 s apart.
                at = began + (CHANGES_FROM_S + (k * TECHNICIANS + i) * CHANGE_GAP_S) / scale
                await asyncio.sleep(max(0.0, at - time.monotonic()))
                change(session.session_token)
                changed[(names[i], words)] = time.monotonic()

        await asyncio.gather(*(technician(i) for i in range(TECHNICIANS)))

        def final() -> bool:
            shown = {card for card in map(_card, slack.calls) if card is not None}
            return all((name, "complete") in shown for name in names)

        await wait_until(final, within=600 / scale + 120, interval=0.2, what="final cards")
        await asyncio.sleep(max(2.0, 20 / scale))  # the last replies
        calls = list(slack.calls)

    start = min(commanded.values())
    card_at: dict[str, float] = {}
    link_at: dict[str, float] = {}
    for call in calls:
        if call.method != "chat.postMessage" or call.status != 200:
            continue
        channel = str(call.params.get("channel"))
        card = _card(call)
        if card is not None and channel == CHANNEL:
            card_at.setdefault(card[0], call.at)
        if channel.startswith("UBUSY"):
            link_at.setdefault(names[int(channel[5:])], call.at)
    if len(card_at) < TECHNICIANS or len(link_at) < TECHNICIANS:
        raise BenchError(f"cards {len(card_at)}, start links {len(link_at)} of {TECHNICIANS}")
    visible = [card_at[n] - commanded[n] for n in names]
    limit = DEFAULT_RATE_LIMITS["chat.postMessage"]
    rate = limit.per_minute / 60 * scale
    floor_at = _floor([commanded[n] for n in names], rate, limit.burst)
    order = sorted(names, key=lambda n: commanded[n])
    floor = max(at - commanded[n] for at, n in zip(floor_at, order, strict=True))

    stale: list[float] = []
    worst: list[tuple[float, str, str, float]] = []
    for (name, words), at in changed.items():
        shown = [
            c.at
            for c in calls
            if c.at >= at
            and (card := _card(c)) is not None
            and card[0] == name
            and card[1] in WORDS[WORDS.index(words) :]
        ]
        stale.append((min(shown) - at) if shown else math.inf)
        worst.append((stale[-1], name, words, at - start))

    channel_posts = [
        c
        for c in calls
        if c.method == "chat.postMessage" and c.params.get("channel") == CHANNEL and c.status == 200
    ]
    last_write = max(c.at for c in calls if c.status == 200)
    least = max(
        _floor([start] * len(channel_posts), rate, limit.burst)[-1] - start,
        max(changed.values()) - start,
    )
    limited = sum(1 for c in calls if c.status == 429)
    return {
        "busy_slack_scale": scale,
        "busy_card_visible_p50_s": round(statistics.median(visible), 2),
        "busy_card_visible_max_s": round(max(visible), 2),
        "busy_card_visible_floor_s": round(floor, 2),
        "busy_start_link_max_s": round(max(link_at[n] - commanded[n] for n in names), 2),
        "busy_stale_max_s": round(max(stale), 2),
        "busy_429_share": round(limited / max(1, len(calls)), 4),
        "busy_calls": len(calls),
        "busy_stale_worst": [
            {"stale_s": round(w[0], 2), "customer": w[1], "status": w[2], "at_s": round(w[3], 1)}
            for w in sorted(worst, reverse=True)[:3]
        ],
        "busy_channel_posts": len(channel_posts),
        "busy_done_ratio": round((last_write - start) / least, 2),
    }


async def _goto_phase(live: int, commands: int) -> dict[str, Any]:
    overrides: dict[str, Any] = {
        "poll_interval_young_s": 2.0,
        "poll_interval_active_s": 2.0,
        "poll_interval_idle_s": 2.0,
    }
    async with Rig(callbacks=False, **overrides) as rig:
        goto = rig.goto
        seeded = await create_standin_sessions(goto, live)
        assert rig.settings is not None and rig.settings.encryption_key is not None
        box = secret_box(rig.settings)
        now = utcnow()
        rows = []
        for i, session in enumerate(seeded):
            goto.start_session(session.session_token)
            rows.append(
                session_row(
                    10_000 + i,
                    now,
                    **live_values(session, box),
                    channel_id=f"CSEED{i % 50}",
                    next_poll_at=now + timedelta(seconds=i % 2),
                )
            )
        await insert_sessions(rig.database_url, rows)
        goto.requests.clear()
        await asyncio.sleep(4.0)  # the polls fill the budget
        sent: list[float] = []

        async def command(i: int) -> None:
            await asyncio.sleep(i * 2.0 / commands)
            sent.append(time.monotonic())
            await rig.slash(customer_text(20_000 + i), user=f"UCMD{i % 12:02d}")

        await asyncio.gather(*(command(i) for i in range(commands)))

        def created() -> list[float]:
            return [r.time for r in goto.requests if r.route == "create"]

        await wait_until(lambda: len(created()) >= commands, within=120, what="the creates")
        creates = sorted(created())
        polls = [r.time for r in goto.requests if r.route != "create" and r.time >= sent[0]]
        assert rig.settings is not None
        configured = rig.settings.gotoassist_rate_per_s
    span = max(creates[-1] - creates[0], 1e-3)
    waits = [at - when for at, when in zip(creates, sorted(sent), strict=True)]
    return {
        "busy_live_polled": live,
        "busy_commands": commands,
        "busy_gotoassist_rate_per_s": configured,
        "busy_create_rate_per_s": round((commands - 1) / span, 2),
        "busy_create_wait_max_s": round(max(waits), 2),
        "busy_polls_during_creates": sum(1 for t in polls if t <= creates[-1]),
    }


async def measure_busy(scale: float, live: int = 200, commands: int = 60) -> dict[str, Any]:
    progress(f"busy: {TECHNICIANS} technicians in one channel, Slack at {scale:g}x its pace")
    out = await _slack_phase(scale)
    progress(f"busy: {live} live polled sessions and {commands} commands in 2 s")
    out |= await _goto_phase(live, commands)
    return out
