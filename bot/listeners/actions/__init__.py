"""Buttons on the app's messages."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners.actions.link_buttons import LINK_BUTTONS, link_button_clicked
from bot.listeners.actions.start_link import start_link_clicked
from bot.slack.blocks import START_LINK_ACTION_ID


def register(app: AsyncApp) -> None:
    app.action(START_LINK_ACTION_ID)(start_link_clicked)
    for action_id in LINK_BUTTONS:
        app.action(action_id)(link_button_clicked)
