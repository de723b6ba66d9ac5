"""``app_home_opened``: publish the viewer's Home (at most once per ``HOME_REFRESH_S``)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncBoltContext

from bot.listeners.deps import deps_of


async def app_home_opened(
    event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
) -> None:
    if event.get("tab", "home") != "home":
        return  # the Messages tab: nothing to draw
    deps = deps_of(context)
    if deps.surfaces is None:
        return
    team_id = str(body.get("team_id") or context.team_id or "")
    deps.tasks.spawn(deps.surfaces.opened(team_id, str(event["user"])), name="home-opened")
