"""Who may start sessions: guests, people of another organisation and people outside the
configured user groups are refused privately, and nothing reaches GoToAssist."""

from __future__ import annotations

import asyncio
from typing import Any

from sandbox.harness import Rig, wait_until
from tests.e2e.helpers import CHANNEL, OTHER, TECH, cards, session_rows, start_and_settle

MACHINE = "3f2a9c4e-8b1d-4e6f-a0c2-5d7e9b1f3a60"


async def refused(rig: Rig, text: str, *, user: str, database_url: str) -> str:
    """Run the command as ``user``; return the private refusal, checking nothing started."""
    seen = len(rig.slack.responses)
    status, _ack = await rig.slash(text, user=user)
    assert status == 200
    await wait_until(lambda: len(rig.slack.responses) > seen, what="the private refusal")
    answer: dict[str, Any] = rig.slack.responses[-1]
    assert answer["response_type"] == "ephemeral"
    await asyncio.sleep(0.3)  # room for a wrongly started session to show
    assert [r for r in rig.goto.requests if r.method == "POST"] == []
    assert [r for r in await session_rows(database_url) if r["requester_id"] == user] == []
    assert cards(rig, CHANNEL) == []
    return str(answer["text"])


async def test_guests_and_other_organisations_never_start(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        rig.slack.set_user(OTHER, is_restricted=True)
        assert "Guest" in await refused(rig, "Jane Doe", user=OTHER, database_url=sqlite_url)
        rig.slack.set_user("UGUEST1", is_ultra_restricted=True)
        assert "Guest" in await refused(rig, "Jane Doe", user="UGUEST1", database_url=sqlite_url)
        rig.slack.set_user("UCONNECT", is_stranger=True, team_id="T0ELSEWHERE")
        answer = await refused(rig, "Jane Doe", user="UCONNECT", database_url=sqlite_url)
        assert "another organisation" in answer

        # A full member of the workspace starts as usual.
        await start_and_settle(rig, user=TECH)


async def test_only_members_of_the_allowed_groups_start(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url, allowed_user_groups="@tier2, S0ONCALL") as rig:
        rig.slack.set_usergroup("S0TIER2", "tier2", [TECH])
        rig.slack.set_usergroup("S0ONCALL", "oncall", ["UONCALL"])
        answer = await refused(rig, "Jane Doe", user=OTHER, database_url=sqlite_url)
        assert "@tier2 or @oncall" in answer

        await start_and_settle(rig, user=TECH)
        await start_and_settle(rig, "Joan Doe", user="UONCALL")
        # Cached: one users.info per person and one look-up per group, not one per command.
        await start_and_settle(rig, "Jim Doe", user=TECH)
        assert len([c for c in rig.slack.calls_to("users.info") if c.params["user"] == TECH]) == 1
        assert len(rig.slack.calls_to("usergroups.users.list")) == 2
        assert len(rig.slack.calls_to("usergroups.list")) == 1


async def test_the_shared_account_never_opens_a_machine(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        answer = await refused(
            rig, f"unattended {MACHINE} Jane Doe", user=TECH, database_url=sqlite_url
        )
        assert "your own GoTo account" in answer


async def test_unattended_groups_decide_who_opens_a_machine(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url, unattended_user_groups="tier2") as rig:
        rig.slack.set_usergroup("S0TIER2", "tier2", [TECH])
        answer = await refused(
            rig, f"unattended {MACHINE} Jane Doe", user=OTHER, database_url=sqlite_url
        )
        assert "@tier2" in answer

        status, _ = await rig.slash(f"unattended {MACHINE} Jane Doe", user=TECH)
        assert status == 200
        await wait_until(
            lambda: any(r.method == "POST" for r in rig.goto.requests), what="the create"
        )
        (create,) = [r for r in rig.goto.requests if r.method == "POST"]
        assert create.json["machineUuid"] == MACHINE


async def test_a_slack_outage_fails_closed(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        rig.slack.fail_next("users.info", status=503, count=3)
        answer = await refused(rig, "Jane Doe", user=TECH, database_url=sqlite_url)
        assert "could not confirm who you are" in answer
