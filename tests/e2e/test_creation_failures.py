"""When GoToAssist will not create a session, the technician is told why, privately, and
nothing public or live is left behind."""

from __future__ import annotations

import asyncio

import pytest

from sandbox.harness import Rig, wait_until
from tests.e2e.helpers import CHANNEL, TECH, rendered, session_rows

TIMEOUT_S = 1.5

# (fault, words the technician must read) - sentences of bot/gotoassist/errors.py
CASES = {
    "400": (400, "refused the request as incomplete"),
    "401": (401, "rejected the access token"),
    "403": (403, "denied access"),
    "404": (404, "404 Not Found"),
    "500": (500, "internal error (HTTP 500)"),
    "timeout": (None, f"did not answer within {TIMEOUT_S:g} seconds"),
}


def _private_notices(rig: Rig) -> list[str]:
    """What only the technician can read: ephemerals to them and their DM with the app."""
    return [rendered(m) for m in rig.slack.ephemerals(user=TECH)] + [
        rendered(m) for m in rig.slack.dms(TECH)
    ]


@pytest.mark.parametrize("case", list(CASES))
async def test_failed_creation_is_explained_privately_and_leaves_nothing_live(
    database_url: str, case: str
) -> None:
    fault, words = CASES[case]
    async with Rig(database_url=database_url, gotoassist_timeout_s=TIMEOUT_S) as rig:
        if fault is None:
            rig.goto.set_latency("create", TIMEOUT_S + 3)
        else:
            rig.goto.fail_next("create", fault)

        status, _ack = await rig.slash("Olga Petrova olga@example.com #4521", user=TECH)
        assert status == 200

        await wait_until(
            lambda: any("not created" in n for n in _private_notices(rig)),
            within=15,
            what="the private 'not created' notice",
        )
        notices = [n for n in _private_notices(rig) if "not created" in n]
        assert len(notices) == 1, notices
        assert words in notices[0], notices[0]
        assert "Olga Petrova" in notices[0]

        # GoToAssist was asked once (a create is never retried blindly).
        assert len([r for r in rig.goto.requests if r.route == "create"]) == 1
        await asyncio.sleep(0.3)  # room for a wrong public post to show up

        # Nothing public: no card, no thread, nothing anyone else can read.
        assert rig.slack.messages(CHANNEL) == []
        assert [m for m in rig.slack.ephemerals() if m.user != TECH] == []
        assert not any(
            c.params.get("channel") == CHANNEL for c in rig.slack.calls_to("chat.postMessage")
        )

        # Stored as failed, with no way left for a callback to reach it.
        rows = await session_rows(database_url)
        assert len(rows) == 1
        assert rows[0]["creation"] == "failed"
        assert rows[0]["callback_token_hash"] is None
        assert rows[0]["card_ts"] is None
        assert rows[0]["launch_url_enc"] is None

        # `/remote-support list` does not show it as a live session.
        _, _ = await rig.slash("list", user=TECH)
        await wait_until(lambda: bool(rig.slack.responses), what="the list answer")
        listed = str(rig.slack.responses[-1])
        assert "Olga Petrova" not in listed, listed
        assert "not started" not in listed, listed
