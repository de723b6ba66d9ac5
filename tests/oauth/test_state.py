"""The OAuth ``state`` protects the link: a forged, replayed, expired or re-bound state gets
an error page (400) and nothing is stored, and GoTo's code is never even exchanged."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import datetime, timedelta
from unittest.mock import patch
from urllib.parse import parse_qs, urlencode, urlsplit

from bot.accounts.state import StateSigner
from bot.app import state_key
from bot.store import accounts as account_store
from bot.store.database import Database, make_engine
from bot.store.types import utcnow
from sandbox.harness import Rig
from sandbox.signing import TEAM

from .helpers import (
    OTHER,
    OTHER_EMAIL,
    TECH,
    TECH_EMAIL,
    Hop,
    accounts,
    callback_with_code,
    get,
    grants,
    link,
    login_button_url,
    oauth_rig,
    slash,
    state_claims,
    to_callback,
    wait_response,
    walk,
)

REFUSED = "Your GoTo account was not linked"


async def sign_in_link(rig: Rig, user: str = TECH) -> str:
    """The start URL of the button `/remote-support login` answers ``user`` with."""
    command = await slash(rig, "login", user=user)
    url = login_button_url(await wait_response(rig, command))
    assert url is not None
    return url


def state_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["state"][0]


def start_url(rig: Rig, state: str) -> str:
    return f"{rig.base_url}/goto/oauth/start?{urlencode({'state': state})}"


def assert_refused(hop: Hop, why: str = "", *, case: str = "") -> None:
    """An error page (400) saying nothing was linked (and ``why``), never a redirect."""
    assert hop.status == 400, f"{case} {hop.url}: {hop.status} {hop.text[:300]}"
    assert hop.location is None, case
    assert REFUSED in hop.text, case
    assert why.lower() in hop.text.lower(), f"{case}: {hop.text}"


def signer_for(rig: Rig) -> StateSigner:
    """A signer with the app's own key (bot.app.state_key): states the app would issue."""
    assert rig.settings is not None
    return StateSigner(state_key(rig.settings))


async def store_state(
    database_url: str, signer: StateSigner, team: str, user: str, when: datetime
) -> str:
    """Issue a state as of ``when`` and record it as the app's LoginLinks does."""
    state, claims = signer.issue(team, user, when)
    engine = make_engine(database_url)
    try:
        async with Database(engine).write() as db:
            account_store.save_state(db, claims)
    finally:
        await engine.dispose()
    return state


def setup_users(rig: Rig) -> None:
    rig.goto.oauth.add_user(TECH_EMAIL)
    rig.goto.oauth.add_user(OTHER_EMAIL)
    rig.goto.oauth.approve_as(TECH_EMAIL, auto_approve=True)


async def test_forged_states_are_refused(sqlite_url: str) -> None:
    async with oauth_rig(sqlite_url, gotoassist_access_token=None) as rig:
        setup_users(rig)
        genuine_url = await sign_in_link(rig)
        genuine = state_of(genuine_url)
        body, _, signature = genuine.partition(".")
        claims = state_claims(genuine)
        claims["u"] = OTHER
        other_body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        forgeries = {
            "signature changed": f"{body}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}",
            "user changed, old signature": f"{other_body}.{signature}",
            "no signature": body,
            "garbage": "not-a-state",
            "empty": "",
        }
        for name, forged in forgeries.items():
            assert_refused(await get(rig, start_url(rig, forged)), case=name)
            # Even with a genuine, unused code from GoTo, the callback refuses it.
            callback = await get(rig, callback_with_code(rig, forged, TECH_EMAIL))
            assert_refused(callback, case=name)
        missing = await get(rig, f"{rig.base_url}/goto/oauth/callback?code=abc")
        assert_refused(missing)

        assert await accounts(sqlite_url) == []
        assert grants(rig, "authorization_code") == []
        assert not rig.slack.dms(TECH) and not rig.slack.dms(OTHER)

        # None of that spent the genuine link.
        steps = await walk(rig, genuine_url)
        assert steps.callback.status == 200, steps.callback.text
        (row,) = await accounts(sqlite_url)
        assert row["user_id"] == TECH


async def test_replayed_callback_is_refused_and_changes_nothing(database_url: str) -> None:
    async with oauth_rig(database_url, gotoassist_access_token=None) as rig:
        steps = await link(rig)
        (before,) = await accounts(database_url)
        dms = len(rig.slack.dms(TECH))

        again = await get(rig, steps.callback_url)
        assert_refused(again, "used already")

        # The same state with a fresh code (someone who saw the URL signs in as themselves).
        rig.goto.oauth.add_user(OTHER_EMAIL)
        state = state_of(steps.callback_url)
        hijack = await get(rig, callback_with_code(rig, state, OTHER_EMAIL))
        assert_refused(hijack, "used already")

        assert await accounts(database_url) == [before]
        assert len(grants(rig, "authorization_code")) == 1  # no second code was exchanged
        assert len(rig.slack.dms(TECH)) == dms


async def test_simultaneous_uses_of_one_callback_link_only_once(database_url: str) -> None:
    async with oauth_rig(database_url, gotoassist_access_token=None) as rig:
        setup_users(rig)
        _start, authorize = await to_callback(rig, await sign_in_link(rig))
        assert authorize.location is not None
        hops = await asyncio.gather(*(get(rig, authorize.location) for _ in range(5)))
        assert sorted(h.status for h in hops) == [200, 400, 400, 400, 400]
        assert len(grants(rig, "authorization_code")) == 1
        (row,) = await accounts(database_url)
        assert (row["user_id"], row["principal"]) == (TECH, TECH_EMAIL)


async def test_expired_state_is_refused(sqlite_url: str) -> None:
    async with oauth_rig(sqlite_url, gotoassist_access_token=None) as rig:
        setup_users(rig)
        signer = signer_for(rig)
        # Issued (and recorded) eleven minutes ago: its ten minutes are over.
        stale = await store_state(sqlite_url, signer, TEAM, TECH, utcnow() - timedelta(minutes=11))
        assert_refused(await get(rig, start_url(rig, stale)), "expired")
        assert_refused(await get(rig, callback_with_code(rig, stale, TECH_EMAIL)), "expired")
        assert await accounts(sqlite_url) == []
        assert grants(rig, "authorization_code") == []

        # Control: the same signer and record, issued now, is accepted, so only time refused it.
        fresh = await store_state(sqlite_url, signer, TEAM, TECH, utcnow())
        steps = await walk(rig, start_url(rig, fresh))
        assert steps.callback.status == 200, steps.callback.text
        assert len(await accounts(sqlite_url)) == 1


async def test_state_is_bound_to_the_workspace_and_user_it_was_issued_for(
    database_url: str,
) -> None:
    """A validly signed state naming another user (or workspace) with Sam's nonce: the
    stored record says whose it is, so it is refused and Sam's link still works."""
    async with oauth_rig(database_url, gotoassist_access_token=None) as rig:
        setup_users(rig)
        genuine_url = await sign_in_link(rig, TECH)
        nonce = state_claims(state_of(genuine_url))["n"]
        signer = signer_for(rig)
        with patch("bot.accounts.state.secrets.token_urlsafe", return_value=nonce):
            as_other, _ = signer.issue(TEAM, OTHER, utcnow())
            other_team, _ = signer.issue("T0ELSEWHERE", TECH, utcnow())
        for rebound in (as_other, other_team):
            hop = await get(rig, callback_with_code(rig, rebound, OTHER_EMAIL))
            assert_refused(hop)
        assert await accounts(database_url) == []
        assert grants(rig, "authorization_code") == []

        steps = await walk(rig, genuine_url)
        assert steps.callback.status == 200, steps.callback.text
        (row,) = await accounts(database_url)
        assert (row["team_id"], row["user_id"], row["principal"]) == (TEAM, TECH, TECH_EMAIL)
