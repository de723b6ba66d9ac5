"""The technician's start link is a credential: only the requester ever sees it."""

from __future__ import annotations

import json
from pathlib import Path

from sandbox.harness import Rig, wait_until
from tests.e2e.helpers import (
    CHANNEL,
    OTHER,
    TECH,
    block_action_payload,
    interactive_body,
    post_signed,
    rendered,
    session_id_on,
    short_id_on,
    slack_params_with,
    sqlite_files,
    start_and_settle,
    wait_status,
)

DM = "D" + TECH


async def test_start_link_reaches_only_the_requester(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        acks: list[object] = []
        card, session = await start_and_settle(rig, user=TECH, acks=acks)
        launch = session.launch_url
        secret_part = launch.rsplit("/", 1)[1]
        assert len(secret_part) >= 16

        # Drive it to the end so the card has a history, and ask about it in every way.
        rig.goto.start_session(session.session_token)
        await wait_status(rig, card, "waiting")
        rig.goto.join_session(session.session_token)
        await wait_status(rig, card, "active")
        _, status_ack = await rig.slash(f"status {short_id_on(card)}", user=TECH)
        _, list_ack = await rig.slash("list", user=TECH)
        await wait_until(lambda: len(rig.slack.responses) >= 2, what="status and list answers")
        rig.goto.end_session(session.session_token, notes="done")
        await wait_status(rig, card, "complete")
        await wait_until(
            lambda: len(rig.slack.thread(CHANNEL, card.ts)) >= 4, what="all thread replies"
        )

        # The requester has it: an ephemeral in the card's thread, and a DM.
        mine = [m for m in rig.slack.ephemerals(CHANNEL, TECH) if launch in rendered(m)]
        assert mine, "no ephemeral start link for the requester"
        assert all(m.thread_ts == card.ts for m in mine)
        assert any(launch in rendered(m) for m in rig.slack.dms(TECH)), "no start link DM"

        # Nowhere else: no channel message, thread reply or earlier card version ...
        for message in rig.slack.messages():
            if message.channel == DM:
                continue
            assert launch not in rendered(message), (message.channel, message.ts)
            assert secret_part not in rendered(message)
        # ... no ephemeral to anyone else, no answer on a response_url, no acknowledgement.
        for message in rig.slack.ephemerals():
            if message.user != TECH:
                assert secret_part not in rendered(message)
        assert secret_part not in json.dumps(rig.slack.responses)
        for body in (*acks, status_ack, list_ack):
            assert secret_part not in json.dumps(body)
        # Every Web API call that carried it was addressed to the requester alone.
        for method, params in slack_params_with(rig, secret_part):
            if method == "chat.postEphemeral":
                assert params["user"] == TECH and params["channel"] == CHANNEL
            else:
                # Posting to the user id lands in the app's DM with them (DM channel id).
                assert method == "chat.postMessage" and params["channel"] in (DM, TECH)

    # Not stored in plaintext: the SQLite file (and any journal) never holds it.
    files = [p for p in sqlite_files(sqlite_url) if p.exists()]
    assert files
    for path in files:
        data = Path(path).read_bytes()
        assert secret_part.encode() not in data, path
        assert launch.encode() not in data, path


async def test_start_link_button_answers_only_the_requester(sqlite_url: str) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        card, session = await start_and_settle(rig)
        session_id = session_id_on(card)
        secret_part = session.launch_url.rsplit("/", 1)[1]

        # Someone else in the channel clicks "Start link".
        payload = block_action_payload(
            rig, user=OTHER, card=card, value=session_id, response_key="other-click"
        )
        status, _ = await post_signed(rig, interactive_body(payload))
        assert status == 200
        await wait_until(
            lambda: bool(rig.slack.responses_to("other-click")), what="the answer to the click"
        )
        (answer,) = rig.slack.responses_to("other-click")
        assert f"Only <@{TECH}>" in answer["text"]
        assert answer.get("response_type") == "ephemeral"
        assert answer.get("replace_original") is False
        assert secret_part not in json.dumps(answer)
        assert not any(secret_part in rendered(m) for m in rig.slack.ephemerals(user=OTHER))
        assert not rig.slack.dms(OTHER)

        # The requester clicking it gets the link, privately.
        payload = block_action_payload(
            rig, user=TECH, card=card, value=session_id, response_key="own-click"
        )
        status, _ = await post_signed(rig, interactive_body(payload))
        assert status == 200
        await wait_until(
            lambda: bool(rig.slack.responses_to("own-click")), what="the answer to the click"
        )
        (own,) = rig.slack.responses_to("own-click")
        assert own.get("response_type") == "ephemeral"
        assert session.launch_url in json.dumps(own)

        # The card itself never changed hands or gained the link.
        current = rig.slack.message(CHANNEL, card.ts)
        assert current is not None and secret_part not in rendered(current)
