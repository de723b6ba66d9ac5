"""Which GoToAssist access token to use for a technician.

Either one shared service account (GOTOASSIST_ACCESS_TOKEN) or each technician's linked GoTo
account (bot/accounts/linked.py); callers always say whose token they need.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from bot.gotoassist.errors import Forbidden, Unauthorized

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Account:
    token: str
    owner: str | None  # Slack user id of a linked account; None for the shared account


class NoAccount(Exception):
    """No GoToAssist account can act for this technician; ``message`` says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotLinked(NoAccount):
    """The technician has no linked GoTo account and there is no shared one: offer login."""


class AccountGone(NoAccount):
    """A linked account was unlinked or its grant revoked: it can act no more."""


class AccountResolver(Protocol):
    async def for_user(self, team_id: str, user_id: str) -> Account: ...

    async def for_owner(self, owner: str | None) -> Account: ...

    async def after_rejection(self, account: Account) -> Account | None:
        """GoToAssist rejected ``account``'s token: a fresh one, or None if none can be had."""
        ...


async def with_token(
    accounts: AccountResolver, account: Account, call: Callable[[str], Awaitable[T]]
) -> T:
    """Run ``call(token)``; when GoToAssist rejects the token (401, or 403 InvalidToken),
    refresh it once and try again. A rejected request created nothing, so a retry is safe."""
    try:
        return await call(account.token)
    except (Unauthorized, Forbidden) as exc:
        if isinstance(exc, Forbidden) and not exc.invalid_token:
            raise
        fresh = await accounts.after_rejection(account)
        if fresh is None:
            raise
    return await call(fresh.token)


class SharedAccount:
    """Every technician acts through one service account."""

    def __init__(self, token: str | None) -> None:
        self._token = token

    async def for_user(self, team_id: str, user_id: str) -> Account:
        return await self.for_owner(None)

    async def after_rejection(self, account: Account) -> Account | None:
        return None  # a shared token cannot be refreshed: the admin must replace it

    async def for_owner(self, owner: str | None) -> Account:
        if self._token is None:
            raise NoAccount(
                "No GoToAssist account is configured: ask your admin to set "
                "GOTOASSIST_ACCESS_TOKEN."
            )
        return Account(token=self._token, owner=None)
