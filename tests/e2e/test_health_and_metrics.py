"""Liveness, readiness and the Prometheus metrics an operator watches."""

from __future__ import annotations

import re

from sandbox.harness import Rig, wait_until
from tests.e2e.helpers import CHANNEL, start_and_settle, wait_status

METRICS = (
    "remote_support_commands_total",
    "remote_support_callbacks_total",
    "remote_support_slack_calls_total",
    "remote_support_gotoassist_calls_total",
    "remote_support_outbox_depth",
)


async def test_health_readiness_and_metrics_after_a_flow(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        assert rig.http is not None
        async with rig.http.get(f"{rig.base_url}/healthz") as response:
            assert response.status == 200
        async with rig.http.get(f"{rig.base_url}/readyz") as response:
            assert response.status == 200
            ready = await response.json()
        assert ready["ok"] is True
        assert ready["checks"]["database"] == "ok"

        card, session = await start_and_settle(rig)
        rig.goto.start_session(session.session_token)
        await wait_status(rig, card, "waiting")
        await wait_until(
            lambda: len(rig.slack.thread(CHANNEL, card.ts)) >= 2, what="the waiting reply"
        )

        async with rig.http.get(f"{rig.base_url}/metrics") as response:
            assert response.status == 200
            assert response.content_type.startswith("text/plain")
            exposition = await response.text()
        for name in METRICS:
            # A sample line, not just the HELP/TYPE header.
            assert re.search(rf"^{name}(\{{[^}}]*\}})? \S+$", exposition, re.M), name
        assert re.search(
            r'^remote_support_callbacks_total\{outcome="changed"\} [1-9]', exposition, re.M
        )
        assert re.search(
            r'^remote_support_slack_calls_total\{method="chat.update",outcome="ok"\} [1-9]',
            exposition,
            re.M,
        )
        assert re.search(r'^remote_support_outbox_depth\{state="pending"\} \S+', exposition, re.M)
