"""Slack Web API writes with outcomes classified for the outbox worker.

Every call goes through ``SlackWriter.call``, which waits its turn at the pacer (Slack's
limits per method and, for posts, per channel; a 429's Retry-After holds only the method and
channel it answered for), counts it in metrics, and turns Slack's answers into a small set
of outcomes the worker knows how to act on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from enum import Enum
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.metrics import SLACK_CALLS
from bot.slack.pacing import Pacer

log = logging.getLogger(__name__)


class Outcome(Enum):
    OK = "ok"
    RATE_LIMITED = "rate_limited"  # wait Retry-After, then try again
    TRANSIENT = "transient"  # 5xx, connection error, timeout: back off and retry
    MESSAGE_GONE = "message_gone"  # message_not_found: repost
    CHANNEL_UNWRITABLE = "channel_unwritable"  # not_in_channel, channel_not_found, is_archived
    AUTH_FAILED = "auth_failed"  # invalid_auth, token_revoked, account_inactive
    USER_NOT_IN_CHANNEL = "user_not_in_channel"
    FAILED = "failed"  # anything else: retrying will not help
    PACED = "paced"  # not sent: its turn at the pacer did not come within its patience


_CHANNEL_ERRORS = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}
_AUTH_ERRORS = {"invalid_auth", "token_revoked", "account_inactive", "not_authed", "token_expired"}
_TRANSIENT_ERRORS = {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    data: dict[str, Any]
    error: str | None = None
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK


@dataclass(frozen=True, slots=True)
class Turn:
    """Where a call stands in the pacer's line: lower ``priority`` first, then older
    ``since`` (a Unix time); ``patience``: give up (``Outcome.PACED``) after that many s."""

    priority: int = 0
    since: float = 0.0
    patience: float | None = None


class SlackWriter:
    def __init__(
        self, client: AsyncWebClient, *, timeout_s: float = 10.0, pacer: Pacer | None = None
    ) -> None:
        self._client = client
        self._timeout_s = timeout_s
        self.pacer = pacer or Pacer()
        self.auth_failure: str | None = None
        self._auth_checked_at = 0.0

    async def call(self, method: str, /, *, turn: Turn | None = None, **params: Any) -> Result:
        """One Web API call, sent when the pacer gives it a turn (``turn``: its place in
        line; none: first come, first served)."""
        turn = turn or Turn()
        channel = params.get("channel")
        channel = str(channel) if channel is not None else None
        granted = await self.pacer.turn(
            method, channel, priority=turn.priority, since=turn.since, patience=turn.patience
        )
        if not granted:
            wait = self.pacer.ready_in(method, channel)
            return Result(Outcome.PACED, {}, "paced", retry_after=wait)
        retry_after: float | None = None
        try:
            result = await self._call(method, params)
            if result.outcome is Outcome.RATE_LIMITED:
                retry_after = result.retry_after or 1.0
                log.warning(
                    "Slack answered 429 to %s (%s): Retry-After %ss", method, channel, retry_after
                )
        finally:
            await self.pacer.done(method, channel, retry_after)
        SLACK_CALLS.labels(method=method, outcome=result.error or result.outcome.value).inc()
        if result.outcome is Outcome.AUTH_FAILED:
            self.auth_failure = result.error
            self._auth_checked_at = time.monotonic()
        elif result.ok:
            self.auth_failure = None
        return result

    async def _call(self, method: str, params: dict[str, Any]) -> Result:
        try:
            response = await asyncio.wait_for(
                self._client.api_call(method, json=params), timeout=self._timeout_s
            )
        except SlackApiError as exc:
            return _classify_error(exc)
        except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
            return Result(Outcome.TRANSIENT, {}, type(exc).__name__)
        return Result(Outcome.OK, dict(response.data) if isinstance(response.data, dict) else {})

    def refuse(self, reason: str) -> None:
        """Slack told us (an event) that the token is no longer valid."""
        self.auth_failure = reason
        self._auth_checked_at = time.monotonic()

    async def writes_allowed(self, recheck_s: float = 60.0) -> bool:
        """False while Slack refuses the token; every ``recheck_s`` one ``auth.test`` asks
        again, so a reinstalled app resumes without a restart."""
        if self.auth_failure is None:
            return True
        if time.monotonic() - self._auth_checked_at < recheck_s:
            return False
        self._auth_checked_at = time.monotonic()
        result = await self.call("auth.test")
        if result.ok:
            log.warning("Slack accepts the bot token again: writes resume")
        return result.ok


def is_direct_message(channel: str) -> bool:
    """A DM channel id, or a user id (posting to a user id lands in the app's DM with them,
    with no ``conversations.open`` call and no ``im:write`` scope)."""
    return channel.startswith(("D", "U", "W"))


def _classify_error(exc: SlackApiError) -> Result:
    response = exc.response
    status = int(getattr(response, "status_code", 0) or 0)
    data = response.data if isinstance(response.data, dict) else {}
    error = str(data.get("error") or f"http_{status}")
    if status == 429 or error == "ratelimited":
        headers = getattr(response, "headers", {}) or {}
        raw = headers.get("Retry-After") or headers.get("retry-after") or "1"
        try:
            retry_after = max(float(raw), 0.0)
        except ValueError:
            retry_after = 1.0
        return Result(Outcome.RATE_LIMITED, data, "ratelimited", retry_after=retry_after)
    if status >= 500 or error in _TRANSIENT_ERRORS:
        return Result(Outcome.TRANSIENT, data, error)
    if error == "message_not_found":
        return Result(Outcome.MESSAGE_GONE, data, error)
    if error in _CHANNEL_ERRORS:
        return Result(Outcome.CHANNEL_UNWRITABLE, data, error)
    if error in _AUTH_ERRORS:
        return Result(Outcome.AUTH_FAILED, data, error)
    if error == "user_not_in_channel":
        return Result(Outcome.USER_NOT_IN_CHANNEL, data, error)
    return Result(Outcome.FAILED, data, error)
