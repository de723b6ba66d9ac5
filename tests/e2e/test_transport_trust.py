"""What a forged or redirected request gets: nothing. Operator endpoints are not public."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from sandbox.harness import Rig, free_port, wait_until
from sandbox.signing import sign, slash_command_body
from tests.e2e.helpers import (
    TECH,
    block_action_payload,
    interactive_body,
    post_raw,
    post_signed,
    session_id_on,
    session_rows,
    start_and_settle,
)


class Receiver:
    """An HTTP server on loopback that records whatever is POSTed to it (the attacker's)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.bodies: list[bytes] = []
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/steal"

    async def __aenter__(self) -> Receiver:
        async def record(request: web.Request) -> web.Response:
            self.bodies.append(await request.read())
            return web.Response(text="ok")

        app = web.Application()
        app.router.add_post("/steal", record)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *_exc: Any) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


async def test_a_response_url_outside_slack_is_refused_and_starts_nothing(
    sqlite_url: str,
) -> None:
    async with Rig(database_url=sqlite_url) as rig, Receiver() as attacker:
        body = slash_command_body("Jane Doe jane@example.com #4521", response_url=attacker.url)
        status, _answer = await post_signed(rig, body)

        assert status == 400
        await asyncio.sleep(0.5)  # room for wrongly started work to show
        assert attacker.bodies == []
        assert rig.goto.requests == []
        assert await session_rows(sqlite_url) == []


async def test_a_start_link_click_with_a_foreign_response_url_sends_the_link_nowhere(
    sqlite_url: str,
) -> None:
    async with Rig(database_url=sqlite_url) as rig, Receiver() as attacker:
        card, session = await start_and_settle(rig, user=TECH)
        payload = block_action_payload(
            rig, user=TECH, card=card, value=session_id_on(card), response_key="click"
        )
        payload["response_url"] = attacker.url
        status, _ = await post_signed(rig, interactive_body(payload))

        assert status == 400
        await asyncio.sleep(0.5)
        assert attacker.bodies == []
        assert not any(session.launch_url in str(r) for r in rig.slack.responses)


async def test_unsigned_interactivity_is_refused(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        card, _session = await start_and_settle(rig, user=TECH)
        payload = block_action_payload(
            rig, user=TECH, card=card, value=session_id_on(card), response_key="click"
        )
        status, _ = await post_raw(rig, interactive_body(payload), {})
        assert status == 401
        status, _ = await post_raw(
            rig, interactive_body(payload), sign(interactive_body(payload), secret="guess")
        )
        assert status == 401


async def test_metrics_need_the_token_when_one_is_set(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url, metrics_token="m3trics-t0ken") as rig:
        assert rig.http is not None
        url = f"{rig.base_url}/metrics"
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "m3trics-t0ken"}):
            async with rig.http.get(url, headers=headers) as response:
                assert response.status == 401, headers
                assert "remote_support_" not in await response.text()
        async with rig.http.get(url, headers={"Authorization": "Bearer m3trics-t0ken"}) as response:
            assert response.status == 200
            assert "remote_support_commands_total" in await response.text()
        # Liveness and readiness stay open for load balancers.
        async with rig.http.get(f"{rig.base_url}/readyz") as response:
            assert response.status == 200


async def test_readiness_names_the_category_not_the_error(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        assert rig.http is not None
        _card, session = await start_and_settle(rig)
        rig.slack.revoke_token()
        rig.goto.start_session(session.session_token)  # its card edit meets the refused token

        async def not_ready() -> bool:
            assert rig.http is not None
            async with rig.http.get(f"{rig.base_url}/readyz") as response:
                return response.status == 503

        await wait_until(not_ready, what="/readyz to fail")
        async with rig.http.get(f"{rig.base_url}/readyz") as response:
            answer = await response.json()
        assert answer["checks"] == {"database": "ok", "slack": "token refused (token_revoked)"}
