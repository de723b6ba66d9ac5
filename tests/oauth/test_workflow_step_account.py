"""Whose GoToAssist account a workflow step's session runs on: the workflow's author chose
the technician, so never the technician's own linked account; the shared one, or nothing."""

from __future__ import annotations

import json

from sandbox.gotoassist import token_fingerprint
from sandbox.harness import Rig, wait_until
from sandbox.signing import GOTO_TOKEN
from tests.e2e.helpers import post_signed

from .helpers import CHANNEL, TECH, creates, link, oauth_rig

STEP = "start_remote_support_session"
INPUTS = {"customer_name": "Wanda Workflow", "channel": CHANNEL, "technician": TECH}


async def _run(rig: Rig) -> dict[str, object]:
    execution_id, body = rig.slack.function_executed(STEP, INPUTS)
    status, _ = await post_signed(rig, json.dumps(body))
    assert status == 200
    await wait_until(
        lambda: rig.slack.function_result(execution_id) is not None, within=30, what="the step"
    )
    result = rig.slack.function_result(execution_id)
    assert result is not None
    return result


async def test_a_linked_technicians_step_runs_on_the_shared_account(sqlite_url: str) -> None:
    async with oauth_rig(sqlite_url) as rig:
        await link(rig)
        result = await _run(rig)
        assert result["state"] == "completed", result
        (create,) = creates(rig)
        assert create.account is None  # not the technician's own GoTo account
        assert create.token_fingerprint == token_fingerprint(GOTO_TOKEN)


async def test_without_a_shared_account_the_step_fails_and_calls_no_one(sqlite_url: str) -> None:
    async with oauth_rig(sqlite_url, gotoassist_access_token=None) as rig:
        await link(rig)
        result = await _run(rig)
        assert result["state"] == "failed"
        assert "shared GoToAssist account" in str(result["error"])
        assert not creates(rig)
        assert not rig.goto.sessions
