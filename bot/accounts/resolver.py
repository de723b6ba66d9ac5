"""Which GoToAssist access token to use for a technician.

Today every session uses the shared account (GOTOASSIST_ACCESS_TOKEN); per-technician
accounts will plug in here, which is why callers always pass whose token they need.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Account:
    token: str
    owner: str | None  # Slack user id of a linked account; None for the shared account


class NoAccount(Exception):
    """No GoToAssist account can act for this technician; ``message`` says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AccountResolver(Protocol):
    async def for_user(self, team_id: str, user_id: str) -> Account: ...

    async def for_owner(self, owner: str | None) -> Account: ...


class SharedAccount:
    """Every technician acts through one service account."""

    def __init__(self, token: str | None) -> None:
        self._token = token

    async def for_user(self, team_id: str, user_id: str) -> Account:
        return await self.for_owner(None)

    async def for_owner(self, owner: str | None) -> Account:
        if self._token is None:
            raise NoAccount(
                "No GoToAssist account is configured: ask your admin to set "
                "GOTOASSIST_ACCESS_TOKEN."
            )
        return Account(token=self._token, owner=None)
