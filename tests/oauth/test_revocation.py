"""A grant revoked at GoTo: the technician is asked to link again, privately; sessions they
started say on their card that they can no longer be followed, and the technician is told
by DM how to link again."""

from __future__ import annotations

import asyncio

from sandbox.harness import wait_until

from .helpers import (
    START_TEXT,
    TECH,
    TECH_EMAIL,
    TRACKING_LOST_BLOCK,
    accounts,
    as_text,
    block_ids,
    card_for,
    creates,
    gets,
    grants,
    link,
    login_button_url,
    oauth_rig,
    private_to,
    public_messages,
    sessions,
    slash,
    wait_card,
    wait_response,
)

LOGIN = "/remote-support login"


async def test_revoked_grant_asks_the_technician_to_link_again(database_url: str) -> None:
    async with oauth_rig(database_url, gotoassist_access_token=None) as rig:
        await link(rig)
        rig.goto.oauth.revoke_user(TECH_EMAIL)  # the app still believes its token is good
        command = await slash(rig, START_TEXT)
        assert command.status == 200

        def told() -> bool:
            notes = [m for m in private_to(rig, TECH) if "Jane Doe" in as_text(m)]
            return any(LOGIN in as_text(m) for m in notes)

        await wait_until(told, what="a private message telling Sam to link again")
        # GoToAssist refused the token (401), the one refresh was refused (invalid_grant):
        # nothing was created, and nothing about it is public.
        assert [c.status for c in creates(rig)] == [401]
        assert [r.outcome for r in grants(rig, "refresh_token")] == ["invalid_grant"]
        assert not rig.goto.sessions
        assert not public_messages(rig), [m.text for m in public_messages(rig)]
        (row,) = await accounts(database_url)
        assert row["revoked"] in (True, 1)

        # The next command does not even try GoToAssist: it offers the sign-in link.
        again = await slash(rig, START_TEXT)
        prompt = await wait_response(rig, again)
        assert login_button_url(prompt) is not None, prompt
        assert LOGIN in as_text(prompt)
        assert len(creates(rig)) == 1
        assert len(grants(rig, "refresh_token")) == 1
        assert not public_messages(rig)


async def test_live_session_of_a_revoked_account_can_no_longer_be_followed(
    database_url: str,
) -> None:
    async with oauth_rig(
        database_url,
        gotoassist_access_token=None,
        poll_interval_young_s=0.5,
        poll_interval_active_s=0.5,
    ) as rig:
        await link(rig)
        await slash(rig, START_TEXT)
        card = await wait_card(rig, "Jane Doe", says="not started")
        await wait_until(lambda: bool(gets(rig)), what="the session to be polled")
        assert TRACKING_LOST_BLOCK not in block_ids(card)
        dms_before = len(rig.slack.dms(TECH))

        rig.goto.oauth.revoke_user(TECH_EMAIL)

        def card_says_lost() -> bool:
            current = card_for(rig, "Jane Doe")
            return current is not None and TRACKING_LOST_BLOCK in block_ids(current)

        await wait_until(card_says_lost, what="the card to say it can no longer follow")
        current = card_for(rig, "Jane Doe")
        assert current is not None
        assert "can no longer follow" in as_text(current)
        assert LOGIN in as_text(current)

        def dm_tells_how() -> bool:
            new = rig.slack.dms(TECH)[dms_before:]
            return any("can no longer be followed" in m.text and LOGIN in m.text for m in new)

        await wait_until(dm_tells_how, what="a DM telling Sam how to link again")
        (row,) = await accounts(database_url)
        assert row["revoked"] in (True, 1)
        (stored,) = await sessions(database_url)
        assert stored["tracking_lost"] in (True, 1)
        assert stored["next_poll_at"] is None

        # Polling stopped: nobody keeps hammering GoToAssist (or GoTo) with a dead grant.
        polls, refreshes = len(gets(rig)), len(grants(rig, "refresh_token"))
        await asyncio.sleep(2.0)
        assert len(gets(rig)) == polls
        assert len(grants(rig, "refresh_token")) == refreshes == 1
        # Said once: one DM, one card edit saying so.
        lost_dms = [m for m in rig.slack.dms(TECH) if "can no longer be followed" in m.text]
        assert len(lost_dms) == 1
