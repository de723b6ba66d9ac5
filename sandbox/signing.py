"""Slack requests as Slack sends them: the sandbox's credentials, the v0 request signature and
a slash command's form body.

Standard library only: the benchmark's load generator process imports it too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

SIGNING_SECRET = "sandbox-signing-secret"  # noqa: S105 - a stand-in's own secret
BOT_TOKEN = "xoxb-sandbox-bot-token"  # noqa: S105
GOTO_TOKEN = "goto-sandbox-token"  # noqa: S105
TEAM = "T0SANDBOX"
CHANNEL = "CSUPPORT"
TECH = "UTECH1"
COMMAND = "/remote-support"
OAUTH_CLIENT_ID = "sandbox-oauth-client"
OAUTH_CLIENT_SECRET = "sandbox-oauth-secret"  # noqa: S105


def sign(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """The headers Slack sends with a request ``body`` (its v0 signature)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def slash_command_body(
    text: str,
    *,
    response_url: str,
    user: str = TECH,
    channel: str = CHANNEL,
    trigger_id: str | None = None,
) -> str:
    """The form body Slack posts for `/remote-support text` typed by ``user``."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "team_domain": "sandbox",
            "channel_id": channel,
            "channel_name": "support",
            "user_id": user,
            "user_name": user.lower(),
            "command": COMMAND,
            "text": text,
            "api_app_id": "A0SANDBOX",
            "response_url": response_url,
            "trigger_id": trigger_id or f"trigger-{time.monotonic_ns()}",
        }
    )


def event_callback_body(event: dict[str, Any], *, team: str = TEAM) -> str:
    """An Events API delivery (``type: event_callback``) of ``event``, as Slack POSTs it
    (JSON; sign it with :func:`sign`)."""
    envelope = {
        "token": "legacy-verification-token",
        "team_id": team,
        "api_app_id": "A0SANDBOX",
        "event": {"event_ts": f"{time.time():.6f}", **event},
        "type": "event_callback",
        "event_id": f"Ev{time.monotonic_ns()}",
        "event_time": int(time.time()),
    }
    return json.dumps(envelope)
