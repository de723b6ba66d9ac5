"""Workspace events: when Slack revokes the app's token, stop writing and say so."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners.events.app_uninstalled import app_uninstalled
from bot.listeners.events.tokens_revoked import tokens_revoked


def register(app: AsyncApp) -> None:
    app.event("app_uninstalled")(app_uninstalled)
    app.event("tokens_revoked")(tokens_revoked)
