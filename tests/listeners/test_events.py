"""Slack revoking the app's token stops writes."""

from __future__ import annotations

from bot.listeners.events.app_uninstalled import app_uninstalled
from bot.listeners.events.tokens_revoked import tokens_revoked

from .helpers import world


async def test_a_revoked_user_token_changes_nothing_a_revoked_bot_token_stops_writes(
    sqlite_url: str,
) -> None:
    async with world(sqlite_url, linking=False) as w:
        writer = w.deps.writer
        await tokens_revoked(
            event={"tokens": {"oauth": ["U1"]}}, body={"team_id": "T1"}, context=w.context()
        )
        assert writer.auth_failure is None

        await tokens_revoked(
            event={"tokens": {"bot": ["B1"]}}, body={"team_id": "T1"}, context=w.context()
        )
        assert writer.auth_failure == "token_revoked"


async def test_uninstall_stops_writes(sqlite_url: str) -> None:
    async with world(sqlite_url, linking=False) as w:
        await app_uninstalled(body={"team_id": "T1"}, context=w.context())
        assert w.deps.writer.auth_failure == "app_uninstalled"
        assert not await w.deps.writer.writes_allowed()
