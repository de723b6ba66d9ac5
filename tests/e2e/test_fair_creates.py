"""Creates take turns by technician: one technician's burst beside a colleague's command does
not hold the colleague's create back more than one slot of the GoToAssist budget."""

from __future__ import annotations

import asyncio
import time

from sandbox.harness import Rig, wait_until
from tests.e2e.helpers import OTHER, TECH


async def test_a_colleagues_create_waits_for_one_slot_at_most_beside_a_burst(
    sqlite_url: str,
) -> None:
    # One request per ~0.8 s: the burst's creates queue for the budget.
    async with Rig(database_url=sqlite_url, gotoassist_rate_per_s=1.5) as rig:
        burst = [rig.slash(f"Burst Customer{i}", user=TECH) for i in range(6)]
        assert all(status == 200 for status, _ in await asyncio.gather(*burst))
        await wait_until(
            lambda: any(r.route == "create" for r in rig.goto.requests), what="the first create"
        )
        sent = time.monotonic()
        status, _ = await rig.slash("Colleague Customer", user=OTHER)
        assert status == 200

        def creates() -> list[tuple[float, str]]:
            return sorted(
                (r.time, str((r.json or {}).get("customerName", "")))
                for r in rig.goto.requests
                if r.route == "create"
            )

        await wait_until(lambda: len(creates()) == 7, within=30, what="every create")
        order = [name for at, name in creates() if at >= sent]
        # Sent after the colleague asked, before the colleague's own: one of the burst at most.
        assert order.index("Colleague Customer") <= 1, order
        assert len(order) >= 3  # the burst was still queued when the colleague asked
