"""``api.test`` and ``auth.test``."""

from __future__ import annotations

from typing import Any

from sandbox.slack.records import JSON
from sandbox.slack.state import SlackState


class AuthMethods(SlackState):
    """Who the token is."""

    def _api_test(self, params: dict[str, Any]) -> JSON:
        return {"ok": True, "args": params}

    def _auth_test(self, params: dict[str, Any]) -> JSON:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": "Stand-in Workspace",
            "user": "remote-support",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }
