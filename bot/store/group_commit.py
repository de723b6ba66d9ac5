"""Group commit: many small writes that arrive together share one transaction.

Each ``put`` waits for the transaction holding its item to commit (so the caller still
answers only once its write is durable). While one group is being committed, new items
gather into the next. At low load a group is one item and nothing waits; under a burst
the cost of a transaction (and, on SQLite, of the one write lock) is shared. ``apply`` is a
function of Core statements run by ``Database.run_write``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy import Connection

from bot.store.database import Database

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

MAX_GROUP = 256


class GroupCommit(Generic[T, R]):
    def __init__(
        self,
        db: Database,
        apply: Callable[[Connection, Sequence[T]], list[R]],
        *,
        name: str,
    ) -> None:
        self._db = db
        self._apply = apply
        self._name = name
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def put(self, item: T) -> R:
        """Write ``item`` with whatever else is waiting; returns its result once committed."""
        answer: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, answer))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain(), name=self._name)
        return await asyncio.shield(answer)  # a caller that gives up does not undo a write

    async def _drain(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting[:MAX_GROUP], self._waiting[MAX_GROUP:]
            items = [item for item, _answer in group]
            try:
                results = await self._db.run_write(self._apply, items)
            except Exception as exc:
                log.exception("%s: a group of %d writes failed", self._name, len(group))
                for _item, answer in group:
                    if not answer.done():
                        answer.set_exception(exc)
                continue
            for (_item, answer), result in zip(group, results, strict=True):
                if not answer.done():
                    answer.set_result(result)
