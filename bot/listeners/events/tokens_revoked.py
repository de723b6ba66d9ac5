"""`tokens_revoked`: when the bot token is among them, writes to Slack stop."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncBoltContext

from bot.listeners.deps import deps_of

log = logging.getLogger(__name__)


async def tokens_revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
    if event.get("tokens", {}).get("bot"):
        deps_of(context).writer.refuse("token_revoked")
        log.error("Slack reports the bot token was revoked: writes to Slack stop")
