"""Async GoToAssist Remote Support client: create a session, read a session.

The access token is an argument of each call, so one client serves every technician. Tokens,
session tokens and launch URLs are never logged.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import math
import random
from collections.abc import Callable
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlencode

import aiohttp
from pydantic import BaseModel, ValidationError
from yarl import URL

from bot.clock import as_utc, utcnow
from bot.gotoassist.budget import Priority, PriorityLimiter
from bot.gotoassist.errors import (
    GoToAssistError,
    InvalidResponse,
    NotFound,
    Operation,
    RateLimited,
    ServerError,
    Timeout,
    Unauthorized,
    Unreachable,
    clip_detail,
    error_for_status,
)
from bot.gotoassist.models import (
    CompanyPage,
    CreateSessionRequest,
    CreateSessionResponse,
    MachinePage,
    SessionInfo,
)

__all__ = ["GoToAssistClient", "Observer"]

log = logging.getLogger(__name__)

Observer = Callable[[str, str], None]
AuthScheme = Literal["Bearer", "OAuth"]
_M = TypeVar("_M", bound=BaseModel)

BACKOFF_BASE_S = 0.2
BACKOFF_CAP_S = 5.0
MAX_RETRY_AFTER_S = 30.0  # a GET told to wait longer than this gives up at once


ATTENDED_NOT_FOUND = (
    "GoToAssist answered 404 Not Found to starting a session, which names no machine: "
    "the GoToAssist API address (GOTOASSIST_API_URL) may be wrong."
)


class GoToAssistClient:
    """Client of ``{base_url}/sessions``; share one instance so the rate limiter sees all calls."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        base_url: str,
        *,
        auth_scheme: AuthScheme = "Bearer",
        timeout_s: float = 10.0,
        observer: Observer | None = None,
        rate_per_s: float = 10.0,
        get_retries: int = 3,
    ) -> None:
        if auth_scheme not in ("Bearer", "OAuth"):
            raise ValueError(f"auth_scheme must be 'Bearer' or 'OAuth', not {auth_scheme!r}")
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._auth_scheme = auth_scheme
        self._timeout_s = timeout_s
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._observer = observer
        self._retries = max(0, get_retries)
        self._limiter = PriorityLimiter(rate_per_s)

    async def create_session(
        self, token: str, req: CreateSessionRequest, *, user: str | None = None
    ) -> CreateSessionResponse:
        """``POST /sessions``, first in line for the budget (``user``: creates take turns by
        user). Retried only when GoToAssist cannot have created anything: no connection could
        be made at all, or its rate limiter refused the call (429)."""
        try:
            return await self._call(
                "create",
                "POST",
                "/sessions",
                token,
                req.to_json_body(),
                CreateSessionResponse,
                Priority.CREATE,
                user,
            )
        except NotFound as exc:
            if req.machine_uuid is not None:
                raise
            raise NotFound(ATTENDED_NOT_FOUND, status=exc.status, detail=exc.detail) from None

    async def get_session(
        self, token: str, id_or_token: str, *, priority: Priority = Priority.POLL
    ) -> SessionInfo:
        """``GET /sessions/{id}`` by session id or session token, retried on transient failures;
        ``priority``: its place in line for the budget (a background poll by default)."""
        if not id_or_token:
            raise ValueError("a session id or session token is required")
        path = "/sessions/" + quote(id_or_token, safe="")
        return await self._call("get", "GET", path, token, None, SessionInfo, priority)

    async def list_companies(
        self, token: str, *, q: str = "", limit: int = 100, offset: int = 0
    ) -> CompanyPage:
        """``GET /companies?q=&limit=&offset=``: one page of the account's companies (operation
        "directory": retried like a GET, and the lowest priority for the rate limiter)."""
        query = urlencode({"q": q, "limit": limit, "offset": offset})
        return await self._call(
            "directory", "GET", f"/companies?{query}", token, None, CompanyPage, Priority.DIRECTORY
        )

    async def list_machines(
        self, token: str, company_id: str, *, limit: int = 100, offset: int = 0
    ) -> MachinePage:
        """``GET /companies/{companyId}/machines?limit=&offset=``: one page of its machines."""
        if not company_id:
            raise ValueError("a company id is required")
        query = urlencode({"limit": limit, "offset": offset})
        path = f"/companies/{quote(company_id, safe='')}/machines?{query}"
        return await self._call(
            "directory", "GET", path, token, None, MachinePage, Priority.DIRECTORY
        )

    async def _call(
        self,
        operation: Operation,
        method: str,
        path: str,
        token: str,
        body: dict[str, Any] | None,
        model: type[_M],
        priority: Priority,
        user: str | None = None,
    ) -> _M:
        _check_token(token)
        attempt = 0
        while True:
            try:
                return await self._attempt(
                    operation, method, path, token, body, model, priority, user
                )
            except GoToAssistError as exc:
                delay = self._retry_delay(operation, exc, attempt)
                if delay is None:
                    raise
                log.info(
                    "GoToAssist %s failed (%s); retry %d in %.2fs",
                    method,
                    type(exc).__name__,
                    attempt + 1,
                    delay,
                )
                attempt += 1
                await asyncio.sleep(delay)

    async def _attempt(
        self,
        operation: Operation,
        method: str,
        path: str,
        token: str,
        body: dict[str, Any] | None,
        model: type[_M],
        priority: Priority,
        user: str | None,
    ) -> _M:
        label = f"{method} /companies" if operation == "directory" else f"{method} /sessions"
        await self._limiter.acquire(token, priority, user=user)
        headers = {"Authorization": self._authorization(token), "Accept": "application/json"}
        url = URL(self._base_url + path, encoded=True)
        try:
            async with self._http.request(
                method,
                url,
                headers=headers,
                json=body,
                timeout=self._timeout,
                allow_redirects=False,
            ) as resp:
                status = resp.status
                raw = await resp.read()
                retry_after = _parse_retry_after(resp.headers.get("Retry-After"))
        except aiohttp.ClientConnectorError as exc:
            self._observe(label, "unreachable")
            raise Unreachable(request_sent=False, detail=type(exc).__name__) from exc
        except TimeoutError:
            self._observe(label, "timeout")
            raise Timeout(self._timeout_s) from None
        except aiohttp.ClientError as exc:
            self._observe(label, "unreachable")
            raise Unreachable(request_sent=True, detail=type(exc).__name__) from exc

        if not 200 <= status < 300:
            self._observe(label, f"http_{status}")
            raise error_for_status(
                status, raw, operation=operation, token=token, retry_after=retry_after
            )
        try:
            parsed = model.model_validate(json.loads(raw))
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, ValidationError
            self._observe(label, "invalid_response")
            raise InvalidResponse(status=status, detail=_describe_invalid(exc)) from None
        self._observe(label, "ok")
        return parsed

    def _retry_delay(
        self, operation: Operation, exc: GoToAssistError, attempt: int
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        if attempt >= self._retries:
            return None
        if operation == "create":
            # A 429 is refused at the gateway, before any session exists; a timeout or a 5xx
            # may have created one, so those are never sent again.
            retryable = isinstance(exc, RateLimited) or (
                isinstance(exc, Unreachable) and not exc.request_sent
            )
        else:
            retryable = isinstance(exc, RateLimited | ServerError | Timeout | Unreachable)
        if not retryable:
            return None
        delay = backoff_delay(attempt)
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            if exc.retry_after > MAX_RETRY_AFTER_S:
                return None
            delay = max(delay, exc.retry_after)
        return delay

    def _authorization(self, token: str) -> str:
        if self._auth_scheme == "OAuth":
            return f"OAuth oauth_token={token}"
        return f"Bearer {token}"

    def _observe(self, method: str, outcome: str) -> None:
        log.debug("GoToAssist %s -> %s", method, outcome)
        if self._observer is None:
            return
        try:
            self._observer(method, outcome)
        except Exception:
            log.exception("GoToAssist observer failed")


def backoff_delay(attempt: int) -> float:
    """Exponential backoff with jitter: between half and all of min(cap, base * 2**attempt)."""
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2.0**attempt)
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = (as_utc(when) - utcnow()).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _describe_invalid(exc: ValueError) -> str:
    """What was wrong with a 200 body, without quoting it (it may hold a launch URL)."""
    if isinstance(exc, ValidationError):
        problems = (
            f"{'.'.join(str(part) for part in err['loc']) or 'body'}: {err['msg']}"
            for err in exc.errors(include_input=False, include_url=False)
        )
        return clip_detail("; ".join(problems))
    return "body is not JSON"


def _check_token(token: str) -> None:
    """Refuse, before sending anything, a token that cannot go in a header."""
    if not token or any(ch.isspace() or not ch.isprintable() for ch in token):
        raise Unauthorized("The GoToAssist access token is empty or malformed.", status=None)
