"""The app's world on loopback, for the demo, the tests, the fault tests and the benchmarks.

* ``StandIns``: the Slack and GoToAssist stand-ins, served by this process.
* ``app_settings``: the settings that point an app at them (in this process or another).
* ``Rig``: the stand-ins plus the real app in this process, with signed Slack requests.
* ``migrate``, ``free_port``, ``wait_until``: what every one of them needs.

A separate ``serve`` process is :class:`sandbox.process.AppProcess` given ``app_settings``.
"""

from __future__ import annotations

import asyncio
import json
import socket
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.app import create_web_app
from bot.config import Settings
from bot.crypto import new_key
from bot.store.database import make_engine
from bot.store.schema import upgrade
from sandbox.gotoassist import GoToAssistStandIn
from sandbox.signing import (
    BOT_TOKEN,
    CHANNEL,
    GOTO_TOKEN,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    SIGNING_SECRET,
    TEAM,
    TECH,
    sign,
    slash_command_body,
)
from sandbox.slack import SlackStandIn


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def wait_until(
    check: Callable[[], Awaitable[bool]] | Callable[[], bool],
    *,
    within: float = 15.0,
    interval: float = 0.05,
    what: str = "condition",
) -> None:
    """Wait for ``check`` to hold; raise TimeoutError naming ``what`` when it never does."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {within:.0f}s waiting for {what}")
        await asyncio.sleep(interval)


async def migrate(database_url: str) -> None:
    """The schema, brought up to date in this process."""
    engine = make_engine(database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def post_slack(
    http: aiohttp.ClientSession,
    base_url: str,
    body: str,
    headers: dict[str, str],
    *,
    content_type: str = "application/x-www-form-urlencoded",
) -> tuple[int, Any]:
    """POST ``body`` to /slack/events with exactly ``headers``; (status, JSON or text body,
    None when empty)."""
    async with http.post(
        f"{base_url}/slack/events",
        data=body.encode(),
        headers={"Content-Type": content_type, **headers},
    ) as response:
        raw = await response.text()
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, raw


async def send_slash(
    http: aiohttp.ClientSession,
    base_url: str,
    slack: SlackStandIn,
    text: str,
    *,
    user: str = TECH,
    channel: str = CHANNEL,
    key: str | None = None,
) -> tuple[int, Any]:
    """A signed `/remote-support text` from ``user`` to the app at ``base_url``, its
    response_url at the Slack stand-in under ``key`` (a fresh one by default); (status, ack)."""
    key = key or f"{user}-{time.monotonic_ns()}"
    body = slash_command_body(
        text, response_url=slack.response_url(key), user=user, channel=channel
    )
    return await post_slack(http, base_url, body, sign(body))


SLACK_RATE_SCALE = 10.0  # the harness's Slack pace: limits times this


class StandIns:
    """The Slack and GoToAssist stand-ins, served by this process on loopback.

    ``async with StandIns() as stand: ...`` (or ``await StandIns.started()`` and ``stop()``)."""

    def __init__(self) -> None:
        self.slack = SlackStandIn(bot_token=BOT_TOKEN, team_id=TEAM)
        self.goto = GoToAssistStandIn(tokens=[GOTO_TOKEN])

    def enforce_slack_limits(self, scale: float = SLACK_RATE_SCALE) -> None:
        """The Slack stand-in answers 429 past Slack's limits, ``scale`` times faster."""
        self.slack.enforce_rate_limits(True, scale=scale)

    @classmethod
    async def started(cls) -> StandIns:
        stand = cls()
        await stand.start()
        return stand

    async def start(self) -> None:
        await self.slack.start()
        await self.goto.start()

    async def stop(self) -> None:
        await self.goto.stop()
        await self.slack.stop()

    async def __aenter__(self) -> StandIns:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def app_settings(
    stand: StandIns,
    database_url: str,
    *,
    port: int | None = None,
    goto: GoToAssistStandIn | None = None,
    callbacks: bool = True,
    oauth: bool = False,
    **overrides: Any,
) -> Settings:
    """Settings for an app on ``127.0.0.1:port`` (a free one by default) that talks to the
    stand-ins (``goto`` instead of ``stand.goto`` when given). ``callbacks``: GoToAssist is
    given callback URLs; ``oauth``: technicians link their own accounts at the GoToAssist
    stand-in's OAuth server. ``overrides`` win.

    The per-user fair-use limits are off here: tests, fault tests and benchmarks drive many
    sessions as one technician; the tests of those limits switch them on."""
    port = free_port() if port is None else port
    goto = goto or stand.goto
    base_url = f"http://127.0.0.1:{port}"
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": stand.slack.api_url,
        "gotoassist_api_url": goto.base_url,
        "gotoassist_access_token": GOTO_TOKEN,
        "public_base_url": base_url if callbacks else None,
        "database_url": database_url,
        "encryption_key": new_key(),
        "host": "127.0.0.1",
        "port": port,
        "user_starts_per_min": 0,
        "max_open_sessions_per_user": 0,
        "user_status_per_min": 0,
        # The app paces Slack writes 10x faster than Slack allows: a stand-in enforcing
        # limits is told the same (StandIns.enforce_slack_limits), and tests stay fast.
        "slack_rate_scale": SLACK_RATE_SCALE,
    }
    if oauth:
        values |= {
            "goto_client_id": OAUTH_CLIENT_ID,
            "goto_client_secret": OAUTH_CLIENT_SECRET,
            "goto_auth_url": goto.auth_url,
        }
        goto.oauth.add_oauth_client(
            OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, [f"{base_url}/goto/oauth/callback"]
        )
    values.update(overrides)
    return Settings(_env_file=None, **values)


class Rig:
    """Stand-ins + the app in this process. ``async with Rig() as rig: ...``"""

    def __init__(
        self,
        *,
        database_url: str | None = None,
        callbacks: bool = True,
        workers: bool = True,
        oauth: bool = False,
        **overrides: Any,
    ) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if database_url is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="remote-support-")
            database_url = f"sqlite+aiosqlite:///{Path(self._tmp.name) / 'rs.db'}"
        self.database_url = database_url
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.stand = StandIns()
        self.slack = self.stand.slack
        self.goto = self.stand.goto
        self._callbacks = callbacks
        self._workers = workers
        self._oauth = oauth
        self._overrides = {
            "poll_interval_young_s": 2.0,
            "poll_interval_active_s": 2.0,
            "poll_interval_idle_s": 5.0,
            **overrides,
        }
        self._runner: web.AppRunner | None = None
        self.http: aiohttp.ClientSession | None = None
        self.settings: Settings | None = None

    def make_settings(self) -> Settings:
        return app_settings(
            self.stand,
            self.database_url,
            port=self.port,
            callbacks=self._callbacks,
            oauth=self._oauth,
            **self._overrides,
        )

    async def __aenter__(self) -> Rig:
        await self.stand.start()
        self.settings = self.make_settings()
        await migrate(self.database_url)
        await self.start_app()
        self.http = aiohttp.ClientSession()
        return self

    async def start_app(self) -> None:
        assert self.settings is not None
        app = await create_web_app(self.settings, workers=self._workers)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop_app(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aexit__(self, *exc: object) -> None:
        if self.http is not None:
            await self.http.close()
        await self.stop_app()
        await self.stand.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    # Slack requests, signed --------------------------------------------------------------

    async def post_signed(self, body: str, **sign_args: Any) -> tuple[int, Any]:
        """POST a Slack request ``body`` signed (``sign_args``: another secret or timestamp)."""
        assert self.http is not None
        return await post_slack(self.http, self.base_url, body, sign(body, **sign_args))

    def slash_body(self, text: str, *, user: str = TECH, channel: str = CHANNEL) -> str:
        response_url = self.slack.response_url(f"{user}-{time.monotonic_ns()}")
        return slash_command_body(text, response_url=response_url, user=user, channel=channel)

    async def slash(
        self, text: str, *, user: str = TECH, channel: str = CHANNEL
    ) -> tuple[int, dict[str, Any] | str]:
        """Send `/remote-support text`; returns the HTTP status and the ack body (JSON, or
        its text)."""
        assert self.http is not None
        status, ack = await send_slash(
            self.http, self.base_url, self.slack, text, user=user, channel=channel
        )
        return status, "" if ack is None else ack

    async def callback(self, url: str, payload: Any, *, form: bool = False) -> int:
        """POST a status callback the way GoToAssist would."""
        assert self.http is not None
        kwargs: dict[str, Any] = {"data": payload} if form else {"json": payload}
        async with self.http.post(url, **kwargs) as response:
            await response.read()
            return response.status
