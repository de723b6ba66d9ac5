"""``home_render_p99_ms``: one technician's App Home read and rendered (what each publish
costs the app) with 10,000 sessions stored in a team of 8 technicians over 30 days.

Times ``Surfaces.render`` in the bench process on a migrated SQLite file: the three queries
(their live sessions, their last 20 ended, the team's last 14 days) and the Block Kit. The
``views.publish`` call itself is Slack's time, not the app's, and is not included.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bench.base import progress
from bench.seed import insert_sessions, session_row
from bench.sizes import Sizes
from bench.stats import percentile, rounded, summary
from bot.clock import utcnow
from bot.slack.writer import SlackWriter
from bot.store.database import Database, make_engine
from bot.workers.surfaces import Surfaces
from sandbox.harness import StandIns, migrate
from sandbox.signing import TEAM

STORED = 10_000
TINY_STORED = 2_000  # the --tiny run (the test) only checks the phase runs
TECHNICIANS = 8
VIEWER = "UTECH0"
RENDERS = {"tiny": 30, "quick": 150}  # else 400


def _row(i: int, rng: random.Random) -> dict[str, Any]:
    now = utcnow()
    created = now - timedelta(seconds=rng.uniform(0, 30 * 86400))
    if i % 100 == 0:  # 1% live
        return session_row(i, created, status="active", started_at=created)
    started = created + timedelta(seconds=rng.uniform(5, 120))
    if i % 10 == 0:
        return session_row(i, created, status="abandoned", started_at=started, ended_at=started)
    joined = started + timedelta(seconds=rng.uniform(10, 600))
    ended = joined + timedelta(seconds=rng.uniform(60, 3600))
    return session_row(
        i,
        created,
        status="complete",
        started_at=started,
        customer_joined_at=joined,
        ended_at=ended,
        notes="fixed",
        card_channel="CSUPPORT",
        card_ts=f"{int(created.timestamp())}.{i:06d}",
    )


async def measure_home_render(sizes: Sizes, workdir: Path) -> dict[str, Any]:
    url = f"sqlite+aiosqlite:///{workdir / 'home.db'}"
    await migrate(url)
    rng = random.Random(13)
    stored = TINY_STORED if sizes.name == "tiny" else STORED
    await insert_sessions(url, [_row(i, rng) for i in range(stored)])
    renders = RENDERS.get(sizes.name, 400)
    engine = make_engine(url)
    timings: list[float] = []
    try:
        async with StandIns() as stand, aiohttp.ClientSession() as http:
            client = AsyncWebClient(
                token=stand.slack.bot_token, base_url=stand.slack.api_url, session=http
            )
            surfaces = Surfaces(Database(engine), SlackWriter(client))
            await surfaces.workspace_url()  # once per process: not part of a render
            for _ in range(5):  # warm-up: caches, compiled statements
                await surfaces.render(TEAM, VIEWER)
            for _ in range(renders):
                began = time.perf_counter()
                view = await surfaces.render(TEAM, VIEWER)
                timings.append((time.perf_counter() - began) * 1000)
    finally:
        await engine.dispose()
    progress(f"home: {renders} renders over {stored} stored sessions")
    return {
        "home_render_p99_ms": rounded(percentile(timings, 99)),
        "samples": {"renders": renders, "stored_sessions": stored},
        "details": {
            "p50_ms": rounded(percentile(timings, 50)),
            "summary_ms": summary(timings),
            "blocks": len(view["blocks"]),  # type: ignore[arg-type]
            "technicians": TECHNICIANS,
        },
    }


async def report_home(report: Any, sizes: Sizes, workdir: Path) -> None:
    """Put the measurement in ``python -m bench``'s report (``bench/__main__.py``)."""
    home = await measure_home_render(sizes, workdir)
    report.keys_from(home)
    report.samples["home"], report.details["home"] = home["samples"], home["details"]
    report.notes["home_render_p99_ms"] = (
        "Surfaces.render (three indexed queries and the Block Kit) for one of 8 technicians "
        "with 10,000 sessions stored over 30 days, in the bench process on SQLite; the "
        "views.publish call is Slack's time and is not included."
    )
