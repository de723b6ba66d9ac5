"""`app_uninstalled`: the workspace removed the app. Writes to Slack stop here, and what the
app keeps doing for the workspace stops everywhere (stored: every replica sees it)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncBoltContext

from bot.listeners.deps import deps_of
from bot.workflows.workspaces import remove_workspace


async def app_uninstalled(body: dict[str, Any], context: AsyncBoltContext) -> None:
    deps = deps_of(context)
    deps.writer.refuse("app_uninstalled")
    team_id = context.team_id or body.get("team_id")
    if isinstance(team_id, str) and team_id:
        await remove_workspace(deps.db, team_id, "app_uninstalled")
