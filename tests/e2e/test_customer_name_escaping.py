"""A customer name full of Slack markup is shown literally: no mention, no broadcast."""

from __future__ import annotations

import json

import pytest

from sandbox.harness import Rig, wait_until
from tests.e2e.helpers import CHANNEL, TECH, rendered, wait_card, wait_status

NAME = "<!channel> <@U123> & <b>"

# What Slack sends when the technician types the name: `&`, `<`, `>` arrive escaped.
AS_SLACK_SENDS_TYPED_TEXT = (
    '"&lt;!channel&gt; &lt;@U123&gt; &amp; &lt;b&gt;" jane@example.com #4521'
)
# The same characters unescaped (as a real @channel / user mention would arrive).
AS_RAW_MARKUP = '"<!channel> <@U123> & <b>" jane@example.com #4521'

WRITES = ("chat.postMessage", "chat.update", "chat.postEphemeral")


@pytest.mark.parametrize(
    "command_text",
    [AS_SLACK_SENDS_TYPED_TEXT, AS_RAW_MARKUP],
    ids=["slack-escaped", "raw-markup"],
)
async def test_markup_in_customer_name_is_shown_literally(
    sqlite_url: str, command_text: str
) -> None:
    async with Rig(database_url=sqlite_url) as rig:
        status, ack = await rig.slash(command_text, user=TECH, channel=CHANNEL)
        assert status == 200
        assert isinstance(ack, dict)
        assert ack["text"].startswith("Starting"), ack["text"]

        card = await wait_card(rig)
        await wait_until(lambda: bool(rig.slack.dms(TECH)), what="the start-link DM")
        # A status change adds a thread reply that names the customer too.
        (session,) = rig.goto.list_sessions()
        rig.goto.start_session(session.session_token)
        await wait_status(rig, card, "waiting")
        await wait_until(
            lambda: len(rig.slack.thread(CHANNEL, card.ts)) >= 2, what="the waiting reply"
        )

        # GoToAssist gets the name as typed (plain text, not escaped twice).
        creates = [r for r in rig.goto.requests if r.route == "create"]
        assert [r.json["customerName"] for r in creates] == [NAME]

        # The card shows it escaped, so Slack displays the characters literally.
        shown = rendered(card)
        for escaped in ("&lt;!channel&gt;", "&lt;@U123&gt;", "&amp;", "&lt;b&gt;"):
            assert escaped in card.text, escaped
            assert escaped in json.dumps(card.blocks), escaped
        assert "&amp;lt;" not in shown, "escaped twice"
        reply = rig.slack.thread(CHANNEL, card.ts)[-1]
        assert "Waiting for &lt;!channel&gt; &lt;@U123&gt; &amp; &lt;b&gt; to join" in reply.text

        # Nothing the app sent to Slack carries the live markup.
        written = [c for c in rig.slack.calls if c.method in WRITES]
        assert written
        everything = [json.dumps(c.params, ensure_ascii=False) for c in written]
        everything += [json.dumps(ack), json.dumps(rig.slack.responses)]
        everything += [rendered(m) for m in rig.slack.messages()]
        everything += [rendered(m) for m in rig.slack.ephemerals()]
        for blob in everything:
            assert "<!channel>" not in blob
            assert "<@U123>" not in blob
            assert "<b>" not in blob
