"""What the Slack stand-in records and is configured with: calls, messages, channels, rate
limits, faults (public records first, then the package's own pieces)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

JSON = dict[str, Any]

UPSTREAM_ERROR_BODY = (
    "upstream connect error or disconnect/reset before headers. "
    "reset reason: connection termination"
)

MAX_TEXT = 40_000

MAX_MESSAGE_BLOCKS = 50

MAX_VIEW_BLOCKS = 100

RESPONSE_URL_MAX_USES = 5

JSON_STRING_FIELDS = ("blocks", "attachments", "view", "metadata")

TZ_LABELS = {
    "America/Los_Angeles": ("Pacific Standard Time", "Pacific Daylight Time"),
    "America/Denver": ("Mountain Standard Time", "Mountain Daylight Time"),
    "America/Chicago": ("Central Standard Time", "Central Daylight Time"),
    "America/New_York": ("Eastern Standard Time", "Eastern Daylight Time"),
    "Europe/London": ("Greenwich Mean Time", "British Summer Time"),
    "Europe/Berlin": ("Central European Time", "Central European Summer Time"),
}


@dataclass
class RecordedCall:
    """One Web API call as the stand-in saw and answered it.

    ``params`` is the merged, normalised request (``token`` removed). ``status`` is the HTTP
    status answered, 0 while the call is still pending (latency, hang) or if it was dropped.
    ``at`` is ``time.monotonic()`` and ``wall`` is ``time.time()``, both at arrival.
    """

    method: str
    params: dict[str, Any]
    status: int
    ok: bool
    error: str | None
    at: float
    wall: float
    retry_after: int | None = None

    def to_dict(self) -> JSON:
        return {
            "method": self.method,
            "params": self.params,
            "status": self.status,
            "ok": self.ok,
            "error": self.error,
            "retry_after": self.retry_after,
            "at": self.at,
            "wall": self.wall,
        }


@dataclass
class StandInMessage:
    """A message as it stands now.

    ``author`` is who posted it (the bot user unless seeded with ``add_user_message``);
    ``user`` is the recipient of an ephemeral message (None otherwise). ``history`` holds the
    previous ``(text, blocks)`` versions, oldest first; ``versions`` adds the current one.
    """

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    user: str | None = None
    author: str = ""
    ephemeral: bool = False
    deleted: bool = False
    metadata: dict[str, Any] | None = None
    history: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    edited_ts: str | None = None

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    @property
    def versions(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return [*self.history, (self.text, self.blocks)]

    def to_dict(self) -> JSON:
        return {
            "channel": self.channel,
            "ts": self.ts,
            "text": self.text,
            "blocks": self.blocks,
            "thread_ts": self.thread_ts,
            "user": self.user,
            "author": self.author,
            "ephemeral": self.ephemeral,
            "deleted": self.deleted,
            "metadata": self.metadata,
            "history": [{"text": t, "blocks": b} for t, b in self.history],
        }


@dataclass
class ChannelState:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    im_user: str | None = None
    is_archived: bool = False
    is_member: bool = True
    deleted: bool = False
    created: int = field(default_factory=lambda: int(time.time()))
    users_not_in: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: ``per_minute`` refill, ``burst`` capacity, per channel or per method."""

    per_minute: float
    burst: int = 1
    per_channel: bool = False


@dataclass(frozen=True)
class RetryAfterViolation:
    """A call that arrived ``early_by`` seconds before a Retry-After it was given elapsed."""

    method: str
    channel: str
    retry_after: int
    told_at: float
    arrived_at: float
    early_by: float

    def to_dict(self) -> JSON:
        return {
            "method": self.method,
            "channel": self.channel,
            "retry_after": self.retry_after,
            "told_at": self.told_at,
            "arrived_at": self.arrived_at,
            "early_by": self.early_by,
        }


# Slack's published tiers: postMessage ~1/s per channel with short bursts; Tier 3 50+/min;
# Tier 4 100+/min (per method, per workspace).
DEFAULT_RATE_LIMITS: Mapping[str, RateLimit] = {
    "chat.postMessage": RateLimit(per_minute=60, burst=5, per_channel=True),
    "chat.update": RateLimit(per_minute=50, burst=20),
    "chat.delete": RateLimit(per_minute=50, burst=20),
    "chat.postEphemeral": RateLimit(per_minute=100, burst=20),
    "chat.getPermalink": RateLimit(per_minute=100, burst=20),
    "conversations.open": RateLimit(per_minute=50, burst=20),
    "conversations.info": RateLimit(per_minute=50, burst=20),
    "views.open": RateLimit(per_minute=100, burst=20),
    "views.push": RateLimit(per_minute=100, burst=20),
    "views.update": RateLimit(per_minute=100, burst=20),
    "views.publish": RateLimit(per_minute=100, burst=20),
    "users.info": RateLimit(per_minute=100, burst=20),
    "usergroups.list": RateLimit(per_minute=20, burst=3),
    "usergroups.users.list": RateLimit(per_minute=20, burst=3),
    "auth.test": RateLimit(per_minute=100, burst=20),
    "functions.completeSuccess": RateLimit(per_minute=50, burst=20),
    "functions.completeError": RateLimit(per_minute=50, burst=20),
}


class SlackError(Exception):
    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass
class Fault:
    kind: Literal["ratelimit", "status", "error", "hang"]
    remaining: int
    retry_after: int = 1
    status: int = 500
    body: str = UPSTREAM_ERROR_BODY
    content_type: str = "text/plain"
    error: str = "internal_error"


@dataclass
class Bucket:
    tokens: float
    last: float


@dataclass
class RetryBlock:
    told_at: float
    until: float
    retry_after: int


@dataclass
class Trigger:
    issued_at: float | None = None
    expired: bool = False
    used: bool = False


@dataclass
class ParsedCall:
    params: dict[str, Any]
    token: str | None
    error: str | None


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def opt_str(params: Mapping[str, Any], key: str) -> str | None:
    value = params.get(key)
    if value is None or value == "":
        return None
    return str(value)


def user_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(u).strip() for u in value if str(u).strip()]
    if isinstance(value, str):
        return [u.strip() for u in value.split(",") if u.strip()]
    return []


# The app-level token (Socket Mode's apps.connections.open) the stand-in accepts.
APP_TOKEN = "xapp-1-A0SANDBOX-1-sandbox"  # noqa: S105 - the stand-in's own, not a secret
