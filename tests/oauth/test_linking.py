"""Linking a technician's own GoTo account, and whose account starts their sessions: theirs
once linked, the shared one (said on the card) or a sign-in prompt when not, nothing after
logout."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sandbox.gotoassist import token_fingerprint
from sandbox.harness import wait_until
from sandbox.signing import GOTO_TOKEN, TEAM

from .helpers import (
    CHANNEL,
    OTHER,
    SHARED_BLOCK,
    START_TEXT,
    TECH,
    TECH_EMAIL,
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
    public_messages,
    sessions,
    slash,
    wait_card,
    wait_response,
    wait_session,
    walk,
)


async def test_linked_technician_hosts_their_own_sessions(database_url: str) -> None:
    # A shared token is configured too: a linked technician must still use their own account.
    async with oauth_rig(database_url, poll_interval_young_s=0.5) as rig:
        steps = await link(rig)

        # The browser went app -> GoTo authorize -> app callback, with one code exchange at
        # GoTo's token endpoint, client credentials and all.
        query = parse_qs(urlsplit(steps.start.location or "").query)
        assert query["redirect_uri"] == [f"{rig.base_url}/goto/oauth/callback"]
        assert query["response_type"] == ["code"]
        (exchange,) = grants(rig, "authorization_code")
        assert (exchange.outcome, exchange.account) == ("ok", TECH_EMAIL)
        assert f"as {TECH_EMAIL}" in steps.callback.text
        assert any(TECH_EMAIL in as_text(m) for m in rig.slack.dms(TECH)), "no 'linked' DM"

        (row,) = await accounts(database_url)
        assert (row["team_id"], row["user_id"], row["principal"]) == (TEAM, TECH, TECH_EMAIL)
        assert row["revoked"] in (False, 0)

        command = await slash(rig, START_TEXT)
        assert command.status == 200
        session = await wait_session(rig, "Jane Doe")
        card = await wait_card(rig, "Jane Doe")

        (create,) = creates(rig)
        assert create.account == TECH_EMAIL, "the session was not created with Sam's token"
        assert create.token_fingerprint != token_fingerprint(GOTO_TOKEN)
        assert create.status == 200
        assert session.expert_email == TECH_EMAIL
        assert SHARED_BLOCK not in block_ids(card)
        assert "shared GoToAssist account" not in as_text(card)
        (stored,) = await sessions(database_url)
        assert stored["goto_account"] is not None

        # Following the session (polling) uses the same technician's token.
        await wait_until(lambda: bool(gets(rig)), what="a poll of the session")
        assert {r.account for r in gets(rig)} == {TECH_EMAIL}
        assert not rig.slack.responses_to(command.key), "the technician was told something"


async def test_unlinked_technician_without_shared_account_gets_the_sign_in_link(
    database_url: str,
) -> None:
    async with oauth_rig(database_url, gotoassist_access_token=None) as rig:
        command = await slash(rig, START_TEXT)
        assert command.status == 200
        prompt = await wait_response(rig, command)

        url = login_button_url(prompt)
        assert url is not None, f"no sign-in button: {prompt}"
        assert url.startswith(f"{rig.base_url}/goto/oauth/start?state=")
        assert prompt.get("response_type", "ephemeral") == "ephemeral"
        assert "/remote-support login" in as_text(prompt)
        assert not creates(rig)
        assert not rig.goto.sessions
        assert not public_messages(rig)
        assert not await sessions(database_url)

        # The prompt's link is a working sign-in link; afterwards the same command works.
        rig.goto.oauth.add_user(TECH_EMAIL)
        rig.goto.oauth.approve_as(TECH_EMAIL, auto_approve=True)
        steps = await walk(rig, url)
        assert steps.callback.status == 200, steps.callback.text
        await slash(rig, START_TEXT)
        await wait_card(rig, "Jane Doe")
        (create,) = creates(rig)
        assert create.account == TECH_EMAIL


async def test_unlinked_technician_uses_the_shared_account_and_the_card_says_so(
    sqlite_url: str,
) -> None:
    async with oauth_rig(sqlite_url) as rig:
        command = await slash(rig, START_TEXT)
        session = await wait_session(rig, "Jane Doe")
        card = await wait_card(rig, "Jane Doe")

        (create,) = creates(rig)
        assert create.account is None
        assert create.token_fingerprint == token_fingerprint(GOTO_TOKEN)
        assert session.expert_email != TECH_EMAIL
        assert SHARED_BLOCK in block_ids(card)
        assert "shared GoToAssist account" in as_text(card)
        assert not rig.slack.responses_to(command.key), "no sign-in prompt with a shared account"


async def test_sign_in_link_links_the_slack_user_it_was_issued_to(sqlite_url: str) -> None:
    """Whoever follows Sam's link, it links *Sam's* Slack user (the state names him)."""
    async with oauth_rig(sqlite_url, gotoassist_access_token=None) as rig:
        await link(rig, user=TECH, email=TECH_EMAIL)

        (row,) = await accounts(sqlite_url)
        assert (row["user_id"], row["principal"]) == (TECH, TECH_EMAIL)
        assert not rig.slack.dms(OTHER)

        # Someone else is still unlinked: offered the sign-in link, nothing created.
        other = await slash(rig, START_TEXT, user=OTHER)
        prompt = await wait_response(rig, other)
        assert login_button_url(prompt) is not None
        assert not creates(rig)

        await slash(rig, "Kim Lee", user=TECH)
        await wait_card(rig, "Kim Lee")
        (create,) = creates(rig)
        assert create.account == TECH_EMAIL
        assert card_for(rig, "Jane Doe") is None


async def test_logout_forgets_the_tokens_and_the_next_command_asks_to_link_again(
    database_url: str,
) -> None:
    async with oauth_rig(database_url, gotoassist_access_token=None) as rig:
        await link(rig)
        assert len(await accounts(database_url)) == 1

        logout = await slash(rig, "logout")
        assert logout.status == 200
        said = await wait_response(rig, logout)
        assert "unlinked" in as_text(said) and "GoTo revoked" in as_text(said)
        assert await accounts(database_url) == []
        # The grant is revoked at GoTo too: its refresh token no longer works there.
        (revoke,) = [r for r in rig.goto.oauth.token_requests if r.endpoint == "revoke"]
        assert revoke.status == 200 and revoke.account == TECH_EMAIL
        assert all(grant.revoked for grant in rig.goto.oauth._grants.values())

        command = await slash(rig, START_TEXT)
        prompt = await wait_response(rig, command)
        assert login_button_url(prompt) is not None
        assert "/remote-support login" in as_text(prompt)
        assert not creates(rig)
        assert not rig.slack.messages(CHANNEL)


async def test_logout_forgets_the_tokens_even_when_goto_cannot_revoke_them(
    sqlite_url: str,
) -> None:
    async with oauth_rig(sqlite_url, gotoassist_access_token=None) as rig:
        await link(rig)
        rig.goto.fail_next("revoke", 503)
        logout = await slash(rig, "logout")
        said = as_text(await wait_response(rig, logout))
        assert "unlinked" in said and "did not confirm" in said
        assert await accounts(sqlite_url) == []
