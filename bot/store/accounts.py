"""Linked GoTo accounts and OAuth states."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.tables import GoToAccountRow, OAuthStateRow


class StoredState(Protocol):
    """What is stored of a GoTo OAuth ``state`` (bot.accounts.state.StateClaims is one)."""

    @property
    def team_id(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def nonce_hash(self) -> str: ...
    @property
    def expires_at(self) -> datetime: ...


def save_state(tx: AsyncSession, claims: StoredState) -> None:
    tx.add(
        OAuthStateRow(
            nonce_hash=claims.nonce_hash,
            team_id=claims.team_id,
            user_id=claims.user_id,
            expires_at=claims.expires_at,
        )
    )


async def consume_state(tx: AsyncSession, claims: StoredState, now: datetime) -> bool:
    """Mark the state used; False when it is unknown, used already, or not this user's."""
    result = await tx.execute(
        update(OAuthStateRow)
        .where(OAuthStateRow.nonce_hash == claims.nonce_hash)
        .where(OAuthStateRow.team_id == claims.team_id, OAuthStateRow.user_id == claims.user_id)
        .where(OAuthStateRow.used_at.is_(None), OAuthStateRow.expires_at > now)
        .values(used_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def forget_old_states(tx: AsyncSession, now: datetime) -> None:
    await tx.execute(
        delete(OAuthStateRow).where(OAuthStateRow.expires_at < now - timedelta(days=1))
    )


async def for_user(tx: AsyncSession, team_id: str, user_id: str) -> GoToAccountRow | None:
    query = select(GoToAccountRow).where(
        GoToAccountRow.team_id == team_id, GoToAccountRow.user_id == user_id
    )
    return (await tx.execute(query)).scalar_one_or_none()


async def by_id(tx: AsyncSession, account_id: str) -> GoToAccountRow | None:
    return await tx.get(GoToAccountRow, account_id, populate_existing=True)


async def claim_refresh(tx: AsyncSession, account_id: str, now: datetime, lease: timedelta) -> bool:
    """Take the right to refresh this account's tokens (one refresher across replicas)."""
    result = await tx.execute(
        update(GoToAccountRow)
        .where(GoToAccountRow.id == account_id, GoToAccountRow.revoked.is_(False))
        .where(
            or_(
                GoToAccountRow.refresh_lease_until.is_(None),
                GoToAccountRow.refresh_lease_until < now,
            )
        )
        .values(refresh_lease_until=now + lease)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_for_user(tx: AsyncSession, team_id: str, user_id: str) -> bool:
    result = await tx.execute(
        delete(GoToAccountRow).where(
            GoToAccountRow.team_id == team_id, GoToAccountRow.user_id == user_id
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
