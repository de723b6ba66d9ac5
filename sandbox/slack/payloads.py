"""Bodies Slack POSTs for the app's surfaces beyond the slash command: shortcuts (on a
message, and global), App Home opened. Signed and sent by the caller (``Rig.post_signed``)."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

TEAM = "T0SANDBOX"
APP_ID = "A0SANDBOX"


def _sent_by(user: str, team: str = TEAM) -> dict[str, Any]:
    return {
        "team": {"id": team, "domain": "sandbox"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "is_enterprise_install": False,
        "enterprise": None,
    }


def interactive(payload: dict[str, Any]) -> str:
    """An interactivity request body: a form with one ``payload`` field of JSON."""
    return urlencode({"payload": json.dumps(payload)})


def message_action(
    *,
    callback_id: str,
    user: str,
    channel: str,
    message: dict[str, Any],
    response_url: str,
    team: str = TEAM,
) -> str:
    """A message shortcut used on ``message`` (``{"ts", "user", "text", "thread_ts"?}``)."""
    return interactive(
        {
            "type": "message_action",
            "callback_id": callback_id,
            **_sent_by(user, team),
            "trigger_id": f"trigger-{time.monotonic_ns()}",
            "action_ts": f"{time.time():.6f}",
            "channel": {"id": channel, "name": "support"},
            "message_ts": message["ts"],
            "message": {"type": "message", **message},
            "response_url": response_url,
        }
    )


def global_shortcut(*, callback_id: str, user: str, team: str = TEAM) -> str:
    return interactive(
        {
            "type": "shortcut",
            "callback_id": callback_id,
            **_sent_by(user, team),
            "trigger_id": f"trigger-{time.monotonic_ns()}",
            "action_ts": f"{time.time():.6f}",
        }
    )


def event(event: dict[str, Any], *, team: str = TEAM) -> str:
    """An Events API ``event_callback`` body (JSON)."""
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": team,
            "api_app_id": APP_ID,
            "type": "event_callback",
            "event_id": f"Ev{time.monotonic_ns()}",
            "event_time": int(time.time()),
            "event": event,
        }
    )


def app_home_opened(user: str, *, tab: str = "home", team: str = TEAM) -> str:
    return event(
        {
            "type": "app_home_opened",
            "user": user,
            "channel": f"D{user}",
            "tab": tab,
            "event_ts": f"{time.time():.6f}",
        },
        team=team,
    )
