"""The retention sweep: RETENTION_DAYS after a session ended, its customer's name, e-mail,
notes, links and tokens are erased (``sessions.transition``, event ``RetentionDue``) and its
card is edited to say so. Every replica may sweep: each session is decided under its lock,
and a session already swept changes nothing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.clock import utcnow
from bot.sessions.transition import PollSchedule, RetentionDue
from bot.store import sessions as session_store
from bot.store.database import Database

log = logging.getLogger(__name__)


class RetentionSweeper:
    def __init__(
        self,
        db: Database,
        schedule: PollSchedule,
        *,
        keep_for: timedelta,
        every_s: float = 3600.0,
        batch: int = 200,
        clock: Callable[[], datetime] = utcnow,  # what time it is for the cutoff (tests)
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._schedule = schedule
        self._keep_for = keep_for
        self._every_s = every_s
        self._batch = batch
        self._clock = clock
        self._on_queued = on_queued

    async def run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("retention sweep failed; trying again later")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=self._every_s)

    async def run_once(self) -> int:
        """Erase every session due; the number erased."""
        erased = 0
        while True:
            event = RetentionDue(cutoff=self._clock() - self._keep_for)
            async with self._db.read() as tx:
                due = await session_store.past_retention(tx, event.cutoff, self._batch)
            for session_id in due:
                done = await self._db.run_write_off_loop(
                    session_store.write_event, session_id, event, self._schedule, utcnow()
                )
                if done is not None and done.changes_session:
                    erased += 1
                    if done.intents:
                        self._on_queued()
            if len(due) < self._batch:
                break
        if erased:
            log.info("retention: erased the details of %d ended sessions", erased)
        return erased
