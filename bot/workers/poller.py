"""The poller: the safety net for lost callbacks. Every live session is asked about on a
backing-off schedule, so it reaches its final state even if no callback ever arrives.

A poll confirming a terminal callback (the card waits for GoToAssist's own word that the
session ended) has a loop of its own, claimed apart and asked at ``Priority.CONFIRM``, so it
never waits behind a batch of background polls held back by the GoToAssist budget."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.clock import utcnow
from bot.gotoassist.budget import Priority
from bot.store import sessions as session_store
from bot.store.database import Database
from bot.workflows.starting import SessionStarter
from bot.workflows.tracking import Tracker

log = logging.getLogger(__name__)


class Poller:
    def __init__(
        self,
        db: Database,
        tracker: Tracker,
        starter: SessionStarter,
        *,
        interrupted_after: timedelta = timedelta(seconds=60),
        lease: timedelta = timedelta(seconds=60),
        batch: int = 32,
        concurrency: int = 8,
        tick_s: float = 1.0,
        confirm_tick_s: float = 0.25,
        confirm_concurrency: int = 4,
    ) -> None:
        self._db = db
        self._tracker = tracker
        self._starter = starter
        self._interrupted_after = interrupted_after
        self._lease = lease
        self._batch = batch
        self._limit = asyncio.Semaphore(concurrency)
        self._tick_s = tick_s
        self._confirm_tick_s = confirm_tick_s
        self._confirm_limit = asyncio.Semaphore(confirm_concurrency)

    async def run(self, stopping: asyncio.Event) -> None:
        confirming = asyncio.create_task(
            self._loop(stopping, self.confirm_once, self._confirm_tick_s, "confirmation"),
            name="poll-confirms",
        )
        try:
            await self._loop(stopping, self.run_once, self._tick_s, "poll")
        finally:
            confirming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await confirming

    async def _loop(
        self,
        stopping: asyncio.Event,
        one_pass: Callable[[], Awaitable[int]],
        tick_s: float,
        what: str,
    ) -> None:
        """``one_pass`` again and again: at once while it finds a full batch, else after
        ``tick_s``."""
        while not stopping.is_set():
            try:
                claimed = await one_pass()
            except Exception:
                log.exception("%s pass failed; retrying", what)
                claimed = 0
            if claimed < self._batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), timeout=tick_s)

    async def confirm_once(self) -> int:
        """Ask GoToAssist about sessions a terminal callback said ended (due now)."""
        now = utcnow()
        async with self._db.read() as tx:
            if not await session_store.confirm_due(tx, now):
                return 0
        ids = await self._db.run_write(
            session_store.claim_polls, now, self._lease, self._batch, confirms=True
        )
        await asyncio.gather(
            *(self._ask(sid, Priority.CONFIRM, self._confirm_limit) for sid in ids)
        )
        return len(ids)

    async def run_once(self) -> int:
        await self._starter.recover_interrupted(self._interrupted_after)
        ids = await self._db.run_write(
            session_store.claim_polls, utcnow(), self._lease, self._batch
        )
        await asyncio.gather(*(self._ask(sid, Priority.POLL, self._limit) for sid in ids))
        return len(ids)

    async def _ask(self, session_id: str, priority: Priority, limit: asyncio.Semaphore) -> None:
        async with limit:
            try:
                await self._tracker.poll(session_id, priority)
            except Exception:
                log.exception("session %s: poll crashed", session_id)
