"""GoToAssist's request budget per token, spent by priority.

At most ``rate_per_s`` requests a second per token (a sliding window with a small margin for
jitter). When more are waiting than the budget allows, the most wanted goes first: a create
(a technician is waiting for their session), then what a person asked for (``status``, a
button), then confirmations, then background polls, then the machine directory. Creates take
turns by user, so one user's burst never holds a colleague's create back more than one slot.
Polls wait behind creates; since the poller asks for the sessions checked longest ago first,
poll intervals stretch to fit the budget that is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import heapq
import itertools
import math
import time
from collections import deque
from enum import IntEnum

WINDOW_SLACK_S = 0.1  # margin so network jitter cannot push the server's count over


class Priority(IntEnum):
    CREATE = 0
    ASKED = 1  # a person asked: the status command, a button
    CONFIRM = 2
    POLL = 3
    DIRECTORY = 4


class _Line:
    """One token's window of sent requests and the requests waiting for it."""

    __slots__ = ("changed", "queue", "rounds", "sent", "served_round")

    def __init__(self) -> None:
        self.changed = asyncio.Condition()
        self.sent: deque[float] = deque()
        self.queue: list[tuple[int, int, int]] = []
        self.rounds: dict[str, int] = {}  # user -> the round of their next create
        self.served_round = 0


class PriorityLimiter:
    """At most ``rate_per_s`` requests a second per token, most wanted first (see the module).
    ``rate_per_s <= 0`` disables limiting."""

    def __init__(self, rate_per_s: float) -> None:
        self._capacity = max(1, math.floor(rate_per_s)) if rate_per_s > 0 else 0
        self._window = self._capacity / rate_per_s + WINDOW_SLACK_S if rate_per_s > 0 else 0.0
        self._lines: dict[str, _Line] = {}
        self._order = itertools.count()

    async def acquire(
        self, token: str, priority: Priority = Priority.POLL, *, user: str | None = None
    ) -> None:
        if not self._capacity:
            return
        key = hashlib.sha256(token.encode()).hexdigest()
        line = self._lines.get(key)
        if line is None:
            self._prune()
            line = self._lines[key] = _Line()
        turn = 0
        if priority is Priority.CREATE and user is not None:
            # Fair queueing: a user's n-th waiting create goes in round n, after everyone's
            # earlier rounds.
            turn = max(line.rounds.get(user, 0), line.served_round)
            line.rounds[user] = turn + 1
        entry = (int(priority), turn, next(self._order))
        async with line.changed:
            heapq.heappush(line.queue, entry)
            try:
                while True:
                    wait = self._wait(line) if line.queue[0] == entry else 1.0
                    if line.queue[0] == entry and wait <= 0:
                        line.sent.append(time.monotonic())
                        if priority is Priority.CREATE:
                            line.served_round = max(line.served_round, turn)
                        return
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(line.changed.wait(), max(wait, 0.001))
            finally:
                line.queue.remove(entry)
                heapq.heapify(line.queue)
                line.changed.notify_all()

    def _wait(self, line: _Line) -> float:
        now = time.monotonic()
        while line.sent and line.sent[0] + self._window <= now:
            line.sent.popleft()
        if len(line.sent) < self._capacity:
            return 0.0
        return line.sent[0] + self._window - now

    def _prune(self) -> None:
        """Forget idle tokens so the table does not grow without bound."""
        if len(self._lines) < 1024:
            return
        horizon = time.monotonic() - self._window
        for key, line in list(self._lines.items()):
            if not line.queue and (not line.sent or line.sent[-1] < horizon):
                del self._lines[key]
