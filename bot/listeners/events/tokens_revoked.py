"""`tokens_revoked`: when the bot token is among them, the app is as good as removed from
the workspace: writes to Slack stop here, and its polls and GoTo tokens everywhere."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncBoltContext

from bot.listeners.deps import deps_of
from bot.workflows.workspaces import remove_workspace


async def tokens_revoked(
    event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
) -> None:
    tokens = event.get("tokens")
    if not isinstance(tokens, dict) or not tokens.get("bot"):
        return  # only users' tokens: the app holds none
    deps = deps_of(context)
    deps.writer.refuse("token_revoked")
    team_id = context.team_id or body.get("team_id")
    if isinstance(team_id, str) and team_id:
        await remove_workspace(deps.db, team_id, "tokens_revoked")
