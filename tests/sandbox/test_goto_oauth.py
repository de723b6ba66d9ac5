"""The GoToAssist stand-in's OAuth server: consent, code exchange, rotating refresh tokens,
expiry, revocation and faults, over loopback, together with the API the tokens unlock."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from yarl import URL

from sandbox.gotoassist import DEFAULT_TOKEN, GoToAssistStandIn

CLIENT_ID = "remote-support-app"
CLIENT_SECRET = "app-secret"
REDIRECT = "http://127.0.0.1:9/goto/oauth/callback"
ALICE = "alice.smith@example.test"
BOB = "bob@example.test"
INVALID_TOKEN = {"int_err_code": "InvalidToken", "msg": "Invalid token passed"}


def basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def g2a() -> AsyncIterator[GoToAssistStandIn]:
    async with GoToAssistStandIn(seed=5) as stand_in:
        stand_in.oauth.add_oauth_client(CLIENT_ID, CLIENT_SECRET, [REDIRECT])
        stand_in.oauth.add_user(ALICE)
        stand_in.oauth.add_user(BOB, first_name="Bob", last_name="Jones")
        yield stand_in


def authorize_url(
    g2a: GoToAssistStandIn,
    *,
    client_id: str = CLIENT_ID,
    redirect_uri: str = REDIRECT,
    state: str = "st-1",
    response_type: str = "code",
) -> URL:
    query = {
        "client_id": client_id,
        "response_type": response_type,
        "redirect_uri": redirect_uri,
        "state": state,
    }
    return URL(g2a.auth_url + "/oauth/authorize").with_query(query)


async def decide(
    http: aiohttp.ClientSession, url: URL, user: str | None, decision: str = "approve"
) -> aiohttp.ClientResponse:
    """What the consent form posts: the original query plus the user and the decision."""
    form = dict(url.query) | {"decision": decision}
    if user is not None:
        form["user"] = user
    async with http.post(url.with_query(None), data=form, allow_redirects=False) as resp:
        await resp.read()
        return resp


async def approve(http: aiohttp.ClientSession, g2a: GoToAssistStandIn, user: str) -> str:
    """The code the callback receives after ``user`` approves."""
    resp = await decide(http, authorize_url(g2a), user)
    assert resp.status == 302
    location = URL(resp.headers["Location"])
    assert location.query["state"] == "st-1"
    return location.query["code"]


async def token(
    http: aiohttp.ClientSession,
    g2a: GoToAssistStandIn,
    form: dict[str, str],
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    url = g2a.auth_url + "/oauth/token"
    async with http.post(url, data=form, headers=basic() if headers is None else headers) as resp:
        return resp.status, await resp.json()


async def exchange(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn, code: str, redirect_uri: str = REDIRECT
) -> tuple[int, dict[str, Any]]:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    return await token(http, g2a, form)


async def refresh(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn, refresh_token: str
) -> tuple[int, dict[str, Any]]:
    return await token(http, g2a, {"grant_type": "refresh_token", "refresh_token": refresh_token})


async def link(http: aiohttp.ClientSession, g2a: GoToAssistStandIn, user: str) -> dict[str, Any]:
    status, body = await exchange(http, g2a, await approve(http, g2a, user))
    assert status == 200, body
    return body


async def create(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn, headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    body = {"sessionType": "SCREEN_SHARING"}
    async with http.post(f"{g2a.base_url}/sessions", json=body, headers=headers) as resp:
        return resp.status, await resp.json()


async def get(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn, ref: str, headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    async with http.get(f"{g2a.base_url}/sessions/{ref}", headers=headers) as resp:
        return resp.status, await resp.json()


def outcomes(g2a: GoToAssistStandIn, grant_type: str) -> list[str]:
    return [r.outcome for r in g2a.oauth.token_requests if r.grant_type == grant_type]


# -- the code flow ------------------------------------------------------------------------------


async def test_full_code_flow(http: aiohttp.ClientSession, g2a: GoToAssistStandIn) -> None:
    assert g2a.auth_url == g2a.base_url.removesuffix("/G2A/rest/v1")
    url = authorize_url(g2a)
    async with http.get(url, allow_redirects=False) as resp:
        page = await resp.text()
    assert (resp.status, resp.content_type) == (200, "text/html")
    assert 'action="/oauth/authorize"' in page and ">Approve<" in page and ">Deny<" in page
    assert 'name="state" value="st-1"' in page and ALICE in page

    resp = await decide(http, url, ALICE)
    assert resp.status == 302
    location = URL(resp.headers["Location"])
    assert str(location.with_query(None)) == REDIRECT
    assert location.query["state"] == "st-1"

    status, body = await exchange(http, g2a, location.query["code"])
    assert status == 200
    alice = g2a.oauth.users[ALICE]
    assert body | {"access_token": "-", "refresh_token": "-"} == {
        "access_token": "-",
        "token_type": "Bearer",
        "expires_in": 3600,
        "scope": "support:",
        "principal": ALICE,
        "refresh_token": "-",
        "account_key": "4200000001",
        "organizer_key": alice.user_key,
        "firstName": "Alice",
        "lastName": "Smith",
        "email": ALICE,
    }
    (record,) = g2a.oauth.token_requests
    assert (record.grant_type, record.client_id, record.outcome, record.status) == (
        "authorization_code",
        CLIENT_ID,
        "ok",
        200,
    )
    assert record.account == ALICE

    status, created = await create(http, g2a, bearer(body["access_token"]))
    assert status == 200
    oauth_header = {"Authorization": f"OAuth oauth_token={body['access_token']}"}
    status, info = await get(http, g2a, created["sessionToken"], oauth_header)
    assert status == 200
    assert (info["expertEmail"], info["expertName"], info["expertUserKey"]) == (
        ALICE,
        "Alice Smith",
        alice.user_key,
    )
    assert [r.account for r in g2a.requests] == [ALICE, ALICE]
    assert [r.auth_scheme for r in g2a.requests] == ["Bearer", "OAuth"]
    assert g2a.sessions[created["sessionToken"]].owner == alice.user_key


async def test_auto_approve_and_the_python_consent_step(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    g2a.oauth.approve_as(BOB, auto_approve=True)
    async with http.get(authorize_url(g2a, state="s 2&x"), allow_redirects=False) as resp:
        assert resp.status == 302
        location = URL(resp.headers["Location"])
    assert location.query["state"] == "s 2&x"
    status, body = await exchange(http, g2a, location.query["code"])
    assert (status, body["principal"]) == (200, BOB)

    g2a.oauth.approve_as(ALICE)  # a default user, but the consent page is shown
    async with http.get(authorize_url(g2a), allow_redirects=False) as resp:
        assert resp.status == 200
        assert f'<option value="{ALICE}" selected>' in await resp.text()
    code = URL(g2a.oauth.consent(str(authorize_url(g2a)))).query["code"]
    assert (await exchange(http, g2a, code))[1]["principal"] == ALICE
    denied = URL(g2a.oauth.consent(str(authorize_url(g2a)), approve=False))
    assert dict(denied.query) == {"error": "access_denied", "state": "st-1"}
    with pytest.raises(ValueError, match="redirect_uri"):
        g2a.oauth.consent(str(authorize_url(g2a, redirect_uri=REDIRECT + "/x")))
    with pytest.raises(KeyError):
        g2a.oauth.approve_as("nobody@example.test")


async def test_deny_and_unsupported_response_type_redirect_with_an_error(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    resp = await decide(http, authorize_url(g2a), ALICE, decision="deny")
    assert resp.status == 302
    assert dict(URL(resp.headers["Location"]).query) == {"error": "access_denied", "state": "st-1"}

    async with http.get(authorize_url(g2a, response_type="token"), allow_redirects=False) as resp:
        assert resp.status == 302
        query = dict(URL(resp.headers["Location"]).query)
    assert query == {"error": "unsupported_response_type", "state": "st-1"}


async def test_a_registered_redirect_uri_keeps_its_own_query(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    with_query = REDIRECT + "?team=T1"
    g2a.oauth.add_oauth_client(CLIENT_ID, CLIENT_SECRET, [REDIRECT, with_query])
    resp = await decide(http, authorize_url(g2a, redirect_uri=with_query), BOB)
    location = URL(resp.headers["Location"])
    assert (location.query["team"], location.query["state"]) == ("T1", "st-1")
    assert (await exchange(http, g2a, location.query["code"], with_query))[0] == 200


@pytest.mark.parametrize(
    ("client_id", "redirect_uri"),
    [
        ("unknown-client", REDIRECT),
        (CLIENT_ID, "http://127.0.0.1:9/elsewhere"),
        (CLIENT_ID, REDIRECT + "/"),  # exact match only
        (CLIENT_ID, ""),
    ],
)
async def test_bad_client_or_redirect_uri_gets_an_error_page_not_a_redirect(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn, client_id: str, redirect_uri: str
) -> None:
    url = authorize_url(g2a, client_id=client_id, redirect_uri=redirect_uri)
    async with http.get(url, allow_redirects=False) as resp:
        assert (resp.status, resp.content_type) == (400, "text/html")
        assert "Location" not in resp.headers
    resp = await decide(http, url, ALICE)
    assert resp.status == 400 and "Location" not in resp.headers


async def test_approving_needs_a_known_user(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    assert (await decide(http, authorize_url(g2a), None)).status == 400  # two users, none chosen
    assert (await decide(http, authorize_url(g2a), "nobody@example.test")).status == 400
    assert (await decide(http, authorize_url(g2a), ALICE, decision="maybe")).status == 400


# -- the token endpoint ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        basic(secret="wrong"),
        basic(client_id="unknown-client"),
        {},
        {"Authorization": "Basic !!!not-base64"},
        {"Authorization": "Bearer something"},
    ],
)
async def test_client_authentication(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn, headers: dict[str, str]
) -> None:
    code = await approve(http, g2a, ALICE)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    status, body = await token(http, g2a, form, headers)
    assert (status, body["error"]) == (401, "invalid_client")
    assert outcomes(g2a, "authorization_code") == ["invalid_client"]
    # the code was not spent by the failed attempt
    assert (await exchange(http, g2a, code))[0] == 200


async def test_credentials_in_the_body_are_not_accepted(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    code = await approve(http, g2a, ALICE)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    assert (await token(http, g2a, form, {}))[1]["error"] == "invalid_client"


async def test_code_is_single_use(http: aiohttp.ClientSession, g2a: GoToAssistStandIn) -> None:
    code = await approve(http, g2a, ALICE)
    status, first = await exchange(http, g2a, code)
    assert status == 200
    status, again = await exchange(http, g2a, code)
    assert (status, again["error"]) == (400, "invalid_grant")
    assert outcomes(g2a, "authorization_code") == ["ok", "invalid_grant"]
    assert (await create(http, g2a, bearer(first["access_token"])))[0] == 200  # still fine

    g2a.oauth.revoke_family_on_reuse = True
    status, _ = await exchange(http, g2a, code)
    assert status == 400
    assert (await create(http, g2a, bearer(first["access_token"])))[0] == 401
    assert (await refresh(http, g2a, first["refresh_token"]))[1]["error"] == "invalid_grant"


async def test_code_is_bound_to_client_and_redirect_uri(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    g2a.oauth.add_oauth_client("other-app", "other-secret", [REDIRECT])
    code = await approve(http, g2a, ALICE)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    status, body = await token(http, g2a, form, basic("other-app", "other-secret"))
    assert (status, body["error"]) == (400, "invalid_grant")
    status, body = await exchange(http, g2a, code, REDIRECT + "/other")
    assert (status, body["error"]) == (400, "invalid_grant")
    status, body = await token(http, g2a, {"grant_type": "authorization_code", "code": code})
    assert (status, body["error"]) == (400, "invalid_grant")  # redirect_uri is required
    assert (await exchange(http, g2a, code))[0] == 200
    assert (await exchange(http, g2a, "made-up-code"))[1]["error"] == "invalid_grant"


async def test_code_expires(http: aiohttp.ClientSession, g2a: GoToAssistStandIn) -> None:
    g2a.oauth.code_ttl_s = 0.2
    code = await approve(http, g2a, ALICE)
    await asyncio.sleep(0.3)
    status, body = await exchange(http, g2a, code)
    assert (status, body["error"]) == (400, "invalid_grant")
    assert "expired" in body["error_description"]


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({}, "invalid_request"),
        ({"grant_type": "password", "username": "a", "password": "b"}, "unsupported_grant_type"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
        ({"grant_type": "authorization_code", "redirect_uri": REDIRECT}, "invalid_request"),
        ({"grant_type": "refresh_token"}, "invalid_request"),
    ],
)
async def test_malformed_token_requests(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn, form: dict[str, str], error: str
) -> None:
    status, body = await token(http, g2a, form)
    assert (status, body["error"]) == (400, error)


async def test_a_json_body_is_not_a_token_request(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    code = await approve(http, g2a, ALICE)
    body = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    async with http.post(g2a.auth_url + "/oauth/token", json=body, headers=basic()) as resp:
        assert (resp.status, (await resp.json())["error"]) == (400, "invalid_request")
    async with http.get(g2a.auth_url + "/oauth/token") as resp:
        assert resp.status == 405


# -- refresh tokens -----------------------------------------------------------------------------


async def test_refresh_rotates(http: aiohttp.ClientSession, g2a: GoToAssistStandIn) -> None:
    linked = await link(http, g2a, ALICE)
    _, created = await create(http, g2a, bearer(linked["access_token"]))

    status, second = await refresh(http, g2a, linked["refresh_token"])
    assert status == 200
    assert second["refresh_token"] != linked["refresh_token"]
    assert second["access_token"] != linked["access_token"]
    assert (second["principal"], second["token_type"]) == (ALICE, "Bearer")

    status, reused = await refresh(http, g2a, linked["refresh_token"])
    assert (status, reused["error"]) == (400, "invalid_grant")
    assert outcomes(g2a, "refresh_token") == ["ok", "invalid_grant"]
    assert [r.account for r in g2a.oauth.token_requests] == [ALICE] * 3

    # sessions belong to the account, so the refreshed token still sees them
    assert (await get(http, g2a, created["sessionToken"], bearer(second["access_token"])))[0] == 200
    # the superseded access token works until it expires; reuse detection is off by default
    assert (await create(http, g2a, bearer(linked["access_token"])))[0] == 200
    status, third = await refresh(http, g2a, second["refresh_token"])
    assert status == 200 and third["refresh_token"] not in (
        linked["refresh_token"],
        second["refresh_token"],
    )


async def test_reuse_detection_revokes_the_family(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    g2a.oauth.revoke_family_on_reuse = True
    alice = await link(http, g2a, ALICE)
    bob = await link(http, g2a, BOB)
    _, second = await refresh(http, g2a, alice["refresh_token"])
    assert (await refresh(http, g2a, alice["refresh_token"]))[0] == 400  # reuse

    assert (await create(http, g2a, bearer(second["access_token"])))[0] == 401
    assert (await refresh(http, g2a, second["refresh_token"]))[1]["error"] == "invalid_grant"
    assert (await create(http, g2a, bearer(bob["access_token"])))[0] == 200  # another family
    relinked = await link(http, g2a, ALICE)
    assert (await create(http, g2a, bearer(relinked["access_token"])))[0] == 200


async def test_refresh_without_rotation(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    g2a.oauth.rotate_refresh_tokens = False
    linked = await link(http, g2a, ALICE)
    for _ in range(2):
        status, body = await refresh(http, g2a, linked["refresh_token"])
        assert status == 200 and "refresh_token" not in body


async def test_refresh_token_is_bound_to_its_client(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    g2a.oauth.add_oauth_client("other-app", "other-secret", [REDIRECT])
    linked = await link(http, g2a, ALICE)
    form = {"grant_type": "refresh_token", "refresh_token": linked["refresh_token"]}
    status, body = await token(http, g2a, form, basic("other-app", "other-secret"))
    assert (status, body["error"]) == (400, "invalid_grant")
    assert (await refresh(http, g2a, linked["refresh_token"]))[0] == 200


async def test_refresh_token_expires(http: aiohttp.ClientSession, g2a: GoToAssistStandIn) -> None:
    g2a.oauth.refresh_token_ttl_s = 0.2
    linked = await link(http, g2a, ALICE)
    await asyncio.sleep(0.3)
    assert (await refresh(http, g2a, linked["refresh_token"]))[1]["error"] == "invalid_grant"


async def test_concurrent_refreshes_only_one_wins(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    linked = await link(http, g2a, ALICE)
    g2a.set_latency("token", 0.2)  # all five are in flight together
    results = await asyncio.gather(*(refresh(http, g2a, linked["refresh_token"]) for _ in range(5)))
    assert sorted(status for status, _ in results) == [200, 400, 400, 400, 400]
    assert outcomes(g2a, "refresh_token").count("ok") == 1
    arrivals = [r.time for r in g2a.oauth.token_requests if r.grant_type == "refresh_token"]
    assert max(arrivals) - min(arrivals) < 0.2


# -- access tokens on the API -------------------------------------------------------------------


async def test_expired_access_token_gets_invalid_token(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    g2a.oauth.access_token_ttl_s = 0.5
    linked = await link(http, g2a, ALICE)
    assert linked["expires_in"] == 1
    status, created = await create(http, g2a, bearer(linked["access_token"]))
    assert status == 200
    await asyncio.sleep(0.6)
    status, body = await get(http, g2a, created["sessionToken"], bearer(linked["access_token"]))
    assert (status, body) == (403, INVALID_TOKEN)
    assert g2a.requests[-1].account == ALICE  # still attributed

    g2a.oauth.expired_token_status = 401
    status, body = await create(http, g2a, bearer(linked["access_token"]))
    assert (status, body) == (401, INVALID_TOKEN)

    g2a.oauth.access_token_ttl_s = 3600
    _, fresh = await refresh(http, g2a, linked["refresh_token"])
    assert (await get(http, g2a, created["sessionToken"], bearer(fresh["access_token"])))[0] == 200


async def test_expire_access_tokens_now(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    alice, bob = await link(http, g2a, ALICE), await link(http, g2a, BOB)
    assert g2a.oauth.expire_access_tokens(ALICE) == 1
    assert (await create(http, g2a, bearer(alice["access_token"])))[0] == 403
    assert (await create(http, g2a, bearer(bob["access_token"])))[0] == 200
    assert g2a.oauth.expire_access_tokens() == 1


async def test_revoke_user(http: aiohttp.ClientSession, g2a: GoToAssistStandIn) -> None:
    alice = await link(http, g2a, ALICE)
    _, second = await refresh(http, g2a, alice["refresh_token"])
    bob = await link(http, g2a, BOB)
    pending_code = await approve(http, g2a, ALICE)

    g2a.oauth.revoke_user(ALICE)
    for access_token in (alice["access_token"], second["access_token"]):
        status, body = await create(http, g2a, bearer(access_token))
        assert (status, body["errorCode"]) == (401, "AuthFailure")
    assert (await refresh(http, g2a, second["refresh_token"]))[1]["error"] == "invalid_grant"
    assert (await exchange(http, g2a, pending_code))[1]["error"] == "invalid_grant"
    assert (await create(http, g2a, bearer(bob["access_token"])))[0] == 200
    relinked = await link(http, g2a, ALICE)
    assert (await create(http, g2a, bearer(relinked["access_token"])))[0] == 200
    with pytest.raises(KeyError):
        g2a.oauth.revoke_user("nobody@example.test")


async def test_revoke_endpoint(http: aiohttp.ClientSession, g2a: GoToAssistStandIn) -> None:
    url = g2a.auth_url + "/oauth/revoke"
    first, second = await link(http, g2a, ALICE), await link(http, g2a, ALICE)
    async with http.post(url, data={"token": first["access_token"]}, headers=basic()) as resp:
        assert resp.status == 200
    assert (await create(http, g2a, bearer(first["access_token"])))[0] == 401
    assert (await refresh(http, g2a, first["refresh_token"]))[0] == 200  # only that token

    async with http.post(url, data={"token": second["refresh_token"]}, headers=basic()) as resp:
        assert resp.status == 200
    assert (await create(http, g2a, bearer(second["access_token"])))[0] == 401
    async with http.post(url, data={"token": "unknown"}, headers=basic()) as resp:
        assert resp.status == 200
    async with http.post(url, data={"token": "unknown"}, headers=basic(secret="no")) as resp:
        assert resp.status == 401
    assert [r.outcome for r in g2a.oauth.token_requests if r.endpoint == "revoke"] == [
        "ok",
        "ok",
        "ok",
        "invalid_client",
    ]


async def test_seatless_user_gets_tokens_but_no_api(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    g2a.oauth.add_user("carol@example.test", seat=False)
    linked = await link(http, g2a, "carol@example.test")
    status, body = await create(http, g2a, bearer(linked["access_token"]))
    assert (status, body["errorCode"]) == (401, "NoSeat")


async def test_sessions_belong_to_accounts(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    alice, bob = await link(http, g2a, ALICE), await link(http, g2a, BOB)
    _, by_alice = await create(http, g2a, bearer(alice["access_token"]))
    _, by_static = await create(http, g2a, bearer(DEFAULT_TOKEN))
    assert (await get(http, g2a, by_alice["sessionToken"], bearer(bob["access_token"])))[0] == 404
    assert (await get(http, g2a, by_alice["sessionToken"], bearer(DEFAULT_TOKEN)))[0] == 404
    assert (await get(http, g2a, by_static["sessionToken"], bearer(alice["access_token"])))[
        0
    ] == 404
    status, info = await get(http, g2a, by_static["sessionToken"], bearer(DEFAULT_TOKEN))
    assert (status, info["expertEmail"]) == (200, "technician@stand-in.invalid")
    assert [r.account for r in g2a.requests] == [ALICE, None, BOB, None, ALICE, None]
    assert (await create(http, g2a, bearer("never-issued")))[0] == 401


# -- faults ---------------------------------------------------------------------------------------


async def test_token_faults(http: aiohttp.ClientSession, g2a: GoToAssistStandIn) -> None:
    linked = await link(http, g2a, ALICE)
    g2a.fail_next("all", 500)  # the API routes only
    g2a.fail_next("token", 503, body={"error": "temporarily_unavailable"}, retry_after=1)
    async with http.post(
        g2a.auth_url + "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": linked["refresh_token"]},
        headers=basic(),
    ) as resp:
        assert (resp.status, resp.headers["Retry-After"]) == (503, "1")
        assert await resp.json() == {"error": "temporarily_unavailable"}
    assert (await refresh(http, g2a, linked["refresh_token"]))[0] == 200  # not spent
    assert outcomes(g2a, "refresh_token") == ["injected", "ok"]
    assert g2a.oauth.token_requests[-2].status == 503

    g2a.hang_next("token")
    quick = aiohttp.ClientTimeout(total=0.2)
    with pytest.raises(TimeoutError):
        await http.post(g2a.auth_url + "/oauth/token", data={}, headers=basic(), timeout=quick)
    assert g2a.oauth.token_requests[-1].outcome == "pending"
    with pytest.raises(ValueError, match="token"):
        g2a.set_latency("nope", 1)  # type: ignore[arg-type]


# -- control over HTTP ---------------------------------------------------------------------------


async def test_control_http(http: aiohttp.ClientSession) -> None:
    async with GoToAssistStandIn() as g2a:
        control = g2a.control_url

        async def post(path: str, body: Any = None) -> tuple[int, Any]:
            async with http.post(control + path, json=body) as resp:
                return resp.status, await resp.json()

        async def fetch(path: str) -> Any:
            async with http.get(control + path) as resp:
                assert resp.status == 200
                return await resp.json()

        client = {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [REDIRECT],
        }
        status, clients = await post("/oauth/clients", client)
        assert (status, clients) == (200, [{"client_id": CLIENT_ID, "redirect_uris": [REDIRECT]}])
        assert CLIENT_SECRET not in str(await fetch("/oauth/clients"))
        status, users = await post("/oauth/users", {"email": BOB, "first_name": "Bob"})
        assert (status, users[0]["email"], users[0]["last_name"]) == (200, BOB, "Technician")
        assert (await post("/oauth/users", {"mail": BOB}))[0] == 400
        assert (await post("/oauth/approve_as", {"email": "nobody@x.test"}))[0] == 404
        assert (await post("/oauth/approve_as", {"email": BOB, "auto_approve": True}))[0] == 200

        status, config = await post("/oauth/config", {"access_token_ttl_s": 2})
        assert (status, config["access_token_ttl_s"], config["expired_token_status"]) == (
            200,
            2,
            403,
        )
        assert (await post("/oauth/config", {"expired_token_status": 500}))[0] == 400
        assert (await post("/oauth/config", {"expired_token_status": 401}))[0] == 200
        assert (await fetch("/oauth/config"))["expired_token_status"] == 401

        async with http.get(authorize_url(g2a), allow_redirects=False) as resp:
            code = URL(resp.headers["Location"]).query["code"]
        status, linked = await exchange(http, g2a, code)
        assert (status, linked["expires_in"]) == (200, 2)

        assert (await post("/oauth/expire", {"email": BOB}))[1] == {"expired": 1}
        assert (await create(http, g2a, bearer(linked["access_token"])))[0] == 401
        await post("/fail", {"route": "token", "status": 502})
        assert (await refresh(http, g2a, linked["refresh_token"]))[0] == 502
        _, fresh = await refresh(http, g2a, linked["refresh_token"])
        assert (await create(http, g2a, bearer(fresh["access_token"])))[0] == 200
        (record,) = [r for r in await fetch("/requests") if r["status"] == 200]
        assert record["account"] == BOB

        assert (await post("/oauth/revoke", {"email": "nobody@x.test"}))[0] == 404
        assert (await post("/oauth/revoke", {"email": BOB}))[0] == 200
        assert (await create(http, g2a, bearer(fresh["access_token"])))[0] == 401

        listed = await fetch("/oauth/token_requests")
        assert [(r["grant_type"], r["outcome"]) for r in listed] == [
            ("authorization_code", "ok"),
            ("refresh_token", "injected"),
            ("refresh_token", "ok"),
        ]
        assert fresh["access_token"] not in str(listed)
        assert (await post("/reset"))[0] == 200
        assert await fetch("/oauth/token_requests") == []
