"""Each technician's own GoTo account: tokens stored encrypted, refreshed before they expire
and once after a rejection, by exactly one refresher even across replicas (refresh tokens
may be single-use: two refreshes with one token would lock the technician out)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from bot.accounts.resolver import Account, AccountGone, NoAccount, NotLinked
from bot.clock import utcnow
from bot.crypto import SecretBox
from bot.gotoassist.oauth import GoToOAuth, OAuthError, TokenSet
from bot.store import accounts as account_store
from bot.store.database import Database
from bot.store.tables import GoToAccountRow

log = logging.getLogger(__name__)

LOGIN_HINT = "Link your GoTo account with `/remote-support login`."


@dataclass(frozen=True, slots=True)
class Unlinked:
    """What `logout` did: tokens forgotten here, and whether GoTo confirmed revoking them."""

    was_linked: bool
    revoked_at_goto: bool = False


class LinkedAccounts:
    def __init__(
        self,
        db: Database,
        box: SecretBox,
        oauth: GoToOAuth,
        *,
        shared_token: str | None = None,
        refresh_margin: timedelta = timedelta(minutes=2),
        refresh_lease: timedelta = timedelta(seconds=30),
    ) -> None:
        self._db = db
        self._box = box
        self._oauth = oauth
        self._shared = shared_token
        self._margin = refresh_margin
        self._lease = refresh_lease
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    # -- linking ---------------------------------------------------------------------------

    async def link(self, team_id: str, user_id: str, tokens: TokenSet) -> None:
        """Store (or replace) a technician's tokens after the OAuth code exchange."""
        now = utcnow()
        async with self._db.write() as tx:
            row = await account_store.for_user(tx, team_id, user_id)
            if row is None:
                row = GoToAccountRow(
                    id=uuid.uuid4().hex, team_id=team_id, user_id=user_id, created_at=now
                )
                tx.add(row)
            row.principal = tokens.who
            row.access_token_enc = self._box.encrypt(tokens.access_token)
            row.refresh_token_enc = (
                self._box.encrypt(tokens.refresh_token) if tokens.refresh_token else None
            )
            row.access_expires_at = tokens.expires_at(now)
            row.refresh_lease_until = None
            row.revoked = False
            row.updated_at = now

    async def unlink(self, team_id: str, user_id: str) -> Unlinked:
        """Forget the technician's tokens here, then ask GoTo to revoke the grant (best
        effort: the local tokens are gone whatever GoTo answers)."""
        async with self._db.write() as tx:
            row = await account_store.for_user(tx, team_id, user_id)
            if row is None:
                return Unlinked(was_linked=False)
            stored, hint = (
                (row.refresh_token_enc, "refresh_token")
                if row.refresh_token_enc
                else (row.access_token_enc, "access_token")
            )
            await account_store.delete_for_user(tx, team_id, user_id)
        token = self._box.decrypt(stored) if stored else None
        revoked = token is not None and await self._oauth.revoke(token, hint)
        return Unlinked(was_linked=True, revoked_at_goto=revoked)

    async def principal(self, team_id: str, user_id: str) -> str | None:
        async with self._db.read() as tx:
            row = await account_store.for_user(tx, team_id, user_id)
            return row.principal if row is not None and not row.revoked else None

    # -- AccountResolver ---------------------------------------------------------------------

    async def for_user(self, team_id: str, user_id: str) -> Account:
        async with self._db.read() as tx:
            row = await account_store.for_user(tx, team_id, user_id)
            account_id = row.id if row is not None and not row.revoked else None
        if account_id is None:
            if self._shared is not None:
                return Account(token=self._shared, owner=None)
            raise NotLinked(f"You have not linked your GoTo account yet. {LOGIN_HINT}")
        return await self._fresh(account_id)

    async def for_owner(self, owner: str | None) -> Account:
        if owner is None:
            if self._shared is None:
                raise NoAccount("The shared GoToAssist account is no longer configured.")
            return Account(token=self._shared, owner=None)
        return await self._fresh(owner)

    async def after_rejection(self, account: Account) -> Account | None:
        if account.owner is None:
            return None
        return await self._fresh(account.owner, rejected=account.token)

    # -- refreshing --------------------------------------------------------------------------

    async def _fresh(self, account_id: str, *, rejected: str | None = None) -> Account:
        """A usable access token: the stored one while it is good, else a refreshed one."""
        deadline = time.monotonic() + self._lease.total_seconds() + 5
        while True:
            token = await self._usable(account_id, rejected)
            if token is not None:
                return Account(token=token, owner=account_id)
            async with self._locks[account_id]:  # one refresher in this process...
                token = await self._usable(account_id, rejected)
                if token is not None:
                    return Account(token=token, owner=account_id)
                now = utcnow()
                async with self._db.write() as tx:  # ...and across replicas
                    claimed = await account_store.claim_refresh(tx, account_id, now, self._lease)
                if claimed:
                    # Another replica may have refreshed between our look and our claim.
                    token = await self._usable(account_id, rejected)
                    if token is not None:
                        await self._release(account_id, revoked=False)
                        return Account(token=token, owner=account_id)
                    return Account(token=await self._refresh(account_id), owner=account_id)
            if time.monotonic() > deadline:
                raise NoAccount("Refreshing your GoTo sign-in is taking too long; try again.")
            await asyncio.sleep(0.2)  # another replica is refreshing: wait for its result

    async def _usable(self, account_id: str, rejected: str | None) -> str | None:
        async with self._db.read() as tx:
            row = await account_store.by_id(tx, account_id)
            if row is None or row.revoked:
                raise AccountGone(f"Your GoTo account is no longer linked. {LOGIN_HINT}")
            token = self._box.decrypt(row.access_token_enc)
            expires_at = row.access_expires_at
        if token is None:
            raise AccountGone(f"Your stored GoTo sign-in cannot be read. {LOGIN_HINT}")
        if rejected is not None:
            return token if token != rejected else None  # someone refreshed it meanwhile
        return token if expires_at - utcnow() > self._margin else None

    async def _refresh(self, account_id: str) -> str:
        async with self._db.read() as tx:
            row = await account_store.by_id(tx, account_id)
            encrypted = row.refresh_token_enc if row is not None else None
        refresh_token = self._box.decrypt(encrypted) if encrypted else None
        try:
            if refresh_token is None:
                raise OAuthError("no refresh token is stored", revoked=True)
            tokens = await self._oauth.refresh(refresh_token)
        except OAuthError as exc:
            await self._release(account_id, revoked=exc.revoked)
            log.warning("GoTo token refresh failed for account %s: %s", account_id, exc)
            if exc.revoked:
                raise AccountGone(
                    f"GoTo no longer accepts your linked account (it was revoked or expired). "
                    f"{LOGIN_HINT}"
                ) from None
            raise NoAccount(f"{exc}. Try again in a moment.") from None
        now = utcnow()
        async with self._db.write() as tx:
            row = await account_store.by_id(tx, account_id)
            if row is None:
                raise AccountGone(f"Your GoTo account was unlinked. {LOGIN_HINT}")
            row.access_token_enc = self._box.encrypt(tokens.access_token)
            if tokens.refresh_token:  # rotated: the new one replaces the old, atomically
                row.refresh_token_enc = self._box.encrypt(tokens.refresh_token)
            row.access_expires_at = tokens.expires_at(now)
            row.refresh_lease_until = None
            row.updated_at = now
        log.info("refreshed GoTo token for account %s", account_id)
        return tokens.access_token

    async def _release(self, account_id: str, *, revoked: bool) -> None:
        async with self._db.write() as tx:
            row = await account_store.by_id(tx, account_id)
            if row is not None:
                row.refresh_lease_until = None
                row.revoked = row.revoked or revoked
