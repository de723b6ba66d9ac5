"""Socket Mode: Slack's requests arrive over the app's own WebSocket (apps.connections.open,
hello, envelopes, acks), and no Slack route is served over HTTP at all."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest

from sandbox.harness import Rig, wait_until
from sandbox.signing import event_callback_body, slash_command_body
from sandbox.slack import payloads
from sandbox.slack.socket_mode import APP_TOKEN
from tests.e2e.helpers import CHANNEL, TECH, cards, query, session_rows


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


def socket_rig(database_url: str) -> Rig:
    return Rig(database_url=database_url, slack_app_token=APP_TOKEN, slack_signing_secret=None)


async def test_over_the_socket_the_same_rules_hold(sqlite_url: str) -> None:
    """A guest is refused, a foreign response_url is refused, and an uninstall is stored,
    exactly as over HTTP."""
    async with socket_rig(sqlite_url) as rig:
        await wait_until(lambda: rig.slack.socket_connections == 1, what="the WebSocket")

        rig.slack.set_user("UGUEST9", is_restricted=True)
        guest = slash_command_body(
            "Jane Doe", response_url=rig.slack.response_url("guest"), user="UGUEST9"
        )
        await rig.slack.send_envelope("slash_commands", dict(parse_qsl(guest)))
        await wait_until(lambda: bool(rig.slack.responses_to("guest")), what="the refusal")
        assert "Guest" in str(rig.slack.responses_to("guest")[-1]["text"])

        # Refused before any listener: not even acknowledged (Slack tells the user it failed).
        foreign = slash_command_body("Jane Doe", response_url="https://attacker.example/x")
        with pytest.raises(TimeoutError):
            await rig.slack.send_envelope("slash_commands", dict(parse_qsl(foreign)), within=1.5)
        assert await session_rows(sqlite_url) == []
        assert not [r for r in rig.goto.requests if r.method == "POST"]

        uninstalled = json.loads(event_callback_body({"type": "app_uninstalled"}))
        await rig.slack.send_envelope("events_api", uninstalled)
        await wait_until(lambda: _workspaces(sqlite_url), what="the removal stored in the database")


async def _workspaces(database_url: str) -> bool:
    return bool(await query(database_url, "SELECT team_id FROM workspaces"))


async def test_over_the_socket_shortcuts_home_and_the_workflow_step_work(sqlite_url: str) -> None:
    """The entry points issue 13 added arrive over the socket as they do over HTTP: the
    workflow step completes with its outputs, the message shortcut opens the prefilled form,
    and opening Home publishes it."""
    async with socket_rig(sqlite_url) as rig:
        await wait_until(lambda: rig.slack.socket_connections == 1, what="the WebSocket")

        step_inputs = {
            "customer_name": "Wanda Workflow",
            "channel": CHANNEL,
            "technician": TECH,
        }
        execution_id, body = rig.slack.function_executed(
            "start_remote_support_session", step_inputs
        )
        await rig.slack.send_envelope("events_api", body)
        await wait_until(
            lambda: rig.slack.function_result(execution_id) is not None,
            within=30,
            what="the step to complete",
        )
        result = rig.slack.function_result(execution_id)
        assert result is not None and result["state"] == "completed", result
        assert result["outputs"]["customer_join_url"].startswith("http")

        rig.slack.set_user("UASKER1", real_name="Nina Needhelp", email="nina@example.com")
        ts = rig.slack.add_user_message(CHANNEL, "UASKER1", "my screen is black")
        shortcut = payloads.message_action(
            callback_id="start_remote_support_message",
            user=TECH,
            channel=CHANNEL,
            message={"ts": ts, "user": "UASKER1", "text": "my screen is black"},
            response_url=rig.slack.response_url("socket-shortcut"),
        )
        before = set(rig.slack.views)
        await rig.slack.send_envelope(
            "interactive", json.loads(dict(parse_qsl(shortcut))["payload"])
        )
        await wait_until(lambda: bool(set(rig.slack.views) - before), what="the start form")
        (view_id,) = set(rig.slack.views) - before
        assert "Nina Needhelp" in json.dumps(rig.slack.views[view_id])

        home = json.loads(payloads.app_home_opened(TECH))
        await rig.slack.send_envelope("events_api", home)
        await wait_until(
            lambda: any(c.method == "views.publish" for c in rig.slack.calls), what="Home"
        )
