"""The global "Start remote support" shortcut: the start form, with a field for the channel
the card goes to (a global shortcut is opened from nowhere in particular)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.modal import build_session_modal

log = logging.getLogger(__name__)

GLOBAL_SHORTCUT_ID = "start_remote_support"


async def global_start(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
    await ack()
    try:
        await client.views_open(
            trigger_id=body["trigger_id"], view=build_session_modal("", pick_channel=True)
        )
    except SlackApiError as exc:
        log.warning("views.open for the global shortcut failed: %s", exc.response.get("error"))
