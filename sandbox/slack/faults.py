"""Injected faults (429, 5xx, ok:false errors, hangs, latency) and Slack's rate limits, with
the Retry-After bookkeeping that catches a client coming back too early."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from sandbox.slack.records import (
    UPSTREAM_ERROR_BODY,
    Bucket,
    Fault,
    RateLimit,
    RecordedCall,
    RetryAfterViolation,
    RetryBlock,
)
from sandbox.slack.state import SlackState


class FaultInjection(SlackState):
    """What a test makes go wrong, and the limits Slack would enforce."""

    def rate_limit(self, method: str, count: int = 1, retry_after: int = 1) -> None:
        """The next ``count`` calls of ``method`` ("*": any) answer 429 + Retry-After."""
        if retry_after < 0 or int(retry_after) != retry_after:
            raise ValueError("retry_after must be a whole number of seconds >= 0")
        self._queue(method, Fault("ratelimit", count, retry_after=int(retry_after)))

    def fail_next(
        self,
        method: str,
        status: int = 500,
        count: int = 1,
        body: str = UPSTREAM_ERROR_BODY,
        content_type: str = "text/plain",
    ) -> None:
        """The next ``count`` calls answer HTTP ``status`` with a non-JSON body."""
        if not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status")
        self._queue(
            method, Fault("status", count, status=status, body=body, content_type=content_type)
        )

    def fail_next_error(self, method: str, error: str = "internal_error", count: int = 1) -> None:
        """The next ``count`` calls answer 200 ``{"ok": false, "error": error}``."""
        self._queue(method, Fault("error", count, error=error))

    def hang_next(self, method: str, count: int = 1) -> None:
        """The next ``count`` calls get no answer until ``release_hung()`` or ``stop()``."""
        self._queue(method, Fault("hang", count))

    def release_hung(self) -> None:
        """Let hung calls proceed and be answered normally."""
        hung, self._hung = self._hung, []
        for fut in hung:
            if not fut.done():
                fut.set_result(True)

    def set_latency(self, method: str, seconds: float) -> None:
        """Delay answers to ``method`` by ``seconds`` (0: none); ``"*"`` covers every method
        without a setting of its own."""
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        self._latency[method] = float(seconds)

    def clear_faults(self) -> None:
        self._faults.clear()
        self._latency.clear()

    def enforce_rate_limits(
        self,
        enabled: bool = True,
        limits: Mapping[str, RateLimit | Mapping[str, Any]] | None = None,
        scale: float = 1.0,
    ) -> None:
        """Apply per-method limits (``DEFAULT_RATE_LIMITS`` updated by ``limits``); ``scale``
        multiplies every rate (the app's ``SLACK_RATE_SCALE`` to match, so tests stay fast)."""
        if scale <= 0:
            raise ValueError("scale must be > 0")
        self._enforce = enabled
        self._rate_scale = float(scale)
        for method, limit in (limits or {}).items():
            self._limits[method] = limit if isinstance(limit, RateLimit) else RateLimit(**limit)
        self._buckets.clear()

    def _queue(self, method: str, fault: Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("count must be >= 1")
        self._faults.setdefault(method, deque()).append(fault)

    def _next_fault(self, method: str) -> Fault | None:
        for key in (method, "*"):
            queue = self._faults.get(key)
            if queue:
                fault = queue[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.popleft()
                return fault
        return None

    def _ratelimited(
        self, call: RecordedCall, method: str, scope: str, retry_after: int, now: float
    ) -> web.Response:
        call.status, call.ok, call.error, call.retry_after = 429, False, "ratelimited", retry_after
        key = (method, scope)
        until = now + retry_after
        current = self._blocks.get(key)
        if current is None or current.until < until:
            self._blocks[key] = RetryBlock(told_at=now, until=until, retry_after=retry_after)
        return web.json_response(
            {"ok": False, "error": "ratelimited"},
            status=429,
            headers={"Retry-After": str(retry_after)},
        )

    def _check_retry_after(self, method: str, channel: str, now: float) -> None:
        for key in ((method, channel), (method, "*")):
            block = self._blocks.get(key)
            if block is None:
                continue
            if now < block.until - self.retry_after_tolerance:
                self.retry_after_violations.append(
                    RetryAfterViolation(
                        method=method,
                        channel=channel,
                        retry_after=block.retry_after,
                        told_at=block.told_at,
                        arrived_at=now,
                        early_by=block.until - now,
                    )
                )
            elif now >= block.until:
                del self._blocks[key]

    def _enforced_wait(self, method: str, channel: str, now: float) -> int | None:
        limit = self._limits.get(method)
        if not self._enforce or limit is None:
            return None
        key = (method, channel if limit.per_channel else "*")
        block = self._blocks.get(key)
        if block is not None and now < block.until:
            return max(1, math.ceil(block.until - now))
        rate = limit.per_minute / 60.0 * self._rate_scale
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(tokens=float(limit.burst), last=now)
        bucket.tokens = min(float(limit.burst), bucket.tokens + (now - bucket.last) * rate)
        bucket.last = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - bucket.tokens) / rate))
