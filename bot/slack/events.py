"""Workspace events: when Slack revokes the app's token, stop writing and say so."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.slack.writer import SlackWriter

log = logging.getLogger(__name__)


def register(app: AsyncApp, writer: SlackWriter) -> None:
    @app.event("app_uninstalled")
    async def uninstalled(event: dict[str, Any]) -> None:
        writer.refuse("app_uninstalled")
        log.error("Slack reports the app was uninstalled: writes to Slack stop")

    @app.event("tokens_revoked")
    async def revoked(event: dict[str, Any]) -> None:
        if event.get("tokens", {}).get("bot"):
            writer.refuse("token_revoked")
            log.error("Slack reports the bot token was revoked: writes to Slack stop")
