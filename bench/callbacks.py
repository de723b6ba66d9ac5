"""Status callbacks accepted per second at concurrency 32, on SQLite and on PostgreSQL.

N sessions are seeded as the app stores a created session (the stand-in holds them, with the
app's callback URL), with their card and join link already in the Slack stand-in. Each is
then taken through waiting -> active -> complete (every tenth is abandoned instead) in the
stand-in with its own deliveries off, and the bodies it would have sent are POSTed at the
callback URLs it recorded: per session in order, sessions interleaved at random, some
callbacks duplicated, as GoToAssist re-delivers.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.base import BenchError, progress
from bench.harness import AppPlan, LiveApp
from bench.processes import CpuMeter, LoadGen
from bench.seed import create_standin_sessions, insert_sessions, live_values, session_row
from bench.sizes import Sizes
from bench.stats import rounded, summary
from bot.crypto import hash_token, new_callback_token
from bot.store.types import utcnow
from sandbox.gotoassist import GoToAssistStandIn, StandInSession
from sandbox.harness import StandIns
from sandbox.signing import CHANNEL


def callback_items(
    sessions: list[StandInSession], goto: GoToAssistStandIn, sizes: Sizes, rng: random.Random
) -> list[tuple[str, str]]:
    """(callback URL, JSON body) pairs, per-session order kept, sessions interleaved."""
    goto.callbacks_enabled = False
    sequences: list[list[tuple[str, str]]] = []
    for i, session in enumerate(sessions):
        ref, url = session.session_token, session.callback_url
        if url is None:
            raise BenchError("a seeded session has no callback URL")
        bodies = [goto.start_session(ref).info()]
        if (i + 1) % sizes.callback_abandoned_every:
            bodies.append(goto.join_session(ref).info())
        bodies.append(goto.end_session(ref, notes=f"Fixed the printer of customer {i}.").info())
        sequence = []
        for body in bodies:
            encoded = json.dumps(body)
            sequence.append((url, encoded))
            if rng.random() < sizes.callback_duplicate_rate:
                sequence.append((url, encoded))
        sequences.append(sequence)
    slots = [i for i, sequence in enumerate(sequences) for _ in sequence]
    rng.shuffle(slots)
    cursors = [0] * len(sequences)
    out = []
    for i in slots:
        out.append(sequences[i][cursors[i]])
        cursors[i] += 1
    return out


async def measure_callbacks(
    sizes: Sizes, workdir: Path, loadgen: LoadGen, *, database_url: str | None, label: str
) -> dict[str, Any]:
    async with StandIns() as stand:
        plan = AppPlan(f"callbacks-{label}", workdir, stand, database_url=database_url)
        await plan.migrate()
        items: list[tuple[str, str]] = []
        n = sizes.callback_sessions
        async with plan.serve(while_starting=_seed(plan, sizes, items)) as live:
            warm, timed = items[: sizes.callback_warmup], items[sizes.callback_warmup :]
            progress(f"callbacks ({label}): {len(timed)} callbacks for {n} sessions")
            c = sizes.callback_concurrency
            await loadgen.run({"op": "post", "items": warm, "concurrency": c})
            pids = {"app": live.proc.pid, "loadgen": loadgen.pid, "bench": os.getpid()}
            with CpuMeter(pids) as cpu:
                result = await loadgen.run({"op": "post", "items": timed, "concurrency": c})
            statuses: dict[str, int] = result["statuses"]
            accepted = statuses.get("200", 0)
            if accepted < 0.99 * len(timed):
                raise BenchError(f"callbacks ({label}): only {accepted} accepted: {statuses}")
            per_s = accepted / result["elapsed_s"]
            progress(f"callbacks ({label}): {per_s:.0f}/s")
            drain = await _drain(live, sizes.outbox_drain_wait_s)
            final = await live.rows("SELECT status, count(*) FROM sessions GROUP BY status")
    return {
        "callbacks_per_s": rounded(per_s, 1),
        "samples": {"sessions": n, "callbacks_timed": len(timed), "concurrency": c},
        "details": {
            "elapsed_s": rounded(result["elapsed_s"], 3),
            "statuses": statuses,
            "changed": result["changed"],
            "unchanged": accepted - result["changed"],
            "latency_ms": summary(result["latencies_ms"]),
            "cpu_during_timed_run": cpu.result,
            "outbox_after_callbacks": drain,
            "final_status_counts": {str(status): int(count) for status, count in final},
            "settings": plan.settings(),
        },
    }


async def _seed(plan: AppPlan, sizes: Sizes, items: list[tuple[str, str]]) -> None:
    """Sessions in the stand-in and the database (while the app starts); fills ``items``."""
    rng = random.Random(4521)
    n = sizes.callback_sessions
    tokens = [new_callback_token() for _ in range(n)]
    goto = plan.goto
    sessions = await create_standin_sessions(
        goto, n, callback_urls=[plan.callback_url(t) for t in tokens]
    )
    now = utcnow()
    rows = []
    slack = plan.stand.slack
    for i, session in enumerate(sessions):
        assert session.callback_url is not None
        # The token is what the stand-in recorded: the app only ever stores its hash.
        token = session.callback_url.rsplit("/", 1)[1]
        # Live sessions already have their card, with the join link in its thread.
        card_ts = slack.add_bot_message(CHANNEL, f"Remote support for Customer {i}")
        slack.add_bot_message(CHANNEL, "Customer join link", thread_ts=card_ts)
        rows.append(
            session_row(
                i,
                now - timedelta(seconds=rng.uniform(5, 120)),
                **live_values(session, plan.box),
                callback_token_hash=hash_token(token),
                card_channel=CHANNEL,
                card_ts=card_ts,
                next_poll_at=now + timedelta(seconds=rng.uniform(0, 5)),
            )
        )
    await insert_sessions(plan.database_url, rows)
    items.extend(callback_items(sessions, goto, sizes, rng))


async def _drain(live: LiveApp, within: float) -> dict[str, Any]:
    """How long the Slack writes the callbacks queued took to go out (context, not a key)."""
    started = time.monotonic()
    pending = await live.outbox_pending()
    while pending and time.monotonic() - started < within:
        await asyncio.sleep(0.2)
        pending = await live.outbox_pending()
    due = await live.scalar(
        "SELECT count(*) FROM sessions WHERE next_poll_at IS NOT NULL AND next_poll_at <= :now",
        now=utcnow().replace(tzinfo=None)
        if live.plan.database_url.startswith("sqlite")
        else utcnow(),
    )
    return {
        "polls_due_not_done": int(due),  # confirming GETs queue behind GoToAssist's rate limit
        "drained": pending == 0,
        "waited_s": rounded(time.monotonic() - started, 2),
        "still_pending": pending,
        "slack_calls": len(live.slack.calls),
    }
