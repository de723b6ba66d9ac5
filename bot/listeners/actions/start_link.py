"""The card's "Start link" button: only the requester gets the link, as an ephemeral answer
to their own click; anyone else is told whose it is."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond

from bot.listeners.deps import deps_of
from bot.listeners.start_links import answer_start_link
from bot.slack import blocks


async def start_link_clicked(
    ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    await ack()
    session_id = str(body["actions"][0].get("value", ""))
    answer = await answer_start_link(deps_of(context), session_id, body["user"]["id"])
    if answer.refusal is not None or answer.session is None:
        text = answer.refusal or "This session's start link is no longer available."
        await respond(text=text, response_type="ephemeral", replace_original=False)
        return
    if answer.launch_url is None:
        await respond(
            text="This session's start link is no longer available.",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    message = blocks.render_start_link(answer.session, answer.launch_url)
    await respond(**message.as_kwargs(), response_type="ephemeral", replace_original=False)
