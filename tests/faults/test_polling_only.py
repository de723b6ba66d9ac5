"""Scenario 9: no callbacks at all (PUBLIC_BASE_URL unset). Fifty sessions reach their final
cards by polling alone, under GoToAssist's own rate limit (10 requests/s per token), which
the app's client limiter must keep it under: not one 429."""

from __future__ import annotations

import asyncio
import time

from sandbox.harness import Rig, wait_until
from tests.e2e.helpers import query
from tests.faults.helpers import (
    Lifecycle,
    card_of,
    command_text,
    creates,
    customer,
    expect_invariants,
    settle,
)

SESSIONS = 50
CHANNELS = [f"CPOLL{i}" for i in range(5)]


async def test_fifty_sessions_by_polling_alone() -> None:
    names = [customer(i) for i in range(SESSIONS)]
    async with Rig(
        callbacks=False,
        session_expiry_s=10.0,
        poll_interval_young_s=1.0,
        poll_interval_active_s=1.0,
        poll_interval_idle_s=2.0,
        gotoassist_timeout_s=5.0,
    ) as rig:
        assert rig.goto.rate_limit_per_s == 10.0  # the stand-in's limit stays on
        life = Lifecycle(rig.goto)
        began = time.monotonic()
        acks = await asyncio.gather(
            *(
                rig.slash(command_text(i), user=f"UTECH{i % 5}", channel=CHANNELS[i % 5])
                for i in range(SESSIONS)
            )
        )
        assert [status for status, _ in acks] == [200] * SESSIONS
        await wait_until(
            lambda: all(card_of(rig.slack, n) for n in names),
            within=60,
            interval=0.2,
            what="fifty cards",
        )
        print(f"\n{SESSIONS} cards posted after {time.monotonic() - began:.1f}s")

        completing = [n for i, n in enumerate(names) if i % 5 in (1, 2)]
        abandoning = [n for i, n in enumerate(names) if i % 5 in (3, 4)]
        expiring = [n for i, n in enumerate(names) if i % 5 == 0]
        for name in completing + abandoning:
            life.start(name)
        await asyncio.sleep(2.0)
        for name in completing:
            life.join(name)
        await asyncio.sleep(2.0)
        for name in completing + abandoning:
            life.end(name)
        for name in expiring:
            life.left_to_expire(name)

        await wait_until(
            lambda: life.all_final(rig.slack, names), within=90, interval=0.5, what="final cards"
        )
        print(f"all {SESSIONS} cards final after {time.monotonic() - began:.1f}s")
        await settle(1.0)

        too_many = [r for r in rig.goto.requests if r.status == 429]
        gets = [r for r in rig.goto.requests if r.route == "get"]
        print(
            f"GoToAssist requests: {len(creates(rig.goto))} creates, {len(gets)} GETs, "
            f"{len(too_many)} answered 429"
        )
        assert too_many == [], "the app went over GoToAssist's rate limit"
        expect_invariants(rig.slack, rig.goto, life, names, commands=SESSIONS, label="polling only")
        # A session nobody started keeps no start link once it expired.
        rows = await query(rig.database_url, "SELECT expired, launch_url_enc FROM sessions")
        expired = [row for row in rows if row["expired"]]
        assert len(expired) == len(expiring)
        assert all(row["launch_url_enc"] is None for row in expired)
