"""The app under test and its world: the stand-ins (served by this process), a planned
``remote-support serve`` (port, database, settings known before it starts) and the running
app (send it Slack commands, read its database)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bench.base import free_port
from bench.databases import migrate
from bench.processes import ServerProcess, clean_environ, remote_support_argv, with_repo_on_path
from bench.slack_requests import (
    BOT_TOKEN,
    CHANNEL,
    GOTO_TOKEN,
    SIGNING_SECRET,
    TEAM,
    sign,
    slash_body,
)
from bot.crypto import SecretBox, new_key
from sandbox.gotoassist import GoToAssistStandIn
from sandbox.slack import SlackStandIn


class StandIns:
    """The Slack and GoToAssist stand-ins, served by this process on loopback."""

    def __init__(self) -> None:
        self.slack = SlackStandIn(bot_token=BOT_TOKEN, team_id=TEAM)
        self.goto = GoToAssistStandIn(tokens=[GOTO_TOKEN])

    async def __aenter__(self) -> StandIns:
        await self.slack.start()
        await self.goto.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.goto.stop()
        await self.slack.stop()


class AppPlan:
    """One ``remote-support serve`` to be: port, database and settings known before it starts,
    so that stand-ins and the database can be seeded with its callback URLs first."""

    def __init__(
        self,
        name: str,
        workdir: Path,
        stand: StandIns,
        *,
        database_url: str | None = None,
        goto: GoToAssistStandIn | None = None,
        **overrides: str,
    ) -> None:
        self.name = name
        self.workdir = workdir
        self.stand = stand
        self.goto = goto or stand.goto
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        if database_url is None:
            path = workdir / f"{name}.db"
            for stale in (path, path.with_suffix(".db-wal"), path.with_suffix(".db-shm")):
                stale.unlink(missing_ok=True)  # a --keep directory from an earlier run
            database_url = f"sqlite+aiosqlite:///{path}"
        self.database_url = database_url
        self.encryption_key = new_key()
        self.box = SecretBox.from_setting(self.encryption_key)
        self.overrides = overrides

    def callback_url(self, token: str) -> str:
        return f"{self.base_url}/gotoassist/callbacks/{token}"

    def settings(self) -> dict[str, str]:
        """The settings given to the app, secrets left out (for the report)."""
        values = {
            "SLACK_API_URL": self.stand.slack.api_url,
            "GOTOASSIST_API_URL": self.goto.base_url,
            "PUBLIC_BASE_URL": self.base_url,
            "DATABASE_URL": self.database_url.split("://", 1)[0] + "://...",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "SHUTDOWN_GRACE_S": "2",
        }
        values.update(self.overrides)
        return values

    def env(self) -> dict[str, str]:
        env = with_repo_on_path(clean_environ())  # the bot/ beside this bench is measured
        env.update(self.settings())
        env.update(
            {
                "DATABASE_URL": self.database_url,
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "GOTOASSIST_ACCESS_TOKEN": GOTO_TOKEN,
                "ENCRYPTION_KEY": self.encryption_key,
            }
        )
        return env

    async def migrate(self) -> None:
        await migrate(self.database_url)

    def process(self) -> ServerProcess:
        return ServerProcess(
            self.name, [*remote_support_argv(), "serve"], self.env(), self.port, self.workdir
        )

    @contextlib.asynccontextmanager
    async def serve(self, while_starting: Awaitable[None] | None = None) -> AsyncIterator[LiveApp]:
        """The app, started (with ``while_starting`` run meanwhile: seeding, say)."""
        proc = self.process()
        try:
            if while_starting is None:
                await proc.start()
            else:
                await asyncio.gather(proc.start(), while_starting)
            async with aiohttp.ClientSession() as http:
                reader = create_async_engine(self.database_url)
                try:
                    yield LiveApp(self, proc, http, reader)
                finally:
                    await reader.dispose()
        finally:
            await proc.stop()


class LiveApp:
    """A running app: send it Slack commands, read its database."""

    def __init__(
        self, plan: AppPlan, proc: ServerProcess, http: aiohttp.ClientSession, db: AsyncEngine
    ) -> None:
        self.plan = plan
        self.proc = proc
        self.http = http
        self.db = db
        self.slack = plan.stand.slack
        self.goto = plan.goto
        self._sent = 0

    async def slash(self, text_: str, *, user: str, channel: str = CHANNEL) -> int:
        self._sent += 1
        body = slash_body(
            text_,
            user=user,
            channel=channel,
            response_url_base=self.slack.base_url + "response/",
            key=f"{user}-{self._sent}",
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
        async with self.http.post(
            self.proc.url + "/slack/events", data=body.encode(), headers=headers
        ) as resp:
            await resp.read()
            return resp.status

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.db.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.db.connect() as conn:
            return list((await conn.execute(text(sql), params)).all())

    async def outbox_pending(self) -> int:
        return int(await self.scalar("SELECT count(*) FROM outbox WHERE state = 'pending'"))

    async def quiet(self) -> bool:
        """Nothing owed to Slack and no session waiting for GoToAssist's answer."""
        starting = await self.scalar("SELECT count(*) FROM sessions WHERE creation = 'pending'")
        return int(starting) == 0 and await self.outbox_pending() == 0
