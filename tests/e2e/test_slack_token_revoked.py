"""When Slack refuses the bot token, writes stop (nothing is dropped) and /readyz says why."""

from __future__ import annotations

import asyncio

from sandbox.harness import Rig, wait_until
from tests.e2e.helpers import CHANNEL, quiet_rig, start_and_settle


async def _get(rig: Rig, path: str) -> tuple[int, str]:
    assert rig.http is not None
    async with rig.http.get(f"{rig.base_url}{path}") as response:
        return response.status, await response.text()


async def _pending_writes(rig: Rig) -> int:
    _status, text = await _get(rig, "/metrics")
    for line in text.splitlines():
        if line.startswith('remote_support_outbox_depth{state="pending"}'):
            return int(float(line.split()[-1]))
    raise AssertionError("no outbox depth metric")


async def test_revoked_token_pauses_writes_and_fails_readiness(sqlite_url: str) -> None:
    async with quiet_rig(sqlite_url) as rig:
        card, session = await start_and_settle(rig)
        rig.slack.revoke_token()
        rig.goto.start_session(session.session_token)
        await rig.goto.drain_callbacks()

        async def not_ready() -> bool:
            status, body = await _get(rig, "/readyz")
            return status == 503 and "token_revoked" in body

        await wait_until(not_ready, what="/readyz to report the refused token")
        refused = len([c for c in rig.slack.calls if c.error == "token_revoked"])
        await asyncio.sleep(2.5)  # several worker passes that must not keep writing
        assert len([c for c in rig.slack.calls if c.error == "token_revoked"]) == refused
        current = rig.slack.message(CHANNEL, card.ts)
        assert current is not None and current.text.endswith("not started")
        assert await _pending_writes(rig) >= 1  # kept for when the token works again
