"""The real app wired to both stand-ins on loopback: used by the demo, the tests and the
benchmarks. Sends Slack requests signed exactly as Slack signs them."""

from __future__ import annotations

import asyncio
import socket
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from bot.app import create_web_app
from bot.config import Settings
from bot.crypto import new_key
from bot.store.database import make_engine
from bot.store.schema import upgrade
from sandbox.gotoassist import GoToAssistStandIn
from sandbox.slack import SlackStandIn

SIGNING_SECRET = "sandbox-signing-secret"  # noqa: S105 - a stand-in's own secret
BOT_TOKEN = "xoxb-sandbox-bot-token"  # noqa: S105
GOTO_TOKEN = "goto-sandbox-token"  # noqa: S105
TEAM = "T0SANDBOX"
OAUTH_CLIENT_ID = "sandbox-oauth-client"
OAUTH_CLIENT_SECRET = "sandbox-oauth-secret"  # noqa: S105


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def sign(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """Headers Slack sends with a request body."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature or ""}


def slash_command_body(
    text: str, *, response_url: str, user: str = "UTECH1", channel: str = "CSUPPORT"
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
            "command": "/remote-support",
            "text": text,
            "api_app_id": "A0SANDBOX",
            "response_url": response_url,
            "trigger_id": f"trigger-{time.monotonic_ns()}",
        }
    )


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
        self.slack = SlackStandIn(bot_token=BOT_TOKEN, team_id=TEAM)
        self.goto = GoToAssistStandIn(tokens=[GOTO_TOKEN])
        self._callbacks = callbacks
        self._workers = workers
        self._oauth = oauth
        self._overrides = overrides
        self._runner: web.AppRunner | None = None
        self.http: aiohttp.ClientSession | None = None
        self.settings: Settings | None = None

    def make_settings(self) -> Settings:
        values: dict[str, Any] = {
            "slack_bot_token": BOT_TOKEN,
            "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": self.slack.api_url,
            "gotoassist_api_url": self.goto.base_url,
            "gotoassist_access_token": GOTO_TOKEN,
            "public_base_url": self.base_url if self._callbacks else None,
            "database_url": self.database_url,
            "encryption_key": new_key(),
            "host": "127.0.0.1",
            "port": self.port,
            "poll_interval_young_s": 2.0,
            "poll_interval_active_s": 2.0,
            "poll_interval_idle_s": 5.0,
        }
        if self._oauth:  # technicians link their own accounts at the stand-in's OAuth server
            values |= {
                "goto_client_id": OAUTH_CLIENT_ID,
                "goto_client_secret": OAUTH_CLIENT_SECRET,
                "goto_auth_url": self.goto.auth_url,
            }
            self.goto.oauth.add_oauth_client(
                OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, [f"{self.base_url}/goto/oauth/callback"]
            )
        values.update(self._overrides)
        return Settings(_env_file=None, **values)

    async def __aenter__(self) -> Rig:
        await self.slack.start()
        await self.goto.start()
        self.settings = self.make_settings()
        engine = make_engine(self.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
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

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.http is not None:
            await self.http.close()
        await self.stop_app()
        await self.goto.stop()
        await self.slack.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    # Slack requests, signed --------------------------------------------------------------

    async def post_signed(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        **sign_args: Any,
    ) -> aiohttp.ClientResponse:
        assert self.http is not None
        headers = {"Content-Type": content_type, **sign(body, **sign_args)}
        async with self.http.post(
            f"{self.base_url}/slack/events", data=body.encode(), headers=headers
        ) as response:
            await response.read()
            return response

    def slash_body(self, text: str, *, user: str = "UTECH1", channel: str = "CSUPPORT") -> str:
        response_url = self.slack.response_url(f"{user}-{time.monotonic_ns()}")
        return slash_command_body(text, response_url=response_url, user=user, channel=channel)

    async def slash(
        self, text: str, *, user: str = "UTECH1", channel: str = "CSUPPORT"
    ) -> tuple[int, dict[str, Any] | str]:
        """Send `/remote-support text`; returns the HTTP status and the (JSON) ack body."""
        assert self.http is not None
        body = self.slash_body(text, user=user, channel=channel)
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
        async with self.http.post(
            f"{self.base_url}/slack/events", data=body.encode(), headers=headers
        ) as response:
            raw = await response.text()
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, raw

    async def callback(self, url: str, payload: Any, *, form: bool = False) -> int:
        """POST a status callback the way GoToAssist would."""
        assert self.http is not None
        kwargs: dict[str, Any] = {"data": payload} if form else {"json": payload}
        async with self.http.post(url, **kwargs) as response:
            await response.read()
            return response.status


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
