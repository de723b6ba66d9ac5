"""The card's "Start link" button answers only the technician who started the session."""

from __future__ import annotations

from typing import Any

from bot.listeners.actions.link_buttons import link_button_clicked
from bot.listeners.actions.start_link import start_link_clicked
from bot.sessions.model import CreationState, SessionKind, SessionRequest
from bot.store import sessions as store
from bot.store.types import utcnow

from .helpers import CHANNEL, OTHER, TEAM, TECH, Recorder, World, world

LAUNCH_URL = "https://app.gotoassist.example/launch?token=LAUNCH-SECRET-1"
SESSION_ID = "5e55" * 8


async def stored_session(w: World, *, launch_url: str | None = LAUNCH_URL) -> None:
    row = store.new_pending(
        session_id=SESSION_ID,
        team_id=TEAM,
        channel_id=CHANNEL,
        requester_id=TECH,
        request=SessionRequest(kind=SessionKind.ATTENDED, customer_name="Jane Doe"),
        callback_token_hash=None,
        goto_account=None,
        now=utcnow(),
    )
    row["creation"] = CreationState.CREATED.value
    row["launch_url_enc"] = w.box.encrypt(launch_url) if launch_url else None
    await w.db.run_write(store.insert_session, row)


async def click(w: World, user: str, value: str = SESSION_ID) -> tuple[Recorder, Recorder]:
    ack, respond = Recorder(), Recorder()
    body: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "team_id": TEAM},
        "actions": [{"action_id": "start_link", "value": value}],
    }
    await start_link_clicked(ack=ack, body=body, respond=respond, context=w.context())
    return ack, respond


async def test_the_requester_gets_the_link_privately(sqlite_url: str) -> None:
    async with world(sqlite_url, linking=False) as w:
        await stored_session(w)
        ack, respond = await click(w, TECH)

        assert ack.only == {}
        answer = respond.only
        assert answer["response_type"] == "ephemeral"
        assert answer["replace_original"] is False
        (button,) = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert button["url"] == LAUNCH_URL


async def test_anyone_else_is_told_whose_it_is_and_never_sees_it(sqlite_url: str) -> None:
    async with world(sqlite_url, linking=False) as w:
        await stored_session(w)
        ack, respond = await click(w, OTHER)

        assert ack.only == {}
        answer = respond.only
        assert answer == {
            "text": f"Only <@{TECH}> can use this session's start link.",
            "response_type": "ephemeral",
            "replace_original": False,
        }

        _ack, respond = await click(w, OTHER, value="no-such-session")
        assert "the technician who started it" in respond.only["text"]
        assert LAUNCH_URL not in str(respond.calls)


async def test_an_erased_link_is_no_longer_available(sqlite_url: str) -> None:
    async with world(sqlite_url, linking=False) as w:
        await stored_session(w, launch_url=None)
        _ack, respond = await click(w, TECH)

        assert respond.only["text"] == "This session's start link is no longer available."


async def test_url_buttons_are_acknowledged() -> None:
    ack = Recorder()
    await link_button_clicked(ack=ack)
    assert ack.only == {}
