"""A bare `/remote-support`: open the "start a session" form."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.command_text import EXAMPLE_START
from bot.slack.modal import build_session_modal

log = logging.getLogger(__name__)


async def open_modal(
    ack: AsyncAck,
    respond: AsyncRespond,
    client: AsyncWebClient,
    *,
    trigger_id: str,
    channel_id: str,
) -> None:
    """The channel rides in the form's private_metadata, for the card to go there."""
    await ack()
    try:
        await client.views_open(trigger_id=trigger_id, view=build_session_modal(channel_id))
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        await respond(
            text="The session form could not be opened (Slack said "
            f"`{exc.response.get('error')}`). Try again, or type `{EXAMPLE_START}`.",
            response_type="ephemeral",
        )
