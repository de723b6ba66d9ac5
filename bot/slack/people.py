"""What Slack says of a person: guest or not, which organisation, which user groups.

Answers are cached (``ttl_s``, a few minutes): one ``users.info`` per person and one
``usergroups.users.list`` per configured group per period, never one per command. When Slack
cannot answer, ``PeopleUnavailable`` is raised: the caller refuses (fails closed).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import Any, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.metrics import SLACK_CALLS
from bot.sessions.access import Group, PeopleUnavailable, Person

log = logging.getLogger(__name__)

T = TypeVar("T")


class SlackPeople:
    def __init__(
        self,
        client: AsyncWebClient,
        *,
        ttl_s: float = 300.0,
        timeout_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl_s = ttl_s
        self._timeout_s = timeout_s
        self._clock = clock
        self._cache: dict[tuple[str, str], tuple[float, Any]] = {}
        self._inflight: dict[tuple[str, str], asyncio.Future[Any]] = {}

    async def person(self, user_id: str, groups: Iterable[Group] = ()) -> Person:
        """``user_id`` as Slack describes them, with which of ``groups`` they are in."""
        user = await self._user(user_id)
        member_of = set()
        for group in groups:
            members = await self._cached(("group", group.id), partial(self._members, group))
            if user_id in members:
                member_of.add(group.id)
        return Person(
            user_id=user_id,
            team_id=user.get("team_id"),
            guest=bool(user.get("is_restricted") or user.get("is_ultra_restricted")),
            stranger=bool(user.get("is_stranger")),
            deleted=bool(user.get("deleted")),
            bot=bool(user.get("is_bot")),
            groups=frozenset(member_of),
        )

    async def email(self, user_id: str) -> str | None:
        """The e-mail on the person's Slack profile (None when hidden or unset)."""
        user = await self._user(user_id)
        profile = user.get("profile") or {}
        email = profile.get("email") if isinstance(profile, dict) else None
        return email if isinstance(email, str) and email else None

    async def groups(self, names: Iterable[str]) -> tuple[Group, ...]:
        """The user groups a setting names, by id (``S…``) or handle (with or without @)."""
        listed: list[dict[str, Any]] = await self._cached(
            ("groups", ""), lambda: self._call("usergroups.list", "usergroups")
        )
        by_handle = {str(g.get("handle", "")).lower(): g for g in listed if isinstance(g, dict)}
        by_id = {str(g.get("id", "")): g for g in listed if isinstance(g, dict)}
        found: list[Group] = []
        for name in names:
            entry = by_id.get(name) or by_handle.get(name.lstrip("@").lower())
            if entry is None:
                raise PeopleUnavailable(f"Slack has no user group {name!r}")
            found.append(Group(str(entry["id"]), str(entry.get("handle") or entry["id"])))
        return tuple(found)

    async def _user(self, user_id: str) -> dict[str, Any]:
        user = await self._cached(
            ("user", user_id), lambda: self._call("users.info", "user", user=user_id)
        )
        if not isinstance(user, dict):
            raise PeopleUnavailable("Slack answered users.info without a user")
        return user

    async def _members(self, group: Group) -> frozenset[str]:
        users = await self._call("usergroups.users.list", "users", usergroup=group.id)
        return frozenset(str(user) for user in users or ())

    async def _cached(self, key: tuple[str, str], load: Callable[[], Awaitable[T]]) -> T:
        hit = self._cache.get(key)
        if hit is not None and self._clock() - hit[0] < self._ttl_s:
            value: T = hit[1]
            return value
        pending = self._inflight.get(key)
        if pending is None:  # one look-up per key at a time: a burst waits for the first
            pending = asyncio.ensure_future(load())
            self._inflight[key] = pending
            try:
                result: T = await pending
            finally:
                self._inflight.pop(key, None)
            self._cache[key] = (self._clock(), result)
            return result
        shared: T = await asyncio.shield(pending)
        return shared

    async def _call(self, method: str, field: str, **params: str) -> Any:
        try:
            response = await asyncio.wait_for(
                self._client.api_call(method, params=params), timeout=self._timeout_s
            )
        except SlackApiError as exc:
            data = exc.response.data
            error = (
                str(data.get("error", "error"))
                if isinstance(data, dict)
                else f"HTTP {exc.response.status_code}"
            )
            SLACK_CALLS.labels(method=method, outcome=error).inc()
            raise PeopleUnavailable(f"Slack answered {method} with {error}") from None
        except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
            SLACK_CALLS.labels(method=method, outcome=type(exc).__name__).inc()
            raise PeopleUnavailable(f"Slack did not answer {method}") from None
        SLACK_CALLS.labels(method=method, outcome="ok").inc()
        data = response.data if isinstance(response.data, dict) else {}
        return data.get(field)
