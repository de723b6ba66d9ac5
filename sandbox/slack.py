"""A local stand-in for the Slack Web API: a real aiohttp server on loopback.

It answers the Web API methods this app uses the way Slack does (HTTP 200 with ``{"ok": ...}``,
Slack's error codes, 429 with ``Retry-After``), keeps the resulting workspace state (messages,
threads, ephemerals, views) for inspection, records every call, and lets a test inject faults.
``slack_sdk.web.async_client.AsyncWebClient(token=..., base_url=standin.api_url)`` works against
it unchanged. It never opens an outbound connection.

Use from Python::

    async with SlackStandIn() as slack:
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        await client.chat_postMessage(channel="C1", text="hi")
        assert slack.messages("C1")[0].text == "hi"

or standalone: ``python -m sandbox.slack --port 8900`` (prints its URLs; Ctrl-C stops it).

Web API (``GET`` or ``POST /api/<method>``)
------------------------------------------
Bodies may be form-encoded, multipart or JSON; query parameters are merged in (the body wins).
``blocks``, ``attachments``, ``view`` and ``metadata`` sent as JSON strings (form bodies) are
parsed. The token comes from ``Authorization: Bearer <token>`` or a ``token`` form/query field
(as with Slack, a ``token`` inside a JSON body is ignored). Methods: ``api.test``, ``auth.test``,
``chat.postMessage``, ``chat.update``, ``chat.postEphemeral``, ``chat.delete``,
``chat.getPermalink``, ``conversations.open``, ``conversations.info``, ``views.open``,
``views.push``, ``views.update``, ``views.publish``, ``users.info``; anything else answers
``unknown_method``.

Behaviour worth knowing:

* Any channel id is a public channel the bot is in, until changed (``archive`` ...). A user id
  (``U...``/``W...``) as ``channel`` posts into the app's DM with that user, ``"D" + user id``,
  which is also what ``conversations.open`` returns. ``#name`` resolves only channels added
  with ``add_channel``.
* ``ts`` values look like Slack's (``"1764288000.000100"``), strictly increasing per server.
* ``thread_ts`` naming a reply is moved to that reply's parent; an unknown ``thread_ts`` is kept.
* Blocks are checked against Block Kit limits (50 blocks per message, 100 per view, section text
  3000, fields 10, header 150, block_id 255 and unique) -> ``invalid_blocks``; ``text`` is cut at
  40,000 characters. Views are checked (type, title <= 24, private_metadata <= 3000, submit
  with input blocks) -> ``invalid_arguments``.
* A ``trigger_id`` works once (then ``exchanged_trigger_id``); ones from ``issue_trigger()``
  expire after ``trigger_ttl`` (3 s); ``expire_trigger()`` expires any; empty ->
  ``expired_trigger_id``.
* Every 429 (injected or enforced) blocks its method + the call's ``channel`` (+ every channel
  for a per-workspace enforced limit) for Retry-After seconds; a call arriving inside that
  window is appended to ``retry_after_violations`` (and, while limits are enforced, answered
  429 again). ``enforce_rate_limits()`` uses ``DEFAULT_RATE_LIMITS``: chat.postMessage 60/min
  per channel with a burst of 5; Tier 3 methods (chat.update ...) 50/min and Tier 4 methods
  100/min per workspace, bursts of 20.
* ``users.info`` makes up a user for any id (time zone ``default_tz``) unless ``set_user`` or
  ``remove_user`` said otherwise.

Order of checks per call: record the call (status 0 until answered) -> Retry-After violation
check -> latency -> the next queued fault for the method (else for ``"*"``): hang, 5xx, 429, or
ok:false error -> unknown_method -> body parse errors -> auth -> enforced rate limit -> method.

``response_url`` receiver: ``POST /response/{key}`` with a JSON body is recorded in
``responses`` and answered 200 ``ok``; a sixth post to one key answers 404 ``used_url``, an
expired key 404 ``expired_url``, a body that is not a JSON object 400 ``invalid_payload``.

Control over HTTP (for an app running in another process; no auth, loopback only)
---------------------------------------------------------------------------------
* ``GET /_control/calls[?method=M]`` -> ``[{"method", "params", "status", "ok", "error",
  "retry_after", "at", "wall"}, ...]`` (``status`` 0: not answered yet, or dropped at stop).
* ``GET /_control/messages[?channel=C]`` -> ``[{"channel", "ts", "text", "blocks",
  "thread_ts", "user", "author", "ephemeral", "deleted", "metadata",
  "history": [{"text", "blocks"}, ...]}, ...]`` (replies included, ts order).
* ``GET /_control/thread?channel=C&ts=T`` -> same shape, replies to ``T``.
* ``GET /_control/ephemerals[?channel=C][&user=U]`` -> same shape.
* ``GET /_control/responses[?key=K]`` -> ``[<posted JSON body>, ...]``.
* ``GET /_control/views`` -> ``[<view object as Slack returns it>, ...]``.
* ``GET /_control/violations`` -> ``[{"method", "channel", "retry_after", "told_at",
  "arrived_at", "early_by"}, ...]``.
* ``POST /_control/fault`` with ``{"op": NAME, "args": {...}}`` -> ``{"ok": true, "result": R}``
  or 400 ``{"ok": false, "error": "..."}``. NAME is one of the Python methods of the same name
  and ``args`` its keyword arguments: ``rate_limit {method, count=1, retry_after=1}``,
  ``fail_next {method, status=500, count=1, body?, content_type?}``,
  ``fail_next_error {method, error="internal_error", count=1}``,
  ``set_latency {method, seconds}``, ``hang_next {method, count=1}``, ``release_hung {}``,
  ``clear_faults {}``, ``enforce_rate_limits {enabled=true, limits?: {METHOD: {per_minute,
  burst, per_channel}}}``, ``archive/unarchive/remove_bot/invite_bot/delete_channel
  {channel}``, ``add_channel {channel, name?, private=false}``, ``delete_message {channel,
  ts}``, ``add_user_message {channel, user, text, thread_ts?}`` (R: ts),
  ``revoke_token {token?}``, ``add_token {token}``, ``set_user_not_in_channel {channel, user}``,
  ``set_user {user, real_name?, name?, tz?, tz_offset?, tz_label?, email?, is_bot?,
  deleted?}``, ``remove_user {user}``, ``issue_trigger {}`` (R: trigger_id),
  ``expire_trigger {trigger_id}``, ``expire_response_url {key}``.
* ``POST /_control/reset`` -> ``{"ok": true}``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import math
import secrets
import signal
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

__all__ = [
    "DEFAULT_RATE_LIMITS",
    "ChannelState",
    "Message",
    "RateLimit",
    "RecordedCall",
    "RetryAfterViolation",
    "SlackStandIn",
    "main",
]

JSON = dict[str, Any]

UPSTREAM_ERROR_BODY = (
    "upstream connect error or disconnect/reset before headers. "
    "reset reason: connection termination"
)
MAX_TEXT = 40_000
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
RESPONSE_URL_MAX_USES = 5
_JSON_STRING_FIELDS = ("blocks", "attachments", "view", "metadata")
_TZ_LABELS = {
    "America/Los_Angeles": ("Pacific Standard Time", "Pacific Daylight Time"),
    "America/Denver": ("Mountain Standard Time", "Mountain Daylight Time"),
    "America/Chicago": ("Central Standard Time", "Central Daylight Time"),
    "America/New_York": ("Eastern Standard Time", "Eastern Daylight Time"),
    "Europe/London": ("Greenwich Mean Time", "British Summer Time"),
    "Europe/Berlin": ("Central European Time", "Central European Summer Time"),
}


# --------------------------------------------------------------------------- public records


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
class Message:
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
    "auth.test": RateLimit(per_minute=100, burst=20),
}


# --------------------------------------------------------------------------- internals


class _SlackError(Exception):
    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass
class _Fault:
    kind: Literal["ratelimit", "status", "error", "hang"]
    remaining: int
    retry_after: int = 1
    status: int = 500
    body: str = UPSTREAM_ERROR_BODY
    content_type: str = "text/plain"
    error: str = "internal_error"


@dataclass
class _Bucket:
    tokens: float
    last: float


@dataclass
class _Block:
    told_at: float
    until: float
    retry_after: int


@dataclass
class _Trigger:
    issued_at: float | None = None
    expired: bool = False
    used: bool = False


@dataclass
class _Parsed:
    params: dict[str, Any]
    token: str | None
    error: str | None


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _opt_str(params: Mapping[str, Any], key: str) -> str | None:
    value = params.get(key)
    if value is None or value == "":
        return None
    return str(value)


def _text_object_errors(
    obj: Any, max_len: int, pointer: str, plain_only: bool = False
) -> list[str]:
    if not isinstance(obj, dict):
        return [f"must be an object [json-pointer:{pointer}]"]
    kinds = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    errors: list[str] = []
    if obj.get("type") not in kinds:
        errors.append(f"must be one of {', '.join(kinds)} [json-pointer:{pointer}/type]")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        errors.append(f"must be more than 0 characters [json-pointer:{pointer}/text]")
    elif len(text) > max_len:
        errors.append(f"must be less than {max_len + 1} characters [json-pointer:{pointer}/text]")
    return errors


def _block_errors(blocks: Any, max_blocks: int) -> list[str]:
    if not isinstance(blocks, list):
        return ["must be an array [json-pointer:/blocks]"]
    errors: list[str] = []
    if len(blocks) > max_blocks:
        errors.append(f"must be less than {max_blocks + 1} items [json-pointer:/blocks]")
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        p = f"/blocks/{i}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            errors.append(f"must provide an object with a string type [json-pointer:{p}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or not block_id or len(block_id) > 255:
                errors.append(f"must be 1 to 255 characters [json-pointer:{p}/block_id]")
            elif block_id in seen:
                errors.append(f"duplicate block_id {block_id!r} [json-pointer:{p}/block_id]")
            else:
                seen.add(block_id)
        kind = block["type"]
        if kind == "section":
            text, fields = block.get("text"), block.get("fields")
            if text is None and not fields:
                errors.append(f"must provide either text or fields [json-pointer:{p}]")
            if text is not None:
                errors.extend(_text_object_errors(text, 3000, f"{p}/text"))
            if fields is not None:
                if not isinstance(fields, list) or len(fields) > 10:
                    errors.append(f"must be an array of at most 10 items [json-pointer:{p}/fields]")
                else:
                    for j, f in enumerate(fields):
                        errors.extend(_text_object_errors(f, 2000, f"{p}/fields/{j}"))
        elif kind == "header":
            errors.extend(_text_object_errors(block.get("text"), 150, f"{p}/text", True))
        elif kind in ("context", "actions"):
            limit = 10 if kind == "context" else 25
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements or len(elements) > limit:
                errors.append(f"must be an array of 1 to {limit} items [json-pointer:{p}/elements]")
    return errors


def _view_errors(view: Any, expect: Literal["modal", "home"]) -> list[str]:
    if not isinstance(view, dict):
        return ["must provide an object [json-pointer:/view]"]
    errors: list[str] = []
    if view.get("type") != expect:
        errors.append(f"must be {expect!r} [json-pointer:/view/type]")
    if expect == "modal":
        errors.extend(_text_object_errors(view.get("title"), 24, "/view/title", True))
        for key in ("submit", "close"):
            if view.get(key) is not None:
                errors.extend(_text_object_errors(view[key], 24, f"/view/{key}", True))
    blocks = view.get("blocks")
    if blocks is None:
        errors.append("must provide blocks [json-pointer:/view/blocks]")
    else:
        errors.extend(
            e.replace("json-pointer:/", "json-pointer:/view/")
            for e in _block_errors(blocks, MAX_VIEW_BLOCKS)
        )
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if expect == "modal" and has_input and view.get("submit") is None:
            errors.append("must provide submit when input blocks are present [json-pointer:/view]")
    for key, limit in (("private_metadata", 3000), ("callback_id", 255), ("external_id", 255)):
        value = view.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            errors.append(
                f"must be a string of at most {limit} characters [json-pointer:/view/{key}]"
            )
    return errors


def _user_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(u).strip() for u in value if str(u).strip()]
    if isinstance(value, str):
        return [u.strip() for u in value.split(",") if u.strip()]
    return []


# --------------------------------------------------------------------------- the stand-in


class SlackStandIn:
    """The Slack Web API stand-in. See the module docstring for the HTTP surface."""

    trigger_ttl: float = 3.0
    retry_after_tolerance: float = 0.01
    default_tz: str = "America/Los_Angeles"
    team_domain: str = "standin"
    app_id: str = "A0STANDIN"

    def __init__(
        self,
        bot_token: str = "xoxb-test-token",  # noqa: S107 - a fake token for the stand-in
        team_id: str = "T0001",
        bot_user_id: str = "UBOT",
        *,
        bot_id: str | None = None,
    ) -> None:
        self.bot_token = bot_token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id or "B" + bot_user_id.removeprefix("U")
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._host = "127.0.0.1"
        self._stopping = asyncio.Event()
        self._hung: list[asyncio.Future[bool]] = []
        self._last_ts = 0
        self._seq = 0
        self._methods: dict[str, Callable[[dict[str, Any]], JSON]] = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
        }
        self._init_state()

    def _init_state(self) -> None:
        self.calls: list[RecordedCall] = []
        self.responses: list[dict[str, Any]] = []
        self.retry_after_violations: list[RetryAfterViolation] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self._response_log: list[tuple[str, dict[str, Any]]] = []
        self._response_uses: dict[str, int] = {}
        self._expired_response_keys: set[str] = set()
        self._channels: dict[str, ChannelState] = {}
        self._messages: dict[str, list[Message]] = {}
        self._by_ts: dict[tuple[str, str], Message] = {}
        self._ephemerals: list[Message] = []
        self._users: dict[str, dict[str, Any]] = {}
        self._removed_users: set[str] = set()
        self._tokens: set[str] = {self.bot_token}
        self._revoked: set[str] = set()
        self._triggers: dict[str, _Trigger] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._latency: dict[str, float] = {}
        self._enforce = False
        self._limits: dict[str, RateLimit] = dict(DEFAULT_RATE_LIMITS)
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._blocks: dict[tuple[str, str], _Block] = {}

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if self._runner is not None:
            raise RuntimeError("SlackStandIn already started")
        self._stopping = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{key}", self._handle_response_url)
        app.router.add_get("/_control/calls", self._ctl_calls)
        app.router.add_get("/_control/messages", self._ctl_messages)
        app.router.add_get("/_control/thread", self._ctl_thread)
        app.router.add_get("/_control/ephemerals", self._ctl_ephemerals)
        app.router.add_get("/_control/responses", self._ctl_responses)
        app.router.add_get("/_control/views", self._ctl_views)
        app.router.add_get("/_control/violations", self._ctl_violations)
        app.router.add_post("/_control/fault", self._ctl_fault)
        app.router.add_post("/_control/reset", self._ctl_reset)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self._host = host
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        self._stopping.set()
        hung, self._hung = self._hung, []
        for fut in hung:
            if not fut.done():
                fut.set_result(False)
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> SlackStandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("SlackStandIn not started")
        return self._port

    @property
    def base_url(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}/"

    @property
    def api_url(self) -> str:
        return self.base_url + "api/"

    def response_url(self, key: str) -> str:
        return f"{self.base_url}response/{quote(key, safe='')}"

    # ------------------------------------------------------------------ inspection

    def calls_to(self, method: str) -> list[RecordedCall]:
        return [c for c in self.calls if c.method == method]

    def messages(
        self, channel: str | None = None, *, replies: bool = True, deleted: bool = True
    ) -> list[Message]:
        """Messages (not ephemerals) in ``channel`` (all channels if None), in ts order."""
        if channel is None:
            found = [m for msgs in self._messages.values() for m in msgs]
        else:
            found = list(self._messages.get(self._resolve_id(channel), []))
        found = [m for m in found if (replies or not m.is_reply) and (deleted or not m.deleted)]
        return sorted(found, key=lambda m: m.ts)

    def message(self, channel: str, ts: str) -> Message | None:
        return self._by_ts.get((self._resolve_id(channel), ts))

    def thread(self, channel: str, ts: str, *, deleted: bool = True) -> list[Message]:
        """Replies to ``ts`` in ``channel`` (the parent excluded), in ts order."""
        return [
            m for m in self.messages(channel, deleted=deleted) if m.is_reply and m.thread_ts == ts
        ]

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[Message]:
        cid = None if channel is None else self._resolve_id(channel)
        return [
            m
            for m in self._ephemerals
            if (cid is None or m.channel == cid) and (user is None or m.user == user)
        ]

    def dms(self, user: str) -> list[Message]:
        """Messages the bot posted in its DM with ``user``."""
        return self.messages(self.dm_channel(user))

    def dm_channel(self, user: str) -> str:
        return "D" + user

    def responses_to(self, key: str) -> list[dict[str, Any]]:
        return [body for k, body in self._response_log if k == key]

    def channel_state(self, channel: str) -> ChannelState:
        return self._channel(self._resolve_id(channel))

    def reset(self) -> None:
        """Forget all calls, state and faults (hung requests stay hung; ts keep increasing)."""
        self._init_state()

    # ------------------------------------------------------------------ state control

    def add_channel(self, channel: str, name: str | None = None, private: bool = False) -> None:
        state = self.channel_state(channel)
        if name is not None:
            state.name = name.removeprefix("#")
        state.is_private = private

    def archive(self, channel: str) -> None:
        self.channel_state(channel).is_archived = True

    def unarchive(self, channel: str) -> None:
        self.channel_state(channel).is_archived = False

    def remove_bot(self, channel: str) -> None:
        self.channel_state(channel).is_member = False

    def invite_bot(self, channel: str) -> None:
        self.channel_state(channel).is_member = True

    def delete_channel(self, channel: str) -> None:
        self.channel_state(channel).deleted = True

    def delete_message(self, channel: str, ts: str) -> None:
        msg = self._by_ts.get((self._resolve_id(channel), ts))
        if msg is None:
            raise KeyError(f"no message {ts} in {channel}")
        msg.deleted = True

    def add_user_message(
        self, channel: str, user: str, text: str, thread_ts: str | None = None
    ) -> str:
        """Seed a message written by a person (the bot cannot update it). Returns its ts."""
        cid = self._resolve_id(channel)
        return self._store_message(cid, text, [], thread_ts, author=user, metadata=None).ts

    def add_bot_message(self, channel: str, text: str, thread_ts: str | None = None) -> str:
        """Seed a message the bot posted earlier (a card from before a restart, say): the bot
        may update it. Returns its ts."""
        cid = self._resolve_id(channel)
        return self._store_message(
            cid, text, [], thread_ts, author=self.bot_user_id, metadata=None
        ).ts

    def revoke_token(self, token: str | None = None) -> None:
        self._revoked.add(token or self.bot_token)

    def add_token(self, token: str) -> None:
        self._tokens.add(token)

    def set_user_not_in_channel(self, channel: str, user: str) -> None:
        self.channel_state(channel).users_not_in.add(user)

    def set_user(
        self,
        user: str,
        *,
        real_name: str | None = None,
        name: str | None = None,
        tz: str | None = None,
        tz_offset: int | None = None,
        tz_label: str | None = None,
        email: str | None = None,
        is_bot: bool | None = None,
        deleted: bool | None = None,
    ) -> None:
        self._removed_users.discard(user)
        fields = {
            "real_name": real_name,
            "name": name,
            "tz": tz,
            "tz_offset": tz_offset,
            "tz_label": tz_label,
            "email": email,
            "is_bot": is_bot,
            "deleted": deleted,
        }
        current = self._users.setdefault(user, {})
        current.update({k: v for k, v in fields.items() if v is not None})
        if tz is not None and tz_offset is None:
            current.pop("tz_offset", None)
        if tz is not None and tz_label is None:
            current.pop("tz_label", None)

    def remove_user(self, user: str) -> None:
        self._removed_users.add(user)

    def issue_trigger(self) -> str:
        """A realistic trigger_id that expires ``trigger_ttl`` seconds from now."""
        self._seq += 1
        trigger = f"{self._seq}.{int(time.time())}.{secrets.token_hex(16)}"
        self._triggers[trigger] = _Trigger(issued_at=time.monotonic())
        return trigger

    def expire_trigger(self, trigger_id: str) -> None:
        self._triggers.setdefault(trigger_id, _Trigger()).expired = True

    def expire_response_url(self, key: str) -> None:
        self._expired_response_keys.add(key)

    # ------------------------------------------------------------------ faults

    def rate_limit(self, method: str, count: int = 1, retry_after: int = 1) -> None:
        """The next ``count`` calls of ``method`` ("*": any) answer 429 + Retry-After."""
        if retry_after < 0 or int(retry_after) != retry_after:
            raise ValueError("retry_after must be a whole number of seconds >= 0")
        self._queue(method, _Fault("ratelimit", count, retry_after=int(retry_after)))

    def fail_next(
        self,
        method: str,
        status: int = 500,
        count: int = 1,
        body: str = UPSTREAM_ERROR_BODY,
        content_type: str = "text/plain",
    ) -> None:
        """The next ``count`` calls answer HTTP ``status`` with a non-JSON body."""
        if not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status")
        self._queue(
            method, _Fault("status", count, status=status, body=body, content_type=content_type)
        )

    def fail_next_error(self, method: str, error: str = "internal_error", count: int = 1) -> None:
        """The next ``count`` calls answer 200 ``{"ok": false, "error": error}``."""
        self._queue(method, _Fault("error", count, error=error))

    def hang_next(self, method: str, count: int = 1) -> None:
        """The next ``count`` calls get no answer until ``release_hung()`` or ``stop()``."""
        self._queue(method, _Fault("hang", count))

    def release_hung(self) -> None:
        """Let hung calls proceed and be answered normally."""
        hung, self._hung = self._hung, []
        for fut in hung:
            if not fut.done():
                fut.set_result(True)

    def set_latency(self, method: str, seconds: float) -> None:
        """Delay answers to ``method`` by ``seconds`` (0: none); ``"*"`` covers every method
        without a setting of its own."""
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        self._latency[method] = float(seconds)

    def clear_faults(self) -> None:
        self._faults.clear()
        self._latency.clear()

    def enforce_rate_limits(
        self,
        enabled: bool = True,
        limits: Mapping[str, RateLimit | Mapping[str, Any]] | None = None,
    ) -> None:
        """Apply per-method limits (``DEFAULT_RATE_LIMITS`` updated by ``limits``)."""
        self._enforce = enabled
        for method, limit in (limits or {}).items():
            self._limits[method] = limit if isinstance(limit, RateLimit) else RateLimit(**limit)
        self._buckets.clear()

    def _queue(self, method: str, fault: _Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("count must be >= 1")
        self._faults.setdefault(method, deque()).append(fault)

    def _next_fault(self, method: str) -> _Fault | None:
        for key in (method, "*"):
            queue = self._faults.get(key)
            if queue:
                fault = queue[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.popleft()
                return fault
        return None

    # ------------------------------------------------------------------ HTTP: Web API

    async def _read_params(self, request: web.Request) -> _Parsed:
        params: dict[str, Any] = dict(request.query)
        body_token: str | None = params.pop("token", None)
        error: str | None = None
        if request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = json.loads(await request.text() or "{}")
                except ValueError:
                    body, error = {}, "invalid_json"
                if not isinstance(body, dict):
                    body, error = {}, "invalid_json"
                body.pop("token", None)  # Slack ignores a token inside a JSON body
                params.update(body)
            else:
                form = await request.post()
                for key in form:
                    value = form.get(key)
                    params[key] = (
                        value if isinstance(value, str) else getattr(value, "filename", "")
                    )
                if "token" in params:
                    body_token = str(params.pop("token"))
        for key in _JSON_STRING_FIELDS:
            raw = params.get(key)
            if isinstance(raw, str) and raw.strip()[:1] in ("[", "{"):
                try:
                    params[key] = json.loads(raw)
                except ValueError:
                    error = (
                        error
                        or {
                            "blocks": "invalid_blocks_format",
                            "attachments": "invalid_attachments",
                            "view": "invalid_arguments",
                            "metadata": "invalid_metadata_format",
                        }[key]
                    )
        token = body_token
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        return _Parsed(params, token, error)

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        arrived, wall = time.monotonic(), time.time()
        parsed = await self._read_params(request)
        call = RecordedCall(method, parsed.params, 0, False, None, arrived, wall)
        self.calls.append(call)
        channel = str(parsed.params.get("channel") or "")
        self._check_retry_after(method, channel, arrived)

        latency = self._latency.get(method, self._latency.get("*", 0.0))
        if latency > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), latency)

        fault = self._next_fault(method)
        if fault is not None and fault.kind == "hang":
            fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            self._hung.append(fut)
            if self._stopping.is_set() or not await fut:
                call.error = "dropped"
                if request.transport is not None:
                    request.transport.close()
                raise asyncio.CancelledError
            fault = None
        if fault is not None and fault.kind == "status":
            call.status = fault.status
            return web.Response(
                status=fault.status, text=fault.body, content_type=fault.content_type
            )
        if fault is not None and fault.kind == "ratelimit":
            return self._ratelimited(call, method, channel, fault.retry_after, arrived)
        if fault is not None and fault.kind == "error":
            return self._answer(call, {"ok": False, "error": fault.error})

        handler = self._methods.get(method)
        if handler is None:
            return self._answer(
                call, {"ok": False, "error": "unknown_method", "req_method": method}
            )
        if parsed.error is not None:
            return self._answer(call, {"ok": False, "error": parsed.error})
        try:
            self._check_token(parsed.token)
        except _SlackError as e:
            return self._answer(call, {"ok": False, "error": e.error})

        retry_after = self._enforced_wait(method, channel, arrived)
        if retry_after is not None:
            scope = channel if self._limits[method].per_channel else "*"
            return self._ratelimited(call, method, scope, retry_after, arrived)

        try:
            body = handler(parsed.params)
        except _SlackError as e:
            body = {"ok": False, "error": e.error, **e.extra}
        return self._answer(call, body)

    def _answer(self, call: RecordedCall, body: JSON) -> web.Response:
        call.status = 200
        call.ok = bool(body.get("ok"))
        call.error = None if call.ok else str(body.get("error"))
        headers = {"X-Slack-Req-Id": secrets.token_hex(16)}
        return web.json_response(body, headers=headers)

    def _ratelimited(
        self, call: RecordedCall, method: str, scope: str, retry_after: int, now: float
    ) -> web.Response:
        call.status, call.ok, call.error, call.retry_after = 429, False, "ratelimited", retry_after
        key = (method, scope)
        until = now + retry_after
        current = self._blocks.get(key)
        if current is None or current.until < until:
            self._blocks[key] = _Block(told_at=now, until=until, retry_after=retry_after)
        return web.json_response(
            {"ok": False, "error": "ratelimited"},
            status=429,
            headers={"Retry-After": str(retry_after)},
        )

    def _check_retry_after(self, method: str, channel: str, now: float) -> None:
        for key in ((method, channel), (method, "*")):
            block = self._blocks.get(key)
            if block is None:
                continue
            if now < block.until - self.retry_after_tolerance:
                self.retry_after_violations.append(
                    RetryAfterViolation(
                        method=method,
                        channel=channel,
                        retry_after=block.retry_after,
                        told_at=block.told_at,
                        arrived_at=now,
                        early_by=block.until - now,
                    )
                )
            elif now >= block.until:
                del self._blocks[key]

    def _enforced_wait(self, method: str, channel: str, now: float) -> int | None:
        limit = self._limits.get(method)
        if not self._enforce or limit is None:
            return None
        key = (method, channel if limit.per_channel else "*")
        block = self._blocks.get(key)
        if block is not None and now < block.until:
            return max(1, math.ceil(block.until - now))
        rate = limit.per_minute / 60.0
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=float(limit.burst), last=now)
        bucket.tokens = min(float(limit.burst), bucket.tokens + (now - bucket.last) * rate)
        bucket.last = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - bucket.tokens) / rate))

    def _check_token(self, token: str | None) -> None:
        if not token:
            raise _SlackError("not_authed")
        if token in self._revoked:
            raise _SlackError("token_revoked")
        if token not in self._tokens:
            raise _SlackError("invalid_auth")

    # ------------------------------------------------------------------ state helpers

    def _next_ts(self) -> str:
        self._last_ts = max(int(time.time() * 1_000_000), self._last_ts + 1)
        return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

    def _resolve_id(self, channel: str) -> str:
        if channel.startswith("#"):
            name = channel[1:]
            for state in self._channels.values():
                if state.name == name:
                    return state.id
            return channel
        if channel[:1] in ("U", "W"):
            return self.dm_channel(channel)
        return channel

    def _channel(self, cid: str) -> ChannelState:
        state = self._channels.get(cid)
        if state is None:
            if cid.startswith("D"):
                user = cid[1:]
                state = ChannelState(id=cid, name=user, is_im=True, im_user=user)
            else:
                state = ChannelState(id=cid, name=cid.lower().lstrip("#"))
            self._channels[cid] = state
        return state

    def _writable_channel(self, params: Mapping[str, Any]) -> ChannelState:
        raw = _opt_str(params, "channel")
        if raw is None:
            raise _SlackError("channel_not_found")
        cid = self._resolve_id(raw)
        if cid.startswith("#"):
            raise _SlackError("channel_not_found")
        state = self._channel(cid)
        if state.deleted:
            raise _SlackError("channel_not_found")
        if state.is_archived:
            raise _SlackError("is_archived")
        if not state.is_member:
            raise _SlackError("not_in_channel")
        return state

    def _readable_channel(self, raw: str | None) -> ChannelState:
        if raw is None:
            raise _SlackError("channel_not_found")
        cid = self._resolve_id(raw)
        state = self._channels.get(cid) if cid.startswith("#") else self._channel(cid)
        if state is None or state.deleted:
            raise _SlackError("channel_not_found")
        return state

    def _content(
        self, params: Mapping[str, Any], *, required: bool = True
    ) -> tuple[str | None, list[dict[str, Any]] | None]:
        text = params.get("text")
        text = None if text is None else str(text)
        if text is not None and len(text) > MAX_TEXT:
            text = text[:MAX_TEXT]
        blocks = params.get("blocks")
        if blocks is not None:
            if isinstance(blocks, str) and not blocks.strip():
                blocks = None
            else:
                errors = _block_errors(blocks, MAX_MESSAGE_BLOCKS)
                if errors:
                    raise _SlackError(
                        "invalid_blocks",
                        errors=errors,
                        response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
                    )
        has_attachments = bool(params.get("attachments"))
        if required and not text and not blocks and not has_attachments:
            raise _SlackError("no_text")
        return text, blocks

    def _store_message(
        self,
        cid: str,
        text: str,
        blocks: list[dict[str, Any]],
        thread_ts: str | None,
        *,
        author: str,
        metadata: dict[str, Any] | None,
    ) -> Message:
        if thread_ts is not None:
            parent = self._by_ts.get((cid, thread_ts))
            if parent is not None and parent.thread_ts is not None:
                thread_ts = parent.thread_ts
        msg = Message(
            channel=cid,
            ts=self._next_ts(),
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            author=author,
            metadata=metadata,
        )
        self._channel(cid)
        self._messages.setdefault(cid, []).append(msg)
        self._by_ts[(cid, msg.ts)] = msg
        return msg

    def _message_json(self, msg: Message) -> JSON:
        out: JSON = {"type": "message", "text": msg.text, "user": msg.author, "ts": msg.ts}
        if msg.author == self.bot_user_id:
            out.update(bot_id=self.bot_id, app_id=self.app_id)
        out["team"] = self.team_id
        if msg.blocks:
            out["blocks"] = msg.blocks
        if msg.thread_ts is not None:
            out["thread_ts"] = msg.thread_ts
            if msg.is_reply:
                parent = self._by_ts.get((msg.channel, msg.thread_ts))
                if parent is not None:
                    out["parent_user_id"] = parent.author
        if msg.metadata is not None:
            out["metadata"] = msg.metadata
        if msg.edited_ts is not None:
            out["edited"] = {"user": self.bot_user_id, "ts": msg.edited_ts}
        return out

    def _channel_json(self, state: ChannelState) -> JSON:
        if state.is_im:
            return {
                "id": state.id,
                "created": state.created,
                "is_im": True,
                "is_org_shared": False,
                "user": state.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": state.id,
            "name": state.name,
            "is_channel": not state.is_private,
            "is_group": state.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": state.is_private,
            "created": state.created,
            "is_archived": state.is_archived,
            "is_general": state.name == "general",
            "is_shared": False,
            "is_org_shared": False,
            "is_member": state.is_member,
            "context_team_id": self.team_id,
        }

    def _user_json(self, user: str) -> JSON:
        custom = self._users.get(user, {})
        is_bot = bool(custom.get("is_bot", user == self.bot_user_id))
        name = str(custom.get("name", user.lower()))
        real_name = str(custom.get("real_name", f"User {user}"))
        tz = str(custom.get("tz", self.default_tz))
        offset, label = 0, tz
        try:
            now = datetime.now(ZoneInfo(tz))
            delta = now.utcoffset()
            offset = int(delta.total_seconds()) if delta is not None else 0
            std, dst = _TZ_LABELS.get(tz, (str(now.tzname()), str(now.tzname())))
            label = dst if now.dst() else std
        except (ZoneInfoNotFoundError, ValueError):
            pass
        tz_offset = int(custom.get("tz_offset", offset))
        tz_label = str(custom.get("tz_label", label))
        email = custom.get("email", f"{name}@example.com")
        return {
            "id": user,
            "team_id": self.team_id,
            "name": name,
            "deleted": bool(custom.get("deleted", False)),
            "real_name": real_name,
            "tz": tz,
            "tz_label": tz_label,
            "tz_offset": tz_offset,
            "is_admin": False,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
            "profile": {
                "real_name": real_name,
                "display_name": name,
                "real_name_normalized": real_name,
                "display_name_normalized": name,
                "email": email,
                "team": self.team_id,
            },
        }

    # ------------------------------------------------------------------ Web API methods

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

    def _chat_post_message(self, params: dict[str, Any]) -> JSON:
        state = self._writable_channel(params)
        text, blocks = self._content(params)
        metadata = params.get("metadata")
        msg = self._store_message(
            state.id,
            text or "",
            blocks or [],
            _opt_str(params, "thread_ts"),
            author=self.bot_user_id,
            metadata=metadata if isinstance(metadata, dict) else None,
        )
        return {"ok": True, "channel": state.id, "ts": msg.ts, "message": self._message_json(msg)}

    def _own_message(self, params: dict[str, Any], not_ours: str) -> tuple[ChannelState, Message]:
        """The bot's own live message named by ``channel`` and ``ts``, as update/delete need."""
        state = self._writable_channel(params)
        ts = _opt_str(params, "ts")
        msg = self._by_ts.get((state.id, ts)) if ts is not None else None
        if msg is None or msg.deleted:
            raise _SlackError("message_not_found")
        if msg.author != self.bot_user_id:
            raise _SlackError(not_ours)
        return state, msg

    def _chat_update(self, params: dict[str, Any]) -> JSON:
        state, msg = self._own_message(params, "cant_update_message")
        text, blocks = self._content(params)
        msg.history.append((msg.text, msg.blocks))
        if text is not None:
            msg.text = text
        if blocks is not None:
            msg.blocks = blocks
        metadata = params.get("metadata")
        if isinstance(metadata, dict):
            msg.metadata = metadata
        msg.edited_ts = self._next_ts()
        return {
            "ok": True,
            "channel": state.id,
            "ts": msg.ts,
            "text": msg.text,
            "message": self._message_json(msg),
        }

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> JSON:
        state = self._writable_channel(params)
        user = _opt_str(params, "user")
        if user is None:
            raise _SlackError("user_not_found")
        if user in self._removed_users:
            raise _SlackError("user_not_found")
        if user in state.users_not_in or (state.is_im and state.im_user != user):
            raise _SlackError("user_not_in_channel")
        text, blocks = self._content(params)
        thread_ts = _opt_str(params, "thread_ts")
        msg = Message(
            channel=state.id,
            ts=self._next_ts(),
            text=text or "",
            blocks=blocks or [],
            thread_ts=thread_ts,
            user=user,
            author=self.bot_user_id,
            ephemeral=True,
        )
        self._ephemerals.append(msg)
        return {"ok": True, "message_ts": msg.ts}

    def _chat_delete(self, params: dict[str, Any]) -> JSON:
        state, msg = self._own_message(params, "cant_delete_message")
        msg.deleted = True
        return {"ok": True, "channel": state.id, "ts": msg.ts}

    def _chat_get_permalink(self, params: dict[str, Any]) -> JSON:
        state = self._readable_channel(_opt_str(params, "channel"))
        ts = _opt_str(params, "message_ts")
        msg = self._by_ts.get((state.id, ts)) if ts is not None else None
        if msg is None or msg.deleted:
            raise _SlackError("message_not_found")
        link = (
            f"https://{self.team_domain}.slack.com/archives/{state.id}/p{msg.ts.replace('.', '')}"
        )
        if msg.is_reply:
            link += f"?thread_ts={msg.thread_ts}&cid={state.id}"
        return {"ok": True, "channel": state.id, "permalink": link}

    def _conversations_open(self, params: dict[str, Any]) -> JSON:
        channel = _opt_str(params, "channel")
        if channel is not None:
            state = self._readable_channel(channel)
            return {
                "ok": True,
                "no_op": True,
                "already_open": True,
                "channel": self._channel_json(state),
            }
        users = _user_list(params.get("users"))
        if not users:
            raise _SlackError("users_list_not_supplied")
        for user in users:
            if user in self._removed_users:
                raise _SlackError("user_not_found")
        others = [u for u in users if u != self.bot_user_id] or users
        if len(others) == 1:
            cid = self.dm_channel(others[0])
        else:
            digest = hashlib.sha256(",".join(sorted(others)).encode()).hexdigest()[:10]
            cid = "G" + digest.upper()
        already = cid in self._channels
        state = self._channel(cid)
        if cid.startswith("G") and not already:
            state.is_private, state.name = True, "mpdm-" + "--".join(sorted(others)).lower()
        out: JSON = {"id": cid}
        if _truthy(params.get("return_im")):
            out = self._channel_json(state)
        return {"ok": True, "no_op": already, "already_open": already, "channel": out}

    def _conversations_info(self, params: dict[str, Any]) -> JSON:
        state = self._readable_channel(_opt_str(params, "channel"))
        return {"ok": True, "channel": self._channel_json(state)}

    def _users_info(self, params: dict[str, Any]) -> JSON:
        user = _opt_str(params, "user")
        if user is None or user in self._removed_users:
            raise _SlackError("user_not_found")
        return {"ok": True, "user": self._user_json(user)}

    def _take_trigger(self, params: Mapping[str, Any]) -> None:
        trigger_id = _opt_str(params, "trigger_id")
        if trigger_id is None:
            raise _SlackError("expired_trigger_id")
        trigger = self._triggers.setdefault(trigger_id, _Trigger())
        if trigger.expired or (
            trigger.issued_at is not None
            and time.monotonic() - trigger.issued_at > self.trigger_ttl
        ):
            raise _SlackError("expired_trigger_id")
        if trigger.used:
            raise _SlackError("exchanged_trigger_id")
        trigger.used = True

    def _checked_view(self, params: Mapping[str, Any], expect: Literal["modal", "home"]) -> JSON:
        view = params.get("view")
        errors = _view_errors(view, expect)
        if errors:
            raise _SlackError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
            )
        assert isinstance(view, dict)
        return view

    def _new_view(self, view: JSON, *, root: str | None, previous: str | None) -> JSON:
        self._seq += 1
        view_id = f"V{self._seq:09d}"
        stored = self._render_view(view_id, view, root=root or view_id, previous=previous)
        self.views[view_id] = stored
        return stored

    def _render_view(self, view_id: str, view: JSON, *, root: str, previous: str | None) -> JSON:
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": view.get("title"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": previous,
            "root_view_id": root,
            "app_id": self.app_id,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }

    def _check_external_id(self, view: JSON, allow: str | None = None) -> None:
        external = view.get("external_id")
        if external and any(
            v["external_id"] == external and v["id"] != allow for v in self.views.values()
        ):
            raise _SlackError("duplicate_external_id")

    def _views_open(self, params: dict[str, Any]) -> JSON:
        self._take_trigger(params)
        view = self._checked_view(params, "modal")
        self._check_external_id(view)
        return {"ok": True, "view": self._new_view(view, root=None, previous=None)}

    def _views_push(self, params: dict[str, Any]) -> JSON:
        self._take_trigger(params)
        view = self._checked_view(params, "modal")
        self._check_external_id(view)
        return {"ok": True, "view": self._new_view(view, root=None, previous=None)}

    def _views_update(self, params: dict[str, Any]) -> JSON:
        view_id, external = _opt_str(params, "view_id"), _opt_str(params, "external_id")
        if view_id is None and external is None:
            raise _SlackError("invalid_arguments")
        current = (
            self.views.get(view_id)
            if view_id is not None
            else next((v for v in self.views.values() if v["external_id"] == external), None)
        )
        if current is None:
            raise _SlackError("not_found")
        expected = _opt_str(params, "hash")
        if expected is not None and expected != current["hash"]:
            raise _SlackError("hash_conflict")
        view = self._checked_view(params, "modal")
        self._check_external_id(view, allow=current["id"])
        updated = self._render_view(
            current["id"], view, root=current["root_view_id"], previous=current["previous_view_id"]
        )
        self.views[current["id"]] = updated
        return {"ok": True, "view": updated}

    def _views_publish(self, params: dict[str, Any]) -> JSON:
        user = _opt_str(params, "user_id")
        if user is None or user in self._removed_users:
            raise _SlackError("user_not_found" if user else "invalid_arguments")
        view = self._checked_view(params, "home")
        current = self.home_views.get(user)
        expected = _opt_str(params, "hash")
        if current is not None and expected is not None and expected != current["hash"]:
            raise _SlackError("hash_conflict")
        if current is None:
            self._seq += 1
            view_id = f"V{self._seq:09d}"
        else:
            view_id = current["id"]
        published = self._render_view(view_id, view, root=view_id, previous=None)
        self.home_views[user] = published
        self.views[view_id] = published
        return {"ok": True, "view": published}

    # ------------------------------------------------------------------ HTTP: response_url

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        if key in self._expired_response_keys:
            return web.Response(status=404, text="expired_url")
        try:
            body = json.loads(await request.text())
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return web.Response(status=400, text="invalid_payload")
        uses = self._response_uses.get(key, 0)
        if uses >= RESPONSE_URL_MAX_USES:
            return web.Response(status=404, text="used_url")
        self._response_uses[key] = uses + 1
        self.responses.append(body)
        self._response_log.append((key, body))
        return web.Response(text="ok")

    # ------------------------------------------------------------------ HTTP: control

    async def _ctl_calls(self, request: web.Request) -> web.Response:
        method = request.query.get("method")
        calls = self.calls if method is None else self.calls_to(method)
        return web.json_response([c.to_dict() for c in calls])

    async def _ctl_messages(self, request: web.Request) -> web.Response:
        msgs = self.messages(request.query.get("channel"))
        return web.json_response([m.to_dict() for m in msgs])

    async def _ctl_thread(self, request: web.Request) -> web.Response:
        channel, ts = request.query.get("channel"), request.query.get("ts")
        if not channel or not ts:
            return web.json_response({"ok": False, "error": "channel and ts required"}, status=400)
        return web.json_response([m.to_dict() for m in self.thread(channel, ts)])

    async def _ctl_ephemerals(self, request: web.Request) -> web.Response:
        msgs = self.ephemerals(request.query.get("channel"), request.query.get("user"))
        return web.json_response([m.to_dict() for m in msgs])

    async def _ctl_responses(self, request: web.Request) -> web.Response:
        key = request.query.get("key")
        return web.json_response(self.responses if key is None else self.responses_to(key))

    async def _ctl_views(self, request: web.Request) -> web.Response:
        return web.json_response(list(self.views.values()))

    async def _ctl_violations(self, request: web.Request) -> web.Response:
        return web.json_response([v.to_dict() for v in self.retry_after_violations])

    def _control_ops(self) -> dict[str, Callable[..., Any]]:
        return {
            "rate_limit": self.rate_limit,
            "fail_next": self.fail_next,
            "fail_next_error": self.fail_next_error,
            "set_latency": self.set_latency,
            "hang_next": self.hang_next,
            "release_hung": self.release_hung,
            "clear_faults": self.clear_faults,
            "enforce_rate_limits": self.enforce_rate_limits,
            "add_channel": self.add_channel,
            "archive": self.archive,
            "unarchive": self.unarchive,
            "remove_bot": self.remove_bot,
            "invite_bot": self.invite_bot,
            "delete_channel": self.delete_channel,
            "delete_message": self.delete_message,
            "add_user_message": self.add_user_message,
            "revoke_token": self.revoke_token,
            "add_token": self.add_token,
            "set_user_not_in_channel": self.set_user_not_in_channel,
            "set_user": self.set_user,
            "remove_user": self.remove_user,
            "issue_trigger": self.issue_trigger,
            "expire_trigger": self.expire_trigger,
            "expire_response_url": self.expire_response_url,
        }

    async def _ctl_fault(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.text())
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("op"), str):
            return web.json_response({"ok": False, "error": "expected {op, args}"}, status=400)
        op = self._control_ops().get(body["op"])
        if op is None:
            return web.json_response({"ok": False, "error": f"unknown op {body['op']}"}, status=400)
        args = body.get("args", {})
        if not isinstance(args, dict):
            return web.json_response({"ok": False, "error": "args must be an object"}, status=400)
        try:
            result = op(**args)
        except (TypeError, ValueError, KeyError) as e:
            return web.json_response({"ok": False, "error": str(e)}, status=400)
        return web.json_response({"ok": True, "result": result})

    async def _ctl_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"ok": True})


# --------------------------------------------------------------------------- standalone


async def _serve(args: argparse.Namespace) -> None:
    standin = SlackStandIn(bot_token=args.token, team_id=args.team_id, bot_user_id=args.bot_user_id)
    await standin.start(args.host, args.port)
    if args.enforce_rate_limits:
        standin.enforce_rate_limits(True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    print(f"Slack stand-in listening on {standin.base_url}", flush=True)
    print(f"  api_url:    {standin.api_url}", flush=True)
    print(f"  control:    {standin.base_url}_control/", flush=True)
    print(f"  response:   {standin.base_url}response/<key>", flush=True)
    print(f"  bot token:  {standin.bot_token}", flush=True)
    try:
        await stop.wait()
    finally:
        await standin.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.slack", description="Run the local Slack Web API stand-in."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--token", default="xoxb-test-token", help="the bot token it accepts")
    parser.add_argument("--team-id", default="T0001")
    parser.add_argument("--bot-user-id", default="UBOT")
    parser.add_argument("--enforce-rate-limits", action="store_true")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
