"""The Slack stand-in's shared state: the workspace (channels, messages, users, views), what it
recorded, its server's lifecycle, and the helpers every Web API area uses."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, Self
from urllib.parse import quote

from aiohttp import web

from sandbox.slack.blockkit import block_errors
from sandbox.slack.records import (
    APP_TOKEN,
    DEFAULT_RATE_LIMITS,
    JSON,
    MAX_MESSAGE_BLOCKS,
    MAX_TEXT,
    Bucket,
    ChannelState,
    Fault,
    RateLimit,
    RecordedCall,
    RetryAfterViolation,
    RetryBlock,
    SlackError,
    StandInMessage,
    Trigger,
    opt_str,
)


class SlackState:
    """Everything the Web API areas (mixins of ``SlackStandIn``) share."""

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
        self._methods = self._web_api_methods()
        self._init_state()

    def _init_state(self) -> None:
        self.calls: list[RecordedCall] = []
        self.responses: list[dict[str, Any]] = []
        self.retry_after_violations: list[RetryAfterViolation] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.function_executions: dict[str, dict[str, Any]] = {}  # id -> state, outputs/error
        self._response_log: list[tuple[str, dict[str, Any]]] = []
        self._response_uses: dict[str, int] = {}
        self._expired_response_keys: set[str] = set()
        self._channels: dict[str, ChannelState] = {}
        self._messages: dict[str, list[StandInMessage]] = {}
        self._by_ts: dict[tuple[str, str], StandInMessage] = {}
        self._ephemerals: list[StandInMessage] = []
        self._users: dict[str, dict[str, Any]] = {}
        self._removed_users: set[str] = set()
        self._usergroups: dict[str, tuple[str, list[str]]] = {}  # id -> (handle, members)
        self._tokens: set[str] = {self.bot_token, APP_TOKEN}
        self._revoked: set[str] = set()
        self._triggers: dict[str, Trigger] = {}
        self._faults: dict[str, deque[Fault]] = {}
        self._latency: dict[str, float] = {}
        self._enforce = False
        self._rate_scale = 1.0
        self._limits: dict[str, RateLimit] = dict(DEFAULT_RATE_LIMITS)
        self._buckets: dict[tuple[str, str], Bucket] = {}
        self._blocks: dict[tuple[str, str], RetryBlock] = {}

    def _web_api_methods(self) -> dict[str, Callable[[dict[str, Any]], JSON]]:
        raise NotImplementedError  # SlackStandIn maps each method to its area's handler

    def _add_routes(self, app: web.Application) -> None:
        raise NotImplementedError  # SlackStandIn adds its routes

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if self._runner is not None:
            raise RuntimeError("SlackStandIn already started")
        self._stopping = asyncio.Event()
        app = web.Application()
        self._add_routes(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self._host = host
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        for socket in list(getattr(self, "_sockets", [])):
            await socket.close()
        runner, self._runner = self._runner, None
        self._stopping.set()
        hung, self._hung = self._hung, []
        for fut in hung:
            if not fut.done():
                fut.set_result(False)
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
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

    def rate_limited(self, method: str | None = None) -> list[RecordedCall]:
        """Every call answered 429 (of ``method``, or of any)."""
        return [c for c in self.calls if c.status == 429 and method in (None, c.method)]

    def messages(
        self, channel: str | None = None, *, replies: bool = True, deleted: bool = True
    ) -> list[StandInMessage]:
        """Messages (not ephemerals) in ``channel`` (all channels if None), in ts order."""
        if channel is None:
            found = [m for msgs in self._messages.values() for m in msgs]
        else:
            found = list(self._messages.get(self._resolve_id(channel), []))
        found = [m for m in found if (replies or not m.is_reply) and (deleted or not m.deleted)]
        return sorted(found, key=lambda m: m.ts)

    def message(self, channel: str, ts: str) -> StandInMessage | None:
        return self._by_ts.get((self._resolve_id(channel), ts))

    def thread(self, channel: str, ts: str, *, deleted: bool = True) -> list[StandInMessage]:
        """Replies to ``ts`` in ``channel`` (the parent excluded), in ts order."""
        return [
            m for m in self.messages(channel, deleted=deleted) if m.is_reply and m.thread_ts == ts
        ]

    def ephemerals(
        self, channel: str | None = None, user: str | None = None
    ) -> list[StandInMessage]:
        cid = None if channel is None else self._resolve_id(channel)
        return [
            m
            for m in self._ephemerals
            if (cid is None or m.channel == cid) and (user is None or m.user == user)
        ]

    def dms(self, user: str) -> list[StandInMessage]:
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
        raw = opt_str(params, "channel")
        if raw is None:
            raise SlackError("channel_not_found")
        cid = self._resolve_id(raw)
        if cid.startswith("#"):
            raise SlackError("channel_not_found")
        state = self._channel(cid)
        if state.deleted:
            raise SlackError("channel_not_found")
        if state.is_archived:
            raise SlackError("is_archived")
        if not state.is_member:
            raise SlackError("not_in_channel")
        return state

    def _readable_channel(self, raw: str | None) -> ChannelState:
        if raw is None:
            raise SlackError("channel_not_found")
        cid = self._resolve_id(raw)
        state = self._channels.get(cid) if cid.startswith("#") else self._channel(cid)
        if state is None or state.deleted:
            raise SlackError("channel_not_found")
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
                errors = block_errors(blocks, MAX_MESSAGE_BLOCKS)
                if errors:
                    raise SlackError(
                        "invalid_blocks",
                        errors=errors,
                        response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
                    )
        has_attachments = bool(params.get("attachments"))
        if required and not text and not blocks and not has_attachments:
            raise SlackError("no_text")
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
    ) -> StandInMessage:
        if thread_ts is not None:
            parent = self._by_ts.get((cid, thread_ts))
            if parent is not None and parent.thread_ts is not None:
                thread_ts = parent.thread_ts
        msg = StandInMessage(
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
