"""Access tokens are refreshed without the technician noticing: before they expire, once
after GoToAssist rejects one, and exactly once however many commands race for it (GoTo's
refresh tokens are single use: a second refresh with the same one would lock them out)."""

from __future__ import annotations

import asyncio

import pytest

from sandbox.harness import Rig, wait_until

from .helpers import (
    START_TEXT,
    TECH,
    TECH_EMAIL,
    accounts,
    as_text,
    creates,
    grants,
    link,
    oauth_rig,
    private_to,
    replica,
    slash,
    wait_card,
)

NOT_CREATED = ("not created", "No session was started", "/remote-support login")


def refresh_failed(rig: Rig) -> bool:
    return any(r.outcome not in ("ok", "pending") for r in rig.goto.oauth.token_requests)


def created(rig: Rig) -> int:
    return len([c for c in creates(rig) if c.status == 200])


async def wait_created(rig: Rig, count: int) -> None:
    """Until ``count`` sessions were created, or a refresh failed (fail fast, with reasons)."""
    await wait_until(
        lambda: created(rig) >= count or refresh_failed(rig),
        within=30,
        what=f"{count} sessions created",
    )


def assert_nothing_went_wrong(rig: Rig, *keys: str) -> None:
    """No error reached the technician: nothing on the response_urls, no failure notice."""
    for key in keys:
        assert not rig.slack.responses_to(key), rig.slack.responses_to(key)
    for message in private_to(rig, TECH):
        shown = as_text(message)
        assert not any(words in shown for words in NOT_CREATED), shown


async def test_expired_access_token_is_refreshed_before_use(sqlite_url: str) -> None:
    async with oauth_rig(sqlite_url, gotoassist_access_token=None) as rig:
        oauth = rig.goto.oauth
        oauth.access_token_ttl_s = 60  # inside the app's two-minute margin: stale at once
        await link(rig)
        oauth.access_token_ttl_s = 3600  # what the refresh hands out lives long
        refreshes_before = len(grants(rig, "refresh_token"))
        assert refreshes_before == 0

        command = await slash(rig, START_TEXT)
        card = await wait_card(rig, "Jane Doe")

        (refresh,) = grants(rig, "refresh_token")
        assert (refresh.outcome, refresh.account) == ("ok", TECH_EMAIL)
        (create,) = creates(rig)
        assert (create.status, create.account) == (200, TECH_EMAIL)  # refreshed *before* use
        assert "did not create" not in as_text(card)
        assert_nothing_went_wrong(rig, command.key)

        # The refreshed token is kept: the next session needs no refresh.
        second = await slash(rig, "Kim Lee")
        await wait_card(rig, "Kim Lee")
        assert len(grants(rig, "refresh_token")) == 1
        assert [c.account for c in creates(rig)] == [TECH_EMAIL, TECH_EMAIL]
        assert_nothing_went_wrong(rig, second.key)


@pytest.mark.parametrize("rejection", [403, 401], ids=["403-InvalidToken", "401"])
async def test_rejected_access_token_is_refreshed_once_and_the_call_retried(
    sqlite_url: str, rejection: int
) -> None:
    async with oauth_rig(sqlite_url, gotoassist_access_token=None) as rig:
        oauth = rig.goto.oauth
        oauth.expired_token_status = rejection  # type: ignore[assignment]
        await link(rig)  # the token lives an hour: the app believes it fresh
        oauth.expire_access_tokens(TECH_EMAIL)  # ...but GoTo no longer takes it

        command = await slash(rig, START_TEXT)
        card = await wait_card(rig, "Jane Doe")

        rejected, retried = creates(rig)
        assert (rejected.status, rejected.account) == (rejection, TECH_EMAIL)
        assert (retried.status, retried.account) == (200, TECH_EMAIL)
        assert rejected.token_fingerprint != retried.token_fingerprint
        (refresh,) = grants(rig, "refresh_token")
        assert refresh.outcome == "ok"
        assert rejected.time < refresh.time < retried.time
        assert len(rig.goto.sessions) == 1
        assert "did not create" not in as_text(card)
        assert_nothing_went_wrong(rig, command.key)


@pytest.mark.parametrize("how", ["stale", "rejected"])
async def test_twenty_concurrent_commands_refresh_exactly_once(database_url: str, how: str) -> None:
    """``stale``: the app knows the token expired (proactive refresh); ``rejected``: it
    believes it fresh and GoToAssist answers 403 InvalidToken to every one of the 20."""
    async with oauth_rig(database_url, gotoassist_access_token=None) as rig:
        oauth = rig.goto.oauth
        assert oauth.rotate_refresh_tokens  # single-use refresh tokens
        oauth.revoke_family_on_reuse = True  # a second refresh with one token kills the grant
        if how == "stale":
            oauth.access_token_ttl_s = 60
        await link(rig)
        oauth.access_token_ttl_s = 3600
        if how == "rejected":
            oauth.expire_access_tokens(TECH_EMAIL)

        names = [f"Customer {i}" for i in range(20)]
        commands = await asyncio.gather(*(slash(rig, name) for name in names))
        assert {c.status for c in commands} == {200}
        await wait_created(rig, 20)
        await asyncio.gather(*(wait_card(rig, name, within=30) for name in names))

        refreshes = grants(rig, "refresh_token")
        assert [r.outcome for r in refreshes] == ["ok"], [r.outcome for r in refreshes]
        assert not [r for r in oauth.token_requests if r.outcome == "invalid_grant"]
        ok = [c for c in creates(rig) if c.status == 200]
        assert {c.account for c in ok} == {TECH_EMAIL}
        assert sorted(s.customer_name or "" for s in rig.goto.sessions.values()) == sorted(names)
        assert_nothing_went_wrong(rig, *(c.key for c in commands))
        (row,) = await accounts(database_url)
        assert row["revoked"] in (False, 0)

        # Not locked out: the next command (and, once GoTo drops the token, the next
        # refresh) still work with the rotated refresh token the app kept.
        oauth.expire_access_tokens(TECH_EMAIL)
        later = await slash(rig, "Later Customer")
        await wait_card(rig, "Later Customer")
        assert [r.outcome for r in grants(rig, "refresh_token")] == ["ok", "ok"]
        assert creates(rig)[-1].account == TECH_EMAIL
        assert creates(rig)[-1].status == 200
        assert_nothing_went_wrong(rig, later.key)


async def test_two_replicas_refresh_exactly_once(database_url: str) -> None:
    """Two replicas on one database, each with its own in-process lock: only the lease on
    the account row stands between them. Six times over, GoTo stops taking the access token
    and twelve commands (six per replica) race for a new one: each time exactly one refresh."""
    quiet = {"poll_interval_young_s": 60.0, "poll_interval_active_s": 60.0}  # creates only
    async with oauth_rig(database_url, gotoassist_access_token=None, **quiet) as rig:
        oauth = rig.goto.oauth
        oauth.revoke_family_on_reuse = True  # a reused refresh token kills the grant
        rig.goto.set_rate_limit(0)  # two replicas' limiters add up; 429s are not the point
        await link(rig)
        per_round: list[list[str]] = []
        async with replica(rig) as second:
            for round_ in range(6):
                before_refreshes = len(grants(rig, "refresh_token"))
                before_ok = created(rig)
                oauth.expire_access_tokens(TECH_EMAIL)
                names = [f"Customer {round_}-{i}" for i in range(12)]
                commands = await asyncio.gather(
                    *(slash(rig if i % 2 else second, name) for i, name in enumerate(names))
                )
                assert {c.status for c in commands} == {200}
                await wait_created(rig, before_ok + 12)
                per_round.append(
                    [r.outcome for r in grants(rig, "refresh_token")[before_refreshes:]]
                )
                assert not refresh_failed(rig), per_round
                assert_nothing_went_wrong(rig, *(c.key for c in commands))

        (row,) = await accounts(database_url)
        assert row["revoked"] in (False, 0)
        assert {c.account for c in creates(rig)} == {TECH_EMAIL}
        # One refresh per round: callers racing for a new token share one refresh, whichever
        # replica they are on (a second refresh right after the first is spent for nothing
        # and, with single-use refresh tokens, is one more chance to lose the grant).
        assert per_round == [["ok"]] * 6, f"refreshes per round: {per_round}"
