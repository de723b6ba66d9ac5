"""Fakes for Bolt's injected arguments, and the listeners' collaborators built for real on a
migrated SQLite file (GoToAssist and GoTo OAuth are never reached by these tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.accounts.linked import LinkedAccounts
from bot.accounts.login import LoginLinks
from bot.accounts.resolver import AccountResolver, SharedAccount
from bot.accounts.state import StateSigner
from bot.crypto import SecretBox
from bot.gotoassist.client import GoToAssistClient
from bot.gotoassist.oauth import GoToOAuth
from bot.listeners.deps import DEPS_KEY, ListenerDeps
from bot.sessions.model import SessionRequest
from bot.sessions.transition import PollSchedule
from bot.slack.writer import SlackWriter
from bot.store.database import Database, make_engine
from bot.store.schema import upgrade
from bot.tasks import BackgroundTasks
from bot.workflows.starting import SessionStarter
from bot.workflows.tracking import Tracker

TEAM = "T0LISTEN"
TECH = "UTECH1"
OTHER = "UOTHER2"
CHANNEL = "CSUPPORT"
PUBLIC_BASE = "https://rs.example.test"
UNREACHABLE = "http://127.0.0.1:9"  # nothing here is meant to be called


@dataclass
class Recorder:
    """A fake ``ack`` or ``respond``: records each call's keyword arguments."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    async def __call__(self, text: str | None = None, **kwargs: Any) -> None:
        if text is not None:
            kwargs["text"] = text
        self.calls.append(kwargs)

    @property
    def only(self) -> dict[str, Any]:
        assert len(self.calls) == 1, self.calls
        return self.calls[0]


class RecordingStarter(SessionStarter):
    """The real starter (its account check included) that records starts instead of asking
    GoToAssist."""

    started: list[dict[str, Any]]

    async def start(
        self,
        *,
        team_id: str,
        channel_id: str,
        user_id: str,
        request: SessionRequest,
        thread_ts: str | None = None,
    ) -> str:
        started = {"team_id": team_id, "channel_id": channel_id, "user_id": user_id}
        self.started.append({**started, "request": request})
        if thread_ts is not None:
            self.started[-1]["thread_ts"] = thread_ts
        return "recorded"


@dataclass
class World:
    deps: ListenerDeps
    starter: RecordingStarter
    db: Database
    box: SecretBox

    def context(self) -> AsyncBoltContext:
        return AsyncBoltContext({DEPS_KEY: self.deps})

    async def drain(self) -> None:
        await self.deps.tasks.drain(5.0)


@asynccontextmanager
async def world(
    sqlite_url: str, *, linking: bool, shared_token: str | None = None
) -> AsyncIterator[World]:
    """Listener deps on a fresh database. ``linking``: per-technician GoTo accounts are
    configured (the sign-in link can be issued); ``shared_token``: the shared account."""
    engine = make_engine(sqlite_url)
    await upgrade(engine)
    db = Database(engine)
    box = SecretBox.derived_from("listener-tests")
    async with aiohttp.ClientSession() as http:
        goto = GoToAssistClient(http, UNREACHABLE)
        accounts: AccountResolver = SharedAccount(shared_token)
        login: LoginLinks | None = None
        if linking:
            oauth = GoToOAuth(http, UNREACHABLE, "client", "secret", f"{PUBLIC_BASE}/cb")
            linked = LinkedAccounts(db, box, oauth, shared_token=shared_token)
            accounts = linked
            login = LoginLinks(db, StateSigner(b"k" * 32), linked, PUBLIC_BASE)
        schedule = PollSchedule(
            young=timedelta(seconds=60),
            active=timedelta(seconds=60),
            idle=timedelta(seconds=60),
            young_for=timedelta(seconds=60),
            expire_after=timedelta(hours=1),
        )
        starter = RecordingStarter(
            db,
            goto,
            accounts,
            box,
            callback_base=None,
            schedule=schedule,
            login=login,
        )
        starter.started = []
        deps = ListenerDeps(
            db=db,
            starter=starter,
            tracker=Tracker(db, goto, accounts, schedule, box=box),
            box=box,
            tasks=BackgroundTasks(),
            login=login,
            writer=SlackWriter(AsyncWebClient(token="xoxb-test", base_url=UNREACHABLE)),
        )
        try:
            yield World(deps=deps, starter=starter, db=db, box=box)
        finally:
            await deps.tasks.drain(5.0)
            await db.dispose()


def slash(text: str, *, user: str = TECH, channel: str = CHANNEL) -> dict[str, Any]:
    """The ``command`` payload Bolt hands a slash-command listener."""
    return {
        "command": "/remote-support",
        "text": text,
        "team_id": TEAM,
        "user_id": user,
        "channel_id": channel,
        "trigger_id": "trigger-1",
        "response_url": "https://hooks.slack.test/commands/1",
    }


def login_button_url(blocks: list[dict[str, Any]]) -> str | None:
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("type") == "button" and "/goto/oauth/start" in element.get("url", ""):
                return str(element["url"])
    return None
