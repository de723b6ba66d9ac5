"""The app under test as the benchmarks plan it: a ``remote-support serve`` whose port,
database and settings are known before it starts (so that stand-ins and the database can be
seeded with its callback URLs first), and the running app (send it Slack commands, read its
database). The stand-ins, settings and process runner are the sandbox's."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.config import Settings
from bot.crypto import SecretBox
from sandbox.gotoassist import GoToAssistStandIn
from sandbox.harness import StandIns, app_settings, free_port, migrate, send_slash
from sandbox.process import AppProcess
from sandbox.signing import CHANNEL


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
        **overrides: Any,
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
        self.app_settings: Settings = app_settings(
            stand,
            database_url,
            port=self.port,
            goto=self.goto,
            shutdown_grace_s=2.0,
            # These phases measure the app, not Slack's limits (the stand-in enforces none
            # here): pacing far above them ("busy" measures pacing, at Slack's own pace).
            **{"slack_rate_scale": 1000.0, **overrides},
        )
        assert self.app_settings.encryption_key is not None
        self.box = SecretBox.from_setting(self.app_settings.encryption_key.get_secret_value())

    def callback_url(self, token: str) -> str:
        return f"{self.base_url}/gotoassist/callbacks/{token}"

    def settings(self) -> dict[str, str]:
        """The settings given to the app that differ from the defaults, secrets left out (for
        the report)."""
        given = self.app_settings.model_dump(exclude_defaults=True)
        shown = {
            name.upper(): str(value)
            for name, value in given.items()
            if not name.endswith(("_token", "_secret", "_key"))
        }
        shown["DATABASE_URL"] = self.database_url.split("://", 1)[0] + "://..."
        return shown

    def process(self) -> AppProcess:
        return AppProcess(
            self.app_settings,
            self.workdir / f"{self.name}.log",
            cwd=self.workdir,  # no stray .env is read from the repository
            clean=True,
            ready_path="/healthz",
        )

    async def migrate(self) -> None:
        await migrate(self.database_url)

    @contextlib.asynccontextmanager
    async def serve(self, while_starting: Awaitable[None] | None = None) -> AsyncIterator[LiveApp]:
        """The app, started (with ``while_starting`` run meanwhile: seeding, say)."""
        proc = self.process()
        try:
            if while_starting is None:
                await proc.launch()
            else:
                await asyncio.gather(proc.launch(), while_starting)
            async with aiohttp.ClientSession() as http:
                reader = create_async_engine(self.database_url)
                try:
                    yield LiveApp(self, proc, http, reader)
                finally:
                    await reader.dispose()
        finally:
            await proc.shutdown()


class LiveApp:
    """A running app: send it Slack commands, read its database."""

    def __init__(
        self, plan: AppPlan, proc: AppProcess, http: aiohttp.ClientSession, db: AsyncEngine
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
        status, _ack = await send_slash(
            self.http,
            self.proc.base_url,
            self.slack,
            text_,
            user=user,
            channel=channel,
            key=f"{user}-{self._sent}",
        )
        return status

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
