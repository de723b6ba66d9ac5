"""Socket Mode: Slack's requests arrive over the app's own WebSocket (apps.connections.open,
hello, envelopes, acks), and no Slack route is served over HTTP at all."""

from __future__ import annotations

from urllib.parse import parse_qsl

from sandbox.harness import Rig, wait_until
from sandbox.signing import slash_command_body
from sandbox.slack.socket_mode import APP_TOKEN
from tests.e2e.helpers import CHANNEL, cards, session_rows


async def test_socket_mode_serves_no_slack_route_over_http(sqlite_url: str) -> None:
    async with Rig(
        database_url=sqlite_url, slack_app_token=APP_TOKEN, slack_signing_secret=None
    ) as rig:
        assert rig.http is not None
        await wait_until(lambda: rig.slack.socket_connections == 1, what="the WebSocket")

        # Over HTTP, even a well-formed command is not found: nobody can forge one there.
        body = slash_command_body("Jane Doe", response_url=rig.slack.response_url("x"))
        async with rig.http.post(
            f"{rig.base_url}/slack/events",
            data=body.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ) as response:
            assert response.status == 404
        assert await session_rows(sqlite_url) == []

        # Over the socket the same command starts a session, acknowledged on the socket.
        payload = dict(parse_qsl(body))
        ack = await rig.slack.send_envelope("slash_commands", payload)
        assert "Starting" in str(ack.get("payload"))
        await wait_until(lambda: bool(cards(rig, CHANNEL)), what="the card")
        (row,) = await session_rows(sqlite_url)
        assert row["customer_name"] == "Jane Doe"
