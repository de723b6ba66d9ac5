"""Asking Slack who someone is and applying ``bot.sessions.access`` to the answer.

The Slack look-ups come in through ``People`` (``bot.slack.people.SlackPeople`` in the app),
so this layer never imports Slack code. A look-up that fails refuses the start (fails closed).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol

from bot.sessions.access import (
    AccessPolicy,
    Group,
    PeopleUnavailable,
    Person,
    Refusal,
    may_start,
)
from bot.sessions.model import SessionKind

log = logging.getLogger(__name__)

UNAVAILABLE = (
    "Slack could not confirm who you are just now, so nothing was started. Try again in a "
    "minute; if it keeps happening, tell your Slack admin."
)


class People(Protocol):
    async def person(self, user_id: str, groups: Iterable[Group] = ()) -> Person: ...

    async def groups(self, names: Iterable[str]) -> tuple[Group, ...]: ...


class AccessCheck:
    """``allowed``/``unattended``: the user groups of ALLOWED_USER_GROUPS and
    UNATTENDED_USER_GROUPS as written (handles or ids), None when unset."""

    def __init__(
        self,
        people: People | None,
        *,
        allowed: tuple[str, ...] | None = None,
        unattended: tuple[str, ...] | None = None,
    ) -> None:
        self._people = people
        self._allowed = allowed
        self._unattended = unattended

    async def refusal(
        self, team_id: str, user_id: str, kind: SessionKind, *, linked_account: bool
    ) -> Refusal | None:
        """None when ``user_id`` may start a ``kind`` session; else why not."""
        if self._people is None:  # no Slack to ask (unit tests): the account rules alone
            person = Person(user_id, team_id)
            return may_start(
                person, kind, AccessPolicy(), request_team=team_id, linked_account=linked_account
            )
        try:
            allowed = await self._people.groups(self._allowed) if self._allowed else None
            unattended = await self._people.groups(self._unattended) if self._unattended else None
            person = await self._people.person(user_id, (*(allowed or ()), *(unattended or ())))
        except PeopleUnavailable as exc:
            log.warning("access check for %s failed closed: %s", user_id, exc)
            return Refusal(UNAVAILABLE)
        policy = AccessPolicy(allowed=allowed, unattended=unattended)
        return may_start(person, kind, policy, request_team=team_id, linked_account=linked_account)
