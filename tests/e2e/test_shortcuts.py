"""Shortcuts over real HTTP: "Start remote support" on a message (a normal and a Slack
Connect channel: the form prefilled from the author, the card and join link in that message's
thread) and from anywhere (the form asks which channel)."""

from __future__ import annotations

import json
import time
from typing import Any

from sandbox.harness import Rig, wait_until
from sandbox.slack import StandInMessage, payloads
from tests.e2e.helpers import CHANNEL, TECH, post_signed, rendered

SHARED = "CSHARED1"
CUSTOMER = "UCUSTOMER9"


def submission(
    view: dict[str, Any], values: dict[str, dict[str, dict[str, Any]]], user: str = TECH
) -> str:
    """The form ``view`` (as opened) submitted with ``values`` (block -> action -> state)."""
    return payloads.interactive(
        {
            "type": "view_submission",
            "team": {"id": "T0SANDBOX", "domain": "sandbox"},
            "user": {"id": user, "username": user.lower(), "team_id": "T0SANDBOX"},
            "api_app_id": "A0SANDBOX",
            "token": "legacy-verification-token",
            "trigger_id": f"trigger-{time.monotonic_ns()}",
            "view": {**view, "state": {"values": values}},
            "response_urls": [],
        }
    )


def text_value(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def initial(view: dict[str, Any], block_id: str) -> str | None:
    for block in view["blocks"]:
        if block.get("block_id") == block_id:
            return block["element"].get("initial_value")  # type: ignore[no-any-return]
    raise AssertionError(f"no {block_id} in the form")


async def opened_form(rig: Rig, body: str) -> dict[str, Any]:
    before = set(rig.slack.views)
    status, _ = await post_signed(rig, body)
    assert status == 200
    await wait_until(lambda: bool(set(rig.slack.views) - before), what="the start form")
    (view_id,) = set(rig.slack.views) - before
    return rig.slack.views[view_id]


def thread_card(rig: Rig, channel: str, parent_ts: str) -> StandInMessage | None:
    for message in rig.slack.thread(channel, parent_ts):
        if ":" in message.text and "not started" in message.text:
            return message
    return None


async def shortcut_on_message(
    rig: Rig, channel: str, author: str, text: str
) -> tuple[str, dict[str, Any]]:
    ts = rig.slack.add_user_message(channel, author, text)
    body = payloads.message_action(
        callback_id="start_remote_support_message",
        user=TECH,
        channel=channel,
        message={"ts": ts, "user": author, "text": text},
        response_url=rig.slack.response_url(f"shortcut-{ts}"),
    )
    return ts, await opened_form(rig, body)


async def test_message_shortcut_posts_the_card_and_join_link_in_that_thread(
    sqlite_url: str,
) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        rig.slack.set_user("UASKER1", real_name="Nina Needhelp", email="nina@example.com")
        ts, form = await shortcut_on_message(rig, CHANNEL, "UASKER1", "my screen is black")
        assert initial(form, "customer_name") == "Nina Needhelp"
        assert initial(form, "customer_email") == "nina@example.com"

        status, _ = await post_signed(
            rig,
            submission(
                form,
                {
                    "customer_name": {"customer_name_input": text_value("Nina Needhelp")},
                    "customer_email": {"customer_email_input": text_value("nina@example.com")},
                },
            ),
        )
        assert status == 200
        await wait_until(lambda: bool(rig.goto.sessions), what="the session")
        (session,) = rig.goto.sessions.values()
        await wait_until(
            lambda: any(session.customer_join_url in m.text for m in rig.slack.thread(CHANNEL, ts)),
            what="the join link in the message's thread",
        )
        card = thread_card(rig, CHANNEL, ts)
        assert card is not None and "Nina Needhelp" in card.text
        assert card.thread_ts == ts
        # Nothing at the top of the channel but the customer's own message.
        top = [m for m in rig.slack.messages(CHANNEL) if m.thread_ts in (None, m.ts)]
        assert [m.ts for m in top] == [ts]
        # Status replies follow in the same thread.
        rig.goto.start_session(session.session_token)
        await wait_until(
            lambda: any("Waiting for" in m.text for m in rig.slack.thread(CHANNEL, ts)),
            what="the status reply in the thread",
        )
        # The start link: the technician's ephemeral (in that thread) and DM only.
        for message in rig.slack.messages():
            if message.channel != "D" + TECH:
                assert session.launch_url not in rendered(message)


async def test_message_shortcut_in_a_shared_channel_uses_what_the_profile_shows(
    sqlite_url: str,
) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        rig.slack.set_user(
            CUSTOMER,
            real_name="Casey Connect",
            is_stranger=True,
            team_id="TOTHERORG",
            email_hidden=True,
        )
        ts, form = await shortcut_on_message(rig, SHARED, CUSTOMER, "help, please")
        assert initial(form, "customer_name") == "Casey Connect"
        assert initial(form, "customer_email") is None  # hidden: left for the technician

        values = {"customer_name": {"customer_name_input": text_value("Casey Connect")}}
        assert (await post_signed(rig, submission(form, values)))[0] == 200
        await wait_until(lambda: bool(rig.goto.sessions), what="the session")
        (session,) = rig.goto.sessions.values()
        await wait_until(
            lambda: any(session.customer_join_url in m.text for m in rig.slack.thread(SHARED, ts)),
            what="the join link where the customer asked",
        )
        card = thread_card(rig, SHARED, ts)
        assert card is not None and card.thread_ts == ts
        for message in rig.slack.messages():
            if message.channel != "D" + TECH:
                assert session.launch_url not in rendered(message)


async def test_message_shortcut_on_a_bot_message_opens_an_empty_form(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        ts = rig.slack.add_bot_message(CHANNEL, "an alert")
        body = payloads.message_action(
            callback_id="start_remote_support_message",
            user=TECH,
            channel=CHANNEL,
            message={"ts": ts, "bot_id": "B1", "text": "an alert"},
            response_url=rig.slack.response_url("bot-msg"),
        )
        form = await opened_form(rig, body)
        assert initial(form, "customer_name") is None
        assert form["private_metadata"] == f"{CHANNEL}/{ts}"


async def test_global_shortcut_asks_where_the_card_goes(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        form = await opened_form(
            rig, payloads.global_shortcut(callback_id="start_remote_support", user=TECH)
        )
        assert any(b.get("block_id") == "card_channel" for b in form["blocks"])
        values = {
            "card_channel": {
                "card_channel_input": {
                    "type": "conversations_select",
                    "selected_conversation": "CELSEWHERE",
                }
            },
            "customer_name": {"customer_name_input": text_value("Gina Global")},
        }
        assert (await post_signed(rig, submission(form, values)))[0] == 200
        await wait_until(
            lambda: any("Gina Global" in m.text for m in rig.slack.messages("CELSEWHERE")),
            what="the card in the chosen channel",
        )
        assert not [m for m in rig.slack.messages(CHANNEL) if "Gina Global" in m.text]
        card = next(m for m in rig.slack.messages("CELSEWHERE") if "Gina Global" in m.text)
        assert card.thread_ts in (None, card.ts)  # top level there
        assert json.dumps(card.blocks)


async def test_a_guest_using_the_message_shortcut_is_refused_as_with_the_command(
    sqlite_url: str,
) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        guest = "UGUEST7"
        rig.slack.set_user(guest, is_restricted=True)
        ts = rig.slack.add_user_message(CHANNEL, "UASKER1", "help")
        body = payloads.message_action(
            callback_id="start_remote_support_message",
            user=guest,
            channel=CHANNEL,
            message={"ts": ts, "user": "UASKER1", "text": "help"},
            response_url=rig.slack.response_url("guest"),
        )
        form = await opened_form(rig, body)
        values = {"customer_name": {"customer_name_input": text_value("Nina Needhelp")}}
        status, answer = await post_signed(rig, submission(form, values, user=guest))
        assert status == 200
        assert isinstance(answer, dict) and answer["response_action"] == "update"
        assert "guest" in json.dumps(answer).lower()
        assert not rig.goto.sessions
        assert [m.ts for m in rig.slack.messages(CHANNEL)] == [ts]


async def test_an_author_slack_will_not_describe_still_gets_the_form(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        rig.slack.remove_user(CUSTOMER)  # users.info answers user_not_found
        _ts, form = await shortcut_on_message(rig, SHARED, CUSTOMER, "hello?")
        assert initial(form, "customer_name") is None
        assert initial(form, "customer_email") is None
