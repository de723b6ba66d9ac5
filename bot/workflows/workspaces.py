"""Removing the app from a workspace (Slack's ``app_uninstalled``, or ``tokens_revoked`` for
the bot token): what it stops, for every replica."""

from __future__ import annotations

import logging

from bot.clock import utcnow
from bot.store import workspaces as workspace_store
from bot.store.database import Database

log = logging.getLogger(__name__)


async def remove_workspace(db: Database, team_id: str, because: str) -> None:
    removed = await db.run_write_off_loop(workspace_store.remove, team_id, because, utcnow())
    log.warning(
        "Slack reports %s for workspace %s: %d polled sessions stopped, %d linked GoTo "
        "accounts erased",
        because,
        team_id,
        removed.polls_stopped,
        removed.accounts_erased,
    )
