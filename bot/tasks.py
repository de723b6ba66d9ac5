"""Work started after a Slack acknowledgement, tracked so shutdown can wait for it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class BackgroundTasks:
    """At most ``limit`` at once: past that, callers say "busy, try again" instead of
    building a backlog that only grows (GoToAssist takes about 10 starts a second per
    account) and that a restart would cut short."""

    def __init__(self, limit: int = 100) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._limit = limit
        self.accepting = True

    @property
    def has_room(self) -> bool:
        return self.accepting and len(self._tasks) < self._limit

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> bool:
        """Run ``coro`` in the background; False (and not run) when full or shutting down."""
        if not self.has_room:
            coro.close()
            return False
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return True

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s failed", task.get_name(), exc_info=task.exception())

    async def drain(self, timeout_s: float) -> int:
        """Stop accepting, wait up to ``timeout_s`` for running work; returns how many were cut."""
        self.accepting = False
        if not self._tasks:
            return 0
        _done, pending = await asyncio.wait(set(self._tasks), timeout=timeout_s)
        for task in pending:
            task.cancel()
        return len(pending)
