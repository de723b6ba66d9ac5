"""Workflow Builder custom steps (Bolt's ``function`` listener)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners.functions.start_session import FUNCTION_CALLBACK_ID, start_session_step


def register(app: AsyncApp) -> None:
    app.function(FUNCTION_CALLBACK_ID)(start_session_step)
