"""The card's "Start link" button: only the requester gets the link, as an ephemeral answer
to their own click; anyone else is told whose it is."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond

from bot.listeners.deps import deps_of
from bot.slack import blocks
from bot.store import sessions as store


async def start_link_clicked(
    ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    await ack()
    deps = deps_of(context)
    session_id = str(body["actions"][0].get("value", ""))
    clicker = body["user"]["id"]
    async with deps.db.read() as db:
        row = await store.get(db, session_id)
        session = store.to_domain(row) if row is not None else None
        encrypted = row.launch_url_enc if row is not None else None
    if session is None or session.requester_id != clicker:
        owner = f"<@{session.requester_id}>" if session else "the technician who started it"
        await respond(
            text=f"Only {owner} can use this session's start link.",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    launch_url = deps.box.decrypt(encrypted) if encrypted else None
    if launch_url is None:
        await respond(
            text="This session's start link is no longer available.",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    message = blocks.render_start_link(session, launch_url)
    await respond(**message.as_kwargs(), response_type="ephemeral", replace_original=False)
