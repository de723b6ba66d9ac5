"""Resident memory of a ``remote-support serve`` subprocess holding 10,000 stored sessions,
1,000 of them live and being polled.

The schema comes from ``remote-support migrate``; the rows are written straight into the
tables. The live sessions exist in the GoToAssist stand-in (made over its API; a third not
started, a third waiting, a third active), are stored with the state the stand-in reports
and are due a poll, so polls find nothing new (steady state) and the poller runs flat out.
The rest are finished sessions of the last 30 days.
"""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.base import progress
from bench.harness import AppPlan
from bench.processes import run_cli
from bench.seed import create_standin_sessions, insert_sessions, live_values, session_row
from bench.sizes import Sizes
from bench.stats import rounded
from bot.crypto import SecretBox, hash_token, new_callback_token
from bot.store.types import utcnow
from sandbox.gotoassist import StandInSession
from sandbox.harness import StandIns
from sandbox.signing import CHANNEL


def _ms(moment: datetime) -> datetime:
    """GoToAssist reports times to the millisecond: store them the same, or polls see news."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _finished_row(i: int, now: datetime, box: SecretBox, rng: random.Random) -> dict[str, Any]:
    created = now - timedelta(seconds=rng.uniform(3600, 30 * 86400))
    started = created + timedelta(seconds=rng.uniform(10, 300))
    joined = started + timedelta(seconds=rng.uniform(10, 600))
    ended = joined + timedelta(seconds=rng.uniform(60, 3600))
    abandoned = i % 5 == 0
    return session_row(
        i,
        created,
        updated_at=ended,
        status="abandoned" if abandoned else "complete",
        goto_session_id=str(rng.randrange(10**8, 10**9)),
        launch_url_enc=box.encrypt(f"https://stand-in.invalid/launch/{secrets.token_urlsafe(16)}"),
        customer_join_url=f"https://stand-in.invalid/join/{rng.randrange(10**8, 10**9)}",
        expert_name="Stand-in Technician",
        started_at=started,
        customer_joined_at=None if abandoned else joined,
        ended_at=ended,
        notes=None if abandoned else f"Replaced the printer driver of customer {i}; test ok.",
        recording_url=None if abandoned else f"https://stand-in.invalid/rec/{i}",
        collaborators=None if abandoned else json.dumps(["Alex Smith"]),
        callback_token_hash=hash_token(new_callback_token()),
        card_channel=CHANNEL,
        card_ts=f"{1764288000 + i}.000100",
    )


def _live_row(
    i: int, session: StandInSession, now: datetime, box: SecretBox, rng: random.Random
) -> dict[str, Any]:
    values = live_values(session, box)
    values["expert_name"] = session.expert_name
    for key in ("started_at", "customer_joined_at"):
        if values[key] is not None:
            values[key] = _ms(values[key])
    return session_row(
        i,
        now - timedelta(seconds=rng.uniform(60, 3000)),
        **values,
        callback_token_hash=hash_token(new_callback_token()),
        card_channel=CHANNEL,
        card_ts=f"{1764288000 + i}.000100",
        next_poll_at=now - timedelta(seconds=rng.uniform(0, 60)),
    )


async def measure_rss(sizes: Sizes, workdir: Path) -> dict[str, Any]:
    rng = random.Random(10_000)
    async with StandIns() as stand:
        plan = AppPlan("rss", workdir, stand)
        _, live = await asyncio.gather(
            run_cli([sys.executable, "-m", "bot", "migrate"], plan.process().env, workdir),
            create_standin_sessions(stand.goto, sizes.rss_live),
        )
        stand.goto.callbacks_enabled = False
        for i, session in enumerate(live):
            if i % 3 >= 1:
                stand.goto.start_session(session.session_token)
            if i % 3 == 2:
                stand.goto.join_session(session.session_token)
        now = utcnow()
        rows = [_live_row(i, s, now, plan.box, rng) for i, s in enumerate(live)]
        rows += [_finished_row(i, now, plan.box, rng) for i in range(len(live), sizes.rss_sessions)]
        await insert_sessions(plan.database_url, rows)
        progress(f"rss: {len(rows)} sessions stored, {len(live)} live; serving")
        async with plan.process() as proc:
            started = time.monotonic()
            samples = [(0.0, proc.rss_mb())]
            while time.monotonic() - started < sizes.rss_poll_s:
                await asyncio.sleep(min(1.0, sizes.rss_poll_s / 4))
                samples.append((time.monotonic() - started, proc.rss_mb()))
            polls = sum(1 for r in stand.goto.requests if r.route == "get")
            slack_calls = len(stand.slack.calls)
    peak = max(mb for _, mb in samples)
    progress(f"rss: {peak:.1f} MiB after {polls} polls")
    return {
        "rss_mb": rounded(peak, 1),
        "samples": {
            "sessions_stored": len(rows),
            "sessions_live": len(live),
            "polling_s": sizes.rss_poll_s,
            "rss_samples": len(samples),
        },
        "details": {
            "rss_mb_first": rounded(samples[0][1], 1),
            "rss_mb_last": rounded(samples[-1][1], 1),
            "rss_mb_peak": rounded(peak, 1),
            "series_mb": [[rounded(t, 1), rounded(mb, 1)] for t, mb in samples],
            "polls_answered_by_gotoassist": polls,
            "slack_calls_while_polling": slack_calls,
        },
    }
