"""The "start a session" form's submission driven directly: errors on the fields, the same
account check as the command, and a start that goes to the channel the form came from."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.listeners.views import start_session
from bot.listeners.views.start_session import start_session_submitted
from bot.slack import modal

from .helpers import CHANNEL, PUBLIC_BASE, TEAM, TECH, Recorder, World, login_button_url, world

IDS = {
    "name": (modal.NAME_BLOCK, modal.NAME_ACTION),
    "email": (modal.EMAIL_BLOCK, modal.EMAIL_ACTION),
    "ticket": (modal.TICKET_BLOCK, modal.TICKET_ACTION),
    "url": (modal.TICKET_URL_BLOCK, modal.TICKET_URL_ACTION),
    "machine": (modal.MACHINE_BLOCK, modal.MACHINE_ACTION),
}


def submission(**typed: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(body, view) of a view_submission as Bolt hands them to the listener."""
    values = {
        IDS[name][0]: {IDS[name][1]: {"type": "plain_text_input", "value": value}}
        for name, value in typed.items()
    }
    view = {
        "id": "V1",
        "callback_id": modal.CALLBACK_ID,
        "private_metadata": CHANNEL,
        "state": {"values": values},
    }
    body = {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": TECH, "team_id": TEAM},
        "view": view,
    }
    return body, view


async def submit(w: World, **typed: str) -> Recorder:
    ack = Recorder()
    body, view = submission(**typed)
    await start_session_submitted(ack=ack, body=body, view=view, context=w.context())
    await w.drain()
    return ack


async def test_invalid_fields_get_errors_and_nothing_starts(sqlite_url: str) -> None:
    async with world(sqlite_url, linking=False, shared_token="shared") as w:
        ack = await submit(w, name="", email="not-an-email", ticket="#4521")

        answer = ack.only
        assert answer["response_action"] == "errors"
        assert set(answer["errors"]) == {modal.NAME_BLOCK, modal.EMAIL_BLOCK}
        assert "customer's name" in answer["errors"][modal.NAME_BLOCK]
        assert "not a valid e-mail" in answer["errors"][modal.EMAIL_BLOCK]
        assert w.starter.started == []


async def test_valid_form_closes_and_starts_in_the_channel_it_came_from(sqlite_url: str) -> None:
    async with world(sqlite_url, linking=False, shared_token="shared") as w:
        ack = await submit(w, name="Jane Doe", email="jane@example.com", ticket="#4521")

        assert ack.only == {}
        (started,) = w.starter.started
        assert (started["team_id"], started["user_id"], started["channel_id"]) == (
            TEAM,
            TECH,
            CHANNEL,
        )
        assert started["request"].customer_email == "jane@example.com"


async def test_unlinked_technician_sees_the_reason_and_the_sign_in_button(
    sqlite_url: str,
) -> None:
    """As the slash command does: the form turns into the reason, with the sign-in button."""
    async with world(sqlite_url, linking=True) as w:
        ack = await submit(w, name="Jane Doe")

        answer = ack.only
        assert answer["response_action"] == "update"
        view = answer["view"]
        assert view["type"] == "modal"
        assert "submit" not in view  # nothing to submit again until linked
        url = login_button_url(view["blocks"])
        assert url is not None and url.startswith(f"{PUBLIC_BASE}/goto/oauth/start?state=")
        assert "/remote-support login" in str(view["blocks"])
        assert w.starter.started == []


async def test_no_account_at_all_is_explained_in_the_form(sqlite_url: str) -> None:
    async with world(sqlite_url, linking=False) as w:
        ack = await submit(w, name="Jane Doe")

        answer = ack.only
        assert answer["response_action"] == "update"
        shown = str(answer["view"]["blocks"])
        assert "No session was started" in shown and "GOTOASSIST_ACCESS_TOKEN" in shown
        assert login_button_url(answer["view"]["blocks"]) is None
        assert w.starter.started == []


async def test_busy_is_an_error_on_the_form(sqlite_url: str) -> None:
    async with world(sqlite_url, linking=False, shared_token="shared") as w:
        w.deps.tasks.accepting = False
        ack = await submit(w, name="Jane Doe")

        assert ack.only["response_action"] == "errors"
        assert "busy" in ack.only["errors"][modal.NAME_BLOCK]
        assert w.starter.started == []


async def test_a_slow_account_check_does_not_hold_the_answer(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A token refresh may take longer than Slack waits: the form closes, and the start
    follows once the check is over."""
    monkeypatch.setattr(start_session, "ACCOUNT_CHECK_BUDGET_S", 0.05)
    async with world(sqlite_url, linking=False, shared_token="shared") as w:
        checked = asyncio.Event()

        async def slow_refusal(team_id: str, user_id: str, kind: object) -> None:
            await asyncio.sleep(0.3)
            checked.set()

        monkeypatch.setattr(w.starter, "refusal", slow_refusal)
        ack = Recorder()
        body, view = submission(name="Jane Doe")
        await start_session_submitted(ack=ack, body=body, view=view, context=w.context())

        assert ack.only == {}
        assert not checked.is_set() and w.starter.started == []
        await w.drain()
        assert checked.is_set()
        assert len(w.starter.started) == 1


async def test_a_failing_account_check_still_answers_the_form(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with world(sqlite_url, linking=False, shared_token="shared") as w:

        async def broken(team_id: str, user_id: str, kind: object) -> None:
            raise RuntimeError("database went away")

        monkeypatch.setattr(w.starter, "refusal", broken)
        ack = await submit(w, name="Jane Doe")

        assert ack.only == {}  # the form closes; the start reports what went wrong
        assert len(w.starter.started) == 1
