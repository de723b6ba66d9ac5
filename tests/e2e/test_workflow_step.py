"""The Workflow Builder step over real HTTP: ``function_executed`` in, the session started,
``functions.completeSuccess`` with its outputs (never the start link), or
``functions.completeError`` with a sentence a workflow author can act on."""

from __future__ import annotations

import json
from typing import Any

from sandbox.harness import Rig, wait_until
from tests.e2e.helpers import CHANNEL, TECH, post_signed, rendered

STEP = "start_remote_support_session"


def inputs(**overrides: Any) -> dict[str, Any]:
    return {
        "customer_name": "Wanda Workflow",
        "customer_email": "wanda@example.com",
        "ticket": "https://helpdesk.example.com/tickets/8812",
        "channel": CHANNEL,
        "technician": TECH,
        **overrides,
    }


async def run_step(rig: Rig, step_inputs: dict[str, Any]) -> dict[str, Any]:
    execution_id, body = rig.slack.function_executed(STEP, step_inputs)
    status, _ = await post_signed(rig, json.dumps(body))
    assert status == 200
    await wait_until(
        lambda: rig.slack.function_result(execution_id) is not None,
        within=30,
        what="the step to complete",
    )
    result = rig.slack.function_result(execution_id)
    assert result is not None
    return result


async def test_step_starts_a_session_and_outputs_its_id_join_url_and_card(
    sqlite_url: str,
) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        result = await run_step(rig, inputs())
        assert result["state"] == "completed", result
        outputs = result["outputs"]
        (session,) = rig.goto.sessions.values()
        assert outputs["customer_join_url"] == session.customer_join_url
        assert len(outputs["session_id"]) == 32
        card = next(m for m in rig.slack.messages(CHANNEL) if "Wanda Workflow" in m.text)
        assert outputs["card_permalink"].endswith(card.ts.replace(".", ""))
        assert "8812" in rendered(card)
        # The start link went to the technician, and nowhere near the outputs.
        assert session.launch_url not in json.dumps(outputs)
        await wait_until(
            lambda: any(session.launch_url in rendered(m) for m in rig.slack.dms(TECH)),
            what="the technician's start link DM",
        )
        for message in rig.slack.messages():
            if message.channel != "D" + TECH:
                assert session.launch_url not in rendered(message)


async def test_step_fails_in_words_when_gotoassist_refuses(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        rig.goto.fail_next("create", 403)
        result = await run_step(rig, inputs())
        assert result["state"] == "failed"
        assert result["error"].startswith("No remote support session was started:")
        assert "outputs" not in result


async def test_step_fails_in_words_for_a_guest_technician(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        rig.slack.set_user("UGUEST1", is_restricted=True)
        result = await run_step(rig, inputs(technician="UGUEST1"))
        assert result["state"] == "failed"
        assert "<@UGUEST1> cannot start a remote support session" in result["error"]
        assert not rig.goto.sessions


async def test_step_fails_in_words_for_bad_inputs(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        result = await run_step(rig, inputs(customer_email="not-an-email"))
        assert result["state"] == "failed"
        assert "inputs were not accepted" in result["error"]


async def test_a_retried_delivery_starts_no_second_session(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        execution_id, body = rig.slack.function_executed(STEP, inputs())
        for _ in range(2):  # Slack retries an event it thinks went unanswered
            status, _ = await post_signed(rig, json.dumps(body))
            assert status == 200
        await wait_until(
            lambda: rig.slack.function_result(execution_id) is not None, what="the step"
        )
        result = rig.slack.function_result(execution_id)
        assert result is not None and result["state"] == "completed"
        assert len(rig.goto.sessions) == 1
