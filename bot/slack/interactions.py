"""Modal submissions and card buttons."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.metrics import COMMANDS
from bot.slack import blocks
from bot.slack.commands import BUSY, start_in_background
from bot.slack.deps import ListenerDeps
from bot.slack.modal import CALLBACK_ID, NAME_BLOCK, parse_modal_submission
from bot.store import sessions as store

log = logging.getLogger(__name__)


def register(app: AsyncApp, deps: ListenerDeps) -> None:
    @app.view(CALLBACK_ID)
    async def submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        parsed = parse_modal_submission(view["state"]["values"])
        if isinstance(parsed, dict):
            COMMANDS.labels(command="modal", outcome="invalid").inc()
            await ack(response_action="errors", errors=parsed)
            return
        if not deps.tasks.has_room:
            COMMANDS.labels(command="modal", outcome="busy").inc()
            await ack(response_action="errors", errors={NAME_BLOCK: BUSY})
            return
        await ack()
        COMMANDS.labels(command="modal", outcome="received").inc()
        user = body["user"]
        start_in_background(
            deps,
            team_id=user.get("team_id") or body["team"]["id"],
            channel_id=view.get("private_metadata") or user["id"],
            user_id=user["id"],
            request=parsed,
        )

    @app.action("start_link")
    async def start_link(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """Only the requester gets the link, as an ephemeral answer to their own click."""
        await ack()
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
        await respond(
            text=message.text,
            blocks=message.blocks,
            response_type="ephemeral",
            replace_original=False,
        )
