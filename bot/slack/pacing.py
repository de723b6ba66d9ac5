"""Pacing Slack writes to the limits Slack documents, instead of discovering them by 429.

A token bucket per method (per workspace) and, for ``chat.postMessage``, per channel: about
one message a second with a short burst; a DM is its own channel, so a busy channel never
holds a technician's DM. A 429 teaches the bucket it answered for (that method and channel
only) to wait out Retry-After. Callers wait their turn in order of priority (lower first)
and then age (oldest first), so the most wanted writes take each token as it comes.

Several replicas each pace to ``1/replicas`` of every budget (``SLACK_REPLICAS``): simpler
than a budget shared through the database, and never over Slack's limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Budget:
    """Slack's limit for one method: ``per_minute`` refill, ``burst`` capacity."""

    per_minute: float
    burst: int
    per_channel: bool = False


TIER_3 = Budget(per_minute=50, burst=10)
TIER_4 = Budget(per_minute=100, burst=10)

# The bursts are below what Slack allows, so jitter on the way never tips a call over.
DEFAULT = TIER_4  # methods not named below

SLACK_BUDGETS: Mapping[str, Budget] = {
    "chat.postMessage": Budget(per_minute=60, burst=4, per_channel=True),
    "chat.update": TIER_3,
    "chat.delete": TIER_3,
    "chat.postEphemeral": TIER_4,
    "chat.getPermalink": TIER_4,
    "conversations.open": TIER_3,
    "conversations.info": TIER_3,
}


@dataclass
class _Bucket:
    rate: float  # tokens a second
    burst: float
    tokens: float
    last: float
    not_before: float = 0.0  # a 429's Retry-After
    busy: bool = False  # a call is on its way
    queue: list[tuple[int, float, int]] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def wait(self, now: float) -> float:
        """Seconds until a token may be taken (0: now)."""
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if now < self.not_before:
            return self.not_before - now
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) / self.rate


class Pacer:
    """Client-side budgets for Slack's Web API (see the module docstring)."""

    def __init__(
        self,
        *,
        scale: float = 1.0,
        replicas: int = 1,
        budgets: Mapping[str, Budget] = SLACK_BUDGETS,
    ) -> None:
        self._scale = scale
        self._replicas = max(1, replicas)
        self._budgets = budgets
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._order = itertools.count()

    def key(self, method: str, channel: str | None) -> tuple[str, str]:
        per_channel = self._budget(method).per_channel
        return method, (channel or "") if per_channel else "*"

    def _budget(self, method: str) -> Budget:
        return self._budgets.get(method, DEFAULT)

    def _bucket(self, key: tuple[str, str]) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            budget = self._budget(key[0])
            rate = budget.per_minute / 60.0 * self._scale / self._replicas
            burst = max(1.0, float(budget.burst // self._replicas))
            now = time.monotonic()
            bucket = self._buckets[key] = _Bucket(rate, burst, burst, now)
            if len(self._buckets) > 4096:
                self._forget(now)
        return bucket

    def _forget(self, now: float) -> None:
        """Drop idle, full buckets (one per channel ever written to otherwise)."""
        for key, bucket in list(self._buckets.items()):
            full = bucket.tokens + (now - bucket.last) * bucket.rate >= bucket.burst
            idle = not bucket.queue and not bucket.busy
            if idle and full and now >= bucket.not_before:
                del self._buckets[key]

    async def turn(
        self,
        method: str,
        channel: str | None = None,
        *,
        priority: int = 0,
        since: float = 0.0,
        patience: float | None = None,
    ) -> bool:
        """Wait for a token of ``method`` (and ``channel``); lower ``priority`` first, then
        older ``since`` first. False when the turn did not come within ``patience`` s.

        A granted turn must be ended with ``done``: one call per method (and channel) is on
        its way at a time, so that when Slack answers 429 no other is already sent."""
        bucket = self._bucket(self.key(method, channel))
        entry = (priority, since, next(self._order))
        deadline = None if patience is None else time.monotonic() + patience
        async with bucket.changed:
            heapq.heappush(bucket.queue, entry)
            bucket.changed.notify_all()
            try:
                while True:
                    now = time.monotonic()
                    head = bucket.queue[0] == entry and not bucket.busy
                    wait = bucket.wait(now) if head else 1.0
                    if head and wait <= 0:
                        bucket.tokens -= 1.0
                        bucket.busy = True
                        return True
                    if deadline is not None and now >= deadline:
                        return False
                    timeout = wait
                    if deadline is not None:
                        timeout = min(timeout, deadline - now)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(bucket.changed.wait(), max(timeout, 0.001))
            finally:
                bucket.queue.remove(entry)
                heapq.heapify(bucket.queue)
                bucket.changed.notify_all()  # the next in line looks again

    async def done(self, method: str, channel: str | None, retry_after: float | None) -> None:
        """The call a turn was given for is answered (``retry_after``: with a 429, which
        holds this method and channel only, and nothing else, for that long)."""
        bucket = self._bucket(self.key(method, channel))
        async with bucket.changed:
            bucket.busy = False
            if retry_after is not None:
                bucket.not_before = max(bucket.not_before, time.monotonic() + retry_after)
                bucket.tokens = min(bucket.tokens, 0.0)
            bucket.changed.notify_all()

    def ready_in(self, method: str, channel: str | None = None) -> float:
        """Seconds before a call of ``method`` to ``channel`` could go (ignoring the queue)."""
        bucket = self._buckets.get(self.key(method, channel))
        return 0.0 if bucket is None else bucket.wait(time.monotonic())
