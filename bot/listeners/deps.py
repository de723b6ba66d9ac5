"""What the listeners need from the rest of the app, and how it reaches them.

The composition root builds one :class:`ListenerDeps`; a global middleware puts it in every
request's Bolt ``context`` under ``"deps"``, and each listener reads it back with
:func:`deps_of`. A test calls a listener with a context holding its own ``ListenerDeps``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.accounts.login import LoginLinks
from bot.crypto import SecretBox
from bot.sessions.limits import UserWindow
from bot.slack.writer import SlackWriter
from bot.store.database import Database
from bot.tasks import BackgroundTasks
from bot.workers.surfaces import Surfaces
from bot.workflows.machines import MachineFinder
from bot.workflows.starting import SessionStarter
from bot.workflows.tracking import Tracker

DEPS_KEY = "deps"


@dataclass(frozen=True, slots=True)
class ListenerDeps:
    db: Database
    starter: SessionStarter
    tracker: Tracker
    box: SecretBox
    tasks: BackgroundTasks
    login: LoginLinks | None  # None: per-technician accounts are not configured
    writer: SlackWriter
    # `status` asks per user and minute (USER_STATUS_PER_MIN); each may cost a GoToAssist call
    status_window: UserWindow = field(default_factory=lambda: UserWindow(0))
    machines: MachineFinder | None = None  # None: machine names are not looked up
    surfaces: Surfaces | None = None  # App Home and the technician's DMs


def deps_of(context: AsyncBoltContext) -> ListenerDeps:
    deps = context[DEPS_KEY]
    assert isinstance(deps, ListenerDeps), "the deps middleware did not run"
    return deps


def provide(app: AsyncApp, deps: ListenerDeps) -> None:
    """Register the global middleware that hands ``deps`` to every listener."""

    async def put_deps_in_context(
        context: AsyncBoltContext, next: Callable[[], Awaitable[Any]]
    ) -> Any:
        context[DEPS_KEY] = deps
        return await next()

    app.use(put_deps_in_context)
