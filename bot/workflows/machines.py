"""Finding the machine a technician means, among those they may open.

Joins the machine directory (GoToAssist's list, in memory), the matching rules of
``bot.sessions.machines`` and, when ``UNATTENDED_ACCESS`` is set, what Slack says of the
technician's user groups (through ``People``, so this layer never imports Slack code). The
companies a technician may not see are removed before any search, so nothing about them (not
even how many machines matched) reaches an answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.accounts.resolver import AccountResolver, NoAccount
from bot.gotoassist.directory import MachineDirectory
from bot.sessions.access import PeopleUnavailable
from bot.sessions.machines import (
    CompanyAccess,
    MachineEntry,
    NoneFound,
    SearchResult,
    access_groups,
    fold,
    search,
    suggest,
    visible_companies,
)
from bot.workflows.access import UNAVAILABLE, People

log = logging.getLogger(__name__)

MISS_WAIT_S = 15.0  # how long a typed command waits for a refresh after a miss
MISS_REFRESH_AFTER_S = 30.0  # a miss refreshes only a snapshot older than this

REFRESHING = "the machine list is being refreshed"
UNREADABLE = "GoToAssist's machine list could not be read"


@dataclass(frozen=True, slots=True)
class Lookup:
    """What a search found, and a note (plain text) when the list may be incomplete."""

    result: SearchResult
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Suggestions:
    machines: tuple[MachineEntry, ...]
    note: str | None = None


class MachineFinder:
    def __init__(
        self,
        directory: MachineDirectory,
        accounts: AccountResolver,
        people: People | None,
        *,
        rules: tuple[CompanyAccess, ...] | None,
        shared_token: str | None,
        miss_wait_s: float = MISS_WAIT_S,
        miss_refresh_after_s: float = MISS_REFRESH_AFTER_S,
    ) -> None:
        self.directory = directory
        self._accounts = accounts
        self._people = people
        self.rules = rules
        self._shared_token = shared_token
        self._miss_wait_s = miss_wait_s
        self._miss_refresh_after_s = miss_refresh_after_s

    async def background_token(self) -> str | None:
        """The token of the scheduled refresh: the shared account's (None: refreshes happen
        only on demand, with the token of the technician searching)."""
        return self._shared_token

    async def companies_for(self, team_id: str, user_id: str) -> frozenset[str] | None:
        """The folded company names whose machines ``user_id`` may see; None: every company
        (UNATTENDED_ACCESS unset). Raises ``PeopleUnavailable`` when Slack cannot say."""
        if self.rules is None:
            return None
        if self._people is None:
            return frozenset()
        names = access_groups(self.rules)
        groups = await self._people.groups(names)
        person = await self._people.person(user_id, groups)
        member_of = [
            name for name, group in zip(names, groups, strict=True) if group.id in person.groups
        ]
        return visible_companies(self.rules, member_of)

    async def find(self, team_id: str, user_id: str, query: str) -> Lookup:
        """What ``query`` finds for this technician; a miss (or an empty list) refreshes the
        list first when it is older than ``MISS_REFRESH_AFTER_S``, waiting up to
        ``miss_wait_s``."""
        companies = await self.companies_for(team_id, user_id)
        if companies is not None and not companies:
            return Lookup(NoneFound())
        result = search(self.directory.index, query, companies=companies)
        if isinstance(result, NoneFound) and self._stale(self._miss_refresh_after_s):
            token = await self._token(team_id, user_id)
            if token is not None:
                await self.directory.refresh(token, within=self._miss_wait_s)
                result = search(self.directory.index, query, companies=companies)
        return Lookup(result, self._note())

    async def suggest(self, team_id: str, user_id: str, query: str) -> Suggestions:
        """For the modal's machine field: never waits for GoToAssist. A stale list (or one
        older than ``miss_refresh_after_s`` that matched nothing) starts a refresh in the
        background, and the answer says so."""
        companies = await self.companies_for(team_id, user_id)
        if companies is not None and not companies:  # sees nothing: nothing to refresh for
            return Suggestions((), self._note())
        found = suggest(self.directory.index, query, companies=companies)
        older_than = self.directory.refresh_s if found else self._miss_refresh_after_s
        if self._stale(older_than) and not self.directory.refreshing:
            token = await self._token(team_id, user_id)
            if token is not None:
                self.directory.start_refresh(token)
        return Suggestions(found, self._note())

    async def recheck(self, team_id: str, user_id: str, uuid: str) -> MachineEntry | None:
        """The machine ``uuid`` as the directory knows it now, if this technician may open it
        (a button pressed some time after the list was shown is checked again)."""
        companies = await self.companies_for(team_id, user_id)
        found = self.directory.index.by_uuid(uuid)
        if found is None or (companies is not None and fold(found.company) not in companies):
            return None
        return found

    async def denial(self, team_id: str, user_id: str, uuid: str) -> str | None:
        """Why ``user_id`` may not open machine ``uuid`` (UNATTENDED_ACCESS), or None."""
        if self.rules is None:
            return None
        try:
            machine = await self.recheck(team_id, user_id, uuid)
        except PeopleUnavailable:
            return UNAVAILABLE
        if machine is None:
            return "That machine is not one you may open (or it is no longer offered)."
        return None

    def _stale(self, older_than_s: float) -> bool:
        age = self.directory.age_s()
        return age is None or age > older_than_s

    def _note(self) -> str | None:
        """Why the list may be out of date: the last refresh failed, or one is running."""
        if self.directory.last_error is not None:
            return f"{UNREADABLE} ({self.directory.last_error.rstrip('.')})"
        if self.directory.refreshing:
            return REFRESHING
        return None

    async def _token(self, team_id: str, user_id: str) -> str | None:
        if self._shared_token is not None:
            return self._shared_token
        try:
            return (await self._accounts.for_user(team_id, user_id)).token
        except NoAccount:
            return None
