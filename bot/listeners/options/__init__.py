"""Option lists the app fills as someone types (``external_select`` / ``block_suggestion``)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners.options.machines import machine_suggestions
from bot.slack.modal import MACHINE_ACTION


def register(app: AsyncApp) -> None:
    app.options(MACHINE_ACTION)(machine_suggestions)
