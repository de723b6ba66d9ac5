"""Buttons that only open a URL (the private start link, the GoTo sign-in link).

Slack still sends the app each click and shows the clicker a warning unless it is
acknowledged; there is nothing else to do.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck

from bot.slack.account_blocks import LOGIN_ACTION_ID
from bot.slack.blocks import OPEN_START_LINK_ACTION_ID

LINK_BUTTONS = (OPEN_START_LINK_ACTION_ID, LOGIN_ACTION_ID)


async def link_button_clicked(ack: AsyncAck) -> None:
    await ack()
