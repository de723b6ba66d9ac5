"""Only requests signed by Slack, recently, are acted on."""

from __future__ import annotations

import asyncio
import time

import pytest

from sandbox.harness import Rig
from sandbox.signing import sign
from tests.e2e.helpers import post_raw, session_rows


def _unsigned(body: str) -> dict[str, str]:
    return {}


def _wrong_secret(body: str) -> dict[str, str]:
    return sign(body, secret="not-the-signing-secret")


def _stale(body: str) -> dict[str, str]:
    return sign(body, timestamp=int(time.time()) - 6 * 60)


def _tampered(body: str) -> dict[str, str]:
    return sign(body.replace("Jane", "Joan"))


def _signature_only(body: str) -> dict[str, str]:
    headers = sign(body)
    del headers["X-Slack-Request-Timestamp"]
    return headers


FORGERIES = {
    "unsigned": _unsigned,
    "wrong-secret": _wrong_secret,
    "stale": _stale,
    "body-changed": _tampered,
    "no-timestamp": _signature_only,
}


@pytest.mark.parametrize("forgery", list(FORGERIES))
async def test_badly_signed_requests_are_refused_and_create_nothing(
    sqlite_url: str, forgery: str
) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        body = rig.slash_body("Jane Doe jane@example.com #4521")
        status, answer = await post_raw(rig, body, FORGERIES[forgery](body))

        assert status == 401
        assert "Starting" not in str(answer)
        await asyncio.sleep(0.3)  # room for wrongly started work to show
        assert rig.goto.requests == []
        assert rig.slack.calls == []
        assert await session_rows(sqlite_url) == []

        # The same request, properly signed, is accepted: the refusal was the signature's.
        status, answer = await post_raw(rig, body, sign(body))
        assert status == 200
        assert "Starting" in str(answer)
