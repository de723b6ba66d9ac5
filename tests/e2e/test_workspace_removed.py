"""The app removed from a workspace (`app_uninstalled`, or `tokens_revoked` for the bot token)
on one replica: every replica stops polling the workspace's sessions and refuses their
callbacks, and the workspace's linked GoTo tokens are erased from the shared database."""

from __future__ import annotations

import asyncio

import pytest

from sandbox.harness import post_slack, wait_until
from sandbox.signing import TEAM, event_callback_body, sign
from tests.e2e.helpers import query
from tests.oauth.helpers import (
    accounts,
    gets,
    link,
    oauth_rig,
    replica,
    slash,
    wait_card,
    wait_session,
)

FAST_POLLS = {
    "poll_interval_young_s": 0.5,
    "poll_interval_active_s": 0.5,
    "poll_interval_idle_s": 0.5,
}

EVENTS = {
    "app_uninstalled": {"type": "app_uninstalled"},
    "tokens_revoked": {"type": "tokens_revoked", "tokens": {"bot": ["B0SANDBOX"]}},
}


@pytest.mark.parametrize("event", sorted(EVENTS))
async def test_removal_on_one_replica_stops_the_other(postgres_url: str, event: str) -> None:
    async with oauth_rig(postgres_url, **FAST_POLLS) as rig, replica(rig) as other:
        await link(rig)
        await slash(rig, "Jane Doe jane@example.com")
        session = await wait_session(rig, "Jane Doe")
        await wait_card(rig, "Jane Doe")
        rig.goto.start_session(session.session_token)
        await wait_until(lambda: len(gets(rig)) >= 3, what="polls of the live session")
        assert len(await accounts(postgres_url)) == 1

        body = event_callback_body(EVENTS[event], team=TEAM)
        assert rig.http is not None
        status, _ = await post_slack(
            rig.http, other.base_url, body, sign(body), content_type="application/json"
        )
        assert status == 200

        await wait_until(lambda: _removed(postgres_url), what="the workspace recorded as removed")
        assert await accounts(postgres_url) == []  # the linked GoTo tokens are gone
        rows = await query(postgres_url, "SELECT next_poll_at, callback_token_hash FROM sessions")
        assert rows == [{"next_poll_at": None, "callback_token_hash": None}]

        # Neither replica asks GoToAssist about the workspace's sessions any more.
        await asyncio.sleep(1.0)  # a poll claimed just before the event may still finish
        polled = len(gets(rig))
        await asyncio.sleep(2.0)  # four poll intervals
        assert len(gets(rig)) == polled

        # A status callback for the session is refused by both replicas.
        deliveries = len(rig.goto.deliveries)
        rig.goto.join_session(session.session_token)
        await rig.goto.drain_callbacks()
        answered = [c.status for c in rig.goto.deliveries[deliveries:]]
        assert answered and all(s == 404 for s in answered), answered


async def _removed(database_url: str) -> bool:
    rows = await query(database_url, "SELECT team_id, removed_at FROM workspaces")
    return len(rows) == 1 and rows[0]["team_id"] == TEAM and rows[0]["removed_at"] is not None
