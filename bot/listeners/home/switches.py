"""Home's DM switches ("DM me when the customer joins / when a session ends")."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext

from bot.listeners.deps import deps_of
from bot.store import home


async def home_switch(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    await ack()
    deps = deps_of(context)
    which, _, state = str(body["actions"][0].get("value", "")).partition(":")
    if which not in ("join_dm", "end_dm") or state not in ("on", "off"):
        return
    user = body["user"]
    team_id = str(user.get("team_id") or (body.get("team") or {}).get("id") or "")
    await deps.db.run_write(home.set_switch, team_id, user["id"], which, state == "on")
    if deps.surfaces is not None:
        await deps.surfaces.republish(team_id, user["id"])
