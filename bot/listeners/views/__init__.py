"""Submissions of the app's modals."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners.views.start_session import offline_confirmed, start_session_submitted
from bot.slack.machine_blocks import OFFLINE_VIEW_CALLBACK_ID
from bot.slack.modal import CALLBACK_ID


def register(app: AsyncApp) -> None:
    app.view(CALLBACK_ID)(start_session_submitted)
    app.view(OFFLINE_VIEW_CALLBACK_ID)(offline_confirmed)
