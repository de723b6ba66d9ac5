"""`/remote-support` driven directly: the listener with a fake ack and respond."""

from __future__ import annotations

import json

from bot.listeners.commands.remote_support import remote_support
from bot.slack.account_blocks import LINKING_NOT_CONFIGURED

from .helpers import PUBLIC_BASE, TECH, Recorder, World, login_button_url, slash, world

START = "Jane Doe jane@example.com #4521"


async def run(w: World, text: str, *, client: object = None) -> tuple[Recorder, Recorder]:
    ack, respond = Recorder(), Recorder()
    await remote_support(
        ack=ack, command=slash(text), respond=respond, client=client, context=w.context()
    )
    await w.drain()
    return ack, respond


async def test_unlinked_technician_is_offered_the_sign_in_button_and_nothing_starts(
    sqlite_url: str,
) -> None:
    async with world(sqlite_url, linking=True) as w:
        ack, respond = await run(w, START)

        assert ack.only["text"].startswith("Starting a remote-support session for Jane Doe")
        answer = respond.only
        assert answer["response_type"] == "ephemeral"
        url = login_button_url(answer["blocks"])
        assert url is not None and url.startswith(f"{PUBLIC_BASE}/goto/oauth/start?state=")
        assert "/remote-support login" in answer["text"]
        assert w.starter.started == []


async def test_linking_configured_with_a_shared_account_starts_at_once(sqlite_url: str) -> None:
    async with world(sqlite_url, linking=True, shared_token="shared") as w:
        ack, respond = await run(w, START)

        assert "Starting" in ack.only["text"]
        assert respond.calls == []
        (started,) = w.starter.started
        assert (started["user_id"], started["channel_id"]) == (TECH, "CSUPPORT")
        assert started["request"].customer_name == "Jane Doe"
        assert started["request"].partner_object == "4521"


async def test_no_account_at_all_says_so_without_a_button(sqlite_url: str) -> None:
    async with world(sqlite_url, linking=False) as w:
        _ack, respond = await run(w, START)

        answer = respond.only
        assert answer["text"].startswith("No session was started: No GoToAssist account")
        assert "blocks" not in answer
        assert w.starter.started == []


async def test_a_full_queue_says_busy_in_the_ack(sqlite_url: str) -> None:
    async with world(sqlite_url, linking=False, shared_token="shared") as w:
        w.deps.tasks.accepting = False
        ack, respond = await run(w, START)

        assert "busy" in ack.only["text"]
        assert respond.calls == [] and w.starter.started == []


async def test_help_and_bad_input_are_answered_in_the_ack(sqlite_url: str) -> None:
    async with world(sqlite_url, linking=False) as w:
        ack, respond = await run(w, "help")
        assert ack.only["text"] == "How to use /remote-support"
        assert respond.calls == []

        ack, respond = await run(w, "jane@example.com bob@example.com")
        assert "Two e-mail addresses" in ack.only["text"]
        assert "Nothing was started" in json.dumps(ack.only["blocks"])
        assert respond.calls == [] and w.starter.started == []


async def test_login_and_logout(sqlite_url: str) -> None:
    async with world(sqlite_url, linking=False) as w:
        for word in ("login", "logout"):
            _ack, respond = await run(w, word)
            assert respond.only == {"text": LINKING_NOT_CONFIGURED, "response_type": "ephemeral"}

    async with world(sqlite_url, linking=True) as w:
        _ack, respond = await run(w, "login")
        assert login_button_url(respond.only["blocks"]) is not None

        _ack, respond = await run(w, "logout")
        assert respond.only["text"] == "You had no linked GoTo account."


async def test_list_and_status_with_nothing_stored(sqlite_url: str) -> None:
    async with world(sqlite_url, linking=False) as w:
        ack, respond = await run(w, "list")
        assert ack.only == {}
        assert respond.only["text"] == "You have no recent remote-support sessions."

        _ack, respond = await run(w, "status 0123456789")
        assert respond.only["text"].startswith("No session `0123456789` was found")


async def test_bare_command_opens_the_form_in_this_channel(sqlite_url: str) -> None:
    class Client:
        def __init__(self) -> None:
            self.opened: list[dict[str, object]] = []

        async def views_open(self, **kwargs: object) -> None:
            self.opened.append(kwargs)

    async with world(sqlite_url, linking=False) as w:
        client = Client()
        ack, respond = await run(w, "", client=client)
        assert ack.only == {}
        (opened,) = client.opened
        view = opened["view"]
        assert isinstance(view, dict)
        assert (opened["trigger_id"], view["private_metadata"]) == ("trigger-1", "CSUPPORT")
        assert respond.calls == []
