"""Every form of `/remote-support`: status, list, help, bad input, and the modal."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.slack import modal
from sandbox.harness import Rig, wait_until
from tests.e2e.helpers import (
    CHANNEL,
    EXAMPLE,
    OTHER,
    TECH,
    interactive_body,
    post_signed,
    session_rows,
    short_id_on,
    start_and_settle,
    view_submission_payload,
    wait_card,
    wait_status,
)


async def _answer_on_response_url(rig: Rig, count_before: int) -> dict[str, Any]:
    await wait_until(
        lambda: len(rig.slack.responses) > count_before, what="an answer on the response_url"
    )
    answer: dict[str, Any] = rig.slack.responses[-1]
    return answer


async def test_status_and_list_answer_on_the_response_url(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        card, session = await start_and_settle(rig)
        rig.goto.start_session(session.session_token)
        await wait_status(rig, card, "waiting")

        seen = len(rig.slack.responses)
        status, ack = await rig.slash(f"status {short_id_on(card)}")
        assert status == 200
        assert not (isinstance(ack, dict) and ack.get("text")), ack
        answer = await _answer_on_response_url(rig, seen)
        assert answer["response_type"] == "ephemeral"
        assert short_id_on(card) in answer["text"]
        assert "Jane Doe" in answer["text"]
        assert answer["text"].endswith("waiting")

        seen = len(rig.slack.responses)
        status, _ = await rig.slash("status 0000000000")
        assert status == 200
        answer = await _answer_on_response_url(rig, seen)
        assert "No session" in answer["text"]

        seen = len(rig.slack.responses)
        status, _ = await rig.slash("list")
        assert status == 200
        answer = await _answer_on_response_url(rig, seen)
        assert answer["response_type"] == "ephemeral"
        listing = json.dumps(answer)
        assert "(1)" in answer["text"]
        assert "Jane Doe" in listing
        assert "waiting" in listing
        assert short_id_on(card) in listing
        assert session.launch_url not in listing


async def test_help_answers_in_the_acknowledgement(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        status, ack = await rig.slash("help")
        assert status == 200
        assert isinstance(ack, dict)
        assert ack["text"] == "How to use /remote-support"
        body = json.dumps(ack["blocks"])
        for word in ("list", "status", "help", "jane@example.com"):
            assert word in body
        assert ack.get("response_type", "ephemeral") == "ephemeral"
        assert rig.goto.requests == []


async def test_bad_input_gets_an_example_and_creates_nothing(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        bad = [
            ("jane@example.com bob@example.com", "Two e-mail addresses"),
            ("Jane Doe #1 #2", "Two ticket ids"),
            ('"Jane Doe jane@example.com', "unmatched"),
            ("jane@example.com", "Who is the customer"),
            ("Jane not-an-email@", "not a valid e-mail"),
        ]
        for text, words in bad:
            status, ack = await rig.slash(text)
            assert status == 200
            assert isinstance(ack, dict), ack
            assert ack.get("response_type", "ephemeral") == "ephemeral"
            assert words in ack["text"], (text, ack["text"])
            assert "For example" in ack["text"]
            assert "/remote-support" in ack["text"]
            assert "Nothing was started" in json.dumps(ack["blocks"])
        # The example is one that works.
        status, ack = await rig.slash("jane@example.com bob@example.com")
        assert isinstance(ack, dict) and f"For example: {EXAMPLE}" in ack["text"]

        await asyncio.sleep(0.3)  # room for wrongly started work to show
        assert rig.goto.requests == []
        assert rig.slack.messages() == []
        assert await session_rows(sqlite_url) == []


def _values(**fields: str) -> dict[str, dict[str, str]]:
    ids = {
        "name": (modal.NAME_BLOCK, modal.NAME_ACTION),
        "email": (modal.EMAIL_BLOCK, modal.EMAIL_ACTION),
        "ticket": (modal.TICKET_BLOCK, modal.TICKET_ACTION),
        "url": (modal.TICKET_URL_BLOCK, modal.TICKET_URL_ACTION),
        "machine": (modal.MACHINE_BLOCK, modal.MACHINE_ACTION),
    }
    return {ids[k][0]: {ids[k][1]: v} for k, v in fields.items()}


async def test_bare_command_opens_the_modal_and_submitting_it_starts_a_session(
    sqlite_url: str,
) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        body = rig.slash_body("", channel=CHANNEL)
        trigger = dict(pair.split("=", 1) for pair in body.split("&"))["trigger_id"]
        status, _ack = await post_signed(rig, body)
        assert status == 200

        await wait_until(lambda: bool(rig.slack.calls_to("views.open")), what="views.open")
        (opened,) = rig.slack.calls_to("views.open")
        assert opened.ok
        assert opened.params["trigger_id"] == trigger
        view = opened.params["view"]
        assert view["callback_id"] == modal.CALLBACK_ID
        assert view["private_metadata"] == CHANNEL
        block_ids = {b.get("block_id") for b in view["blocks"]}
        assert {modal.NAME_BLOCK, modal.EMAIL_BLOCK, modal.TICKET_BLOCK} <= block_ids
        assert rig.goto.requests == []

        # An invalid submission is answered with errors on the fields, and starts nothing.
        invalid = view_submission_payload(
            user=TECH,
            channel=CHANNEL,
            values=_values(name="", email="not-an-email", ticket="#4521"),
        )
        status, answer = await post_signed(rig, interactive_body(invalid))
        assert status == 200
        assert isinstance(answer, dict), answer
        assert answer["response_action"] == "errors"
        assert set(answer["errors"]) >= {modal.NAME_BLOCK, modal.EMAIL_BLOCK}
        await asyncio.sleep(0.3)
        assert rig.goto.requests == []

        # A valid one closes the modal and starts the session in the channel.
        valid = view_submission_payload(
            user=TECH,
            channel=CHANNEL,
            values=_values(
                name="Jane Doe", email="jane@example.com", ticket="#4521", url="", machine=""
            ),
        )
        status, answer = await post_signed(rig, interactive_body(valid))
        assert status == 200
        assert not answer or "response_action" not in answer, answer

        card = await wait_card(rig)
        assert card.text == "Remote support for Jane Doe: not started"
        (create,) = [r for r in rig.goto.requests if r.route == "create"]
        assert create.json["customerName"] == "Jane Doe"
        assert create.json["customerEmail"] == "jane@example.com"
        assert create.json["partnerObject"] == "4521"
        await wait_until(lambda: bool(rig.slack.dms(TECH)), what="the start-link DM")


async def test_status_answers_the_technician_and_the_cards_channel_only(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        card, _session = await start_and_settle(rig)
        ref = short_id_on(card)
        gets_before = len([r for r in rig.goto.requests if r.method == "GET"])

        async def ask(user: str, channel: str, about: str = ref) -> str:
            seen = len(rig.slack.responses)
            status, _ = await rig.slash(f"status {about}", user=user, channel=channel)
            assert status == 200
            return str((await _answer_on_response_url(rig, seen))["text"])

        # A neighbour in another channel (or in their DM) learns nothing, not even that the
        # session exists: the answer is the one a made-up id gets.
        made_up = "0123456789"
        for channel in ("CELSEWHERE", "D" + OTHER):
            answer = await ask(OTHER, channel)
            assert answer == (await ask(OTHER, channel, made_up)).replace(made_up, ref)
            assert "Jane Doe" not in answer
        assert len([r for r in rig.goto.requests if r.method == "GET"]) == gets_before

        # In the card's channel anyone sees it; its technician sees it from anywhere.
        assert "Jane Doe" in await ask(OTHER, CHANNEL)
        assert "Jane Doe" in await ask(TECH, "CELSEWHERE")
