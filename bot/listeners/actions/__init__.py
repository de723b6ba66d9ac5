"""Buttons on the app's messages."""

from __future__ import annotations

import re

from slack_bolt.async_app import AsyncApp

from bot.listeners.actions.link_buttons import LINK_BUTTONS, link_button_clicked
from bot.listeners.actions.machine_choice import machine_chosen, machine_not_started
from bot.listeners.actions.start_link import start_link_clicked
from bot.slack.blocks import START_LINK_ACTION_ID
from bot.slack.machine_blocks import DONT_START_ACTION, PICK_ACTION_PREFIX, START_ANYWAY_ACTION


def register(app: AsyncApp) -> None:
    app.action(START_LINK_ACTION_ID)(start_link_clicked)
    app.action(re.compile(re.escape(PICK_ACTION_PREFIX) + r"\d+"))(machine_chosen)
    app.action(START_ANYWAY_ACTION)(machine_chosen)
    app.action(DONT_START_ACTION)(machine_not_started)
    for action_id in LINK_BUTTONS:
        app.action(action_id)(link_button_clicked)
