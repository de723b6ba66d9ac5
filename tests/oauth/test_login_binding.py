"""A sign-in link links the GoTo account of the person it was issued to, and nobody else's:
the GoTo account's e-mail must be the Slack user's, and the code is bound by PKCE."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlencode, urlsplit

from sandbox.signing import OAUTH_CLIENT_ID, TECH

from .helpers import (
    OTHER_EMAIL,
    TECH_EMAIL,
    accounts,
    as_text,
    get,
    grants,
    oauth_rig,
    walk,
)
from .test_state import assert_refused, setup_users, sign_in_link, state_of


async def test_a_colleague_who_follows_my_link_links_nothing(sqlite_url: str) -> None:
    """I send my sign-in link to a colleague; they sign in to GoTo as themselves. Their GoTo
    account must not end up acting for me."""
    async with oauth_rig(sqlite_url, gotoassist_access_token=None) as rig:
        setup_users(rig)
        rig.goto.oauth.approve_as(OTHER_EMAIL, auto_approve=True)  # the colleague signs in
        url = await sign_in_link(rig, user=TECH)
        steps = await walk(rig, url)

        assert_refused(steps.callback, "not the one with your Slack e-mail")
        assert OTHER_EMAIL not in steps.callback.text and TECH_EMAIL not in steps.callback.text
        assert await accounts(sqlite_url) == []
        (dm,) = rig.slack.dms(TECH)
        assert "was not linked" in as_text(dm) and OTHER_EMAIL not in as_text(dm)

        # Signing in as myself with a fresh link works.
        rig.goto.oauth.approve_as(TECH_EMAIL, auto_approve=True)
        steps = await walk(rig, await sign_in_link(rig, user=TECH))
        assert steps.callback.status == 200, steps.callback.text
        (row,) = await accounts(sqlite_url)
        assert (row["user_id"], row["principal"]) == (TECH, TECH_EMAIL)


async def test_an_admin_may_waive_the_email_match(sqlite_url: str) -> None:
    async with oauth_rig(sqlite_url, gotoassist_access_token=None, goto_link_any_email=True) as rig:
        setup_users(rig)
        rig.goto.oauth.approve_as(OTHER_EMAIL, auto_approve=True)
        steps = await walk(rig, await sign_in_link(rig, user=TECH))
        assert steps.callback.status == 200, steps.callback.text
        (row,) = await accounts(sqlite_url)
        assert (row["user_id"], row["principal"]) == (TECH, OTHER_EMAIL)


async def test_sign_in_uses_pkce_and_an_injected_code_links_nothing(sqlite_url: str) -> None:
    async with oauth_rig(sqlite_url, gotoassist_access_token=None) as rig:
        setup_users(rig)
        url = await sign_in_link(rig, user=TECH)
        start = await get(rig, url)
        assert start.location is not None
        query = parse_qs(urlsplit(start.location).query)
        assert query["code_challenge_method"] == ["S256"]
        assert len(query["code_challenge"][0]) == 43

        # Someone who got a code for their own authorize request (their own PKCE challenge)
        # slips it into my callback with my state: the app's verifier does not fit it.
        verifier = "attacker-verifier-" + "x" * 30
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        theirs = {
            "client_id": OAUTH_CLIENT_ID,
            "response_type": "code",
            "redirect_uri": f"{rig.base_url}/goto/oauth/callback",
            "state": state_of(url),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        injected = rig.goto.oauth.consent(
            f"{rig.goto.auth_url}/oauth/authorize?{urlencode(theirs)}", user=TECH_EMAIL
        )
        assert_refused(await get(rig, injected))
        (exchange,) = grants(rig, "authorization_code")
        assert exchange.outcome != "ok"
        assert await accounts(sqlite_url) == []
