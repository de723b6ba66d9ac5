"""Slash-command requests signed the way Slack signs them.

Kept free of heavy imports: the load generator process imports it too.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import quote, urlencode

SIGNING_SECRET = "bench-signing-secret"  # noqa: S105 - the bench's own throwaway secret
BOT_TOKEN = "xoxb-bench-bot-token"  # noqa: S105
GOTO_TOKEN = "goto-bench-token"  # noqa: S105
TEAM = "T0BENCH"
CHANNEL = "CSUPPORT"
COMMAND = "/remote-support"
CALLBACK_PATH = "/gotoassist/callbacks/"


def sign(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 request signature headers for ``body``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def customer_text(i: int) -> str:
    """``/remote-support`` text that starts an attended session for customer ``i``."""
    return f"Customer {i} customer{i}@example.com #{4000 + i}"


def slash_body(
    text: str, *, user: str, response_url_base: str, key: str, channel: str = CHANNEL
) -> str:
    """The form body Slack posts for ``/remote-support text`` typed by ``user``."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "team_domain": "bench",
            "channel_id": channel,
            "channel_name": "support",
            "user_id": user,
            "user_name": user.lower(),
            "command": COMMAND,
            "text": text,
            "api_app_id": "A0BENCH",
            "is_enterprise_install": "false",
            "response_url": response_url_base + quote(key, safe=""),
            "trigger_id": f"trigger-{key}",
        }
    )
