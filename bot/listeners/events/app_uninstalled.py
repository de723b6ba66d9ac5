"""`app_uninstalled`: the workspace removed the app; writes to Slack stop."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncBoltContext

from bot.listeners.deps import deps_of

log = logging.getLogger(__name__)


async def app_uninstalled(context: AsyncBoltContext) -> None:
    deps_of(context).writer.refuse("app_uninstalled")
    log.error("Slack reports the app was uninstalled: writes to Slack stop")
