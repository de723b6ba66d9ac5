"""Re-encrypt every stored secret with the primary ENCRYPTION_KEY (key rotation)."""

from __future__ import annotations

from sqlalchemy import or_, select

from bot.crypto import SecretBox
from bot.store.database import Database
from bot.store.tables import GoToAccountRow, SessionRow


async def rotate_secrets(db: Database, box: SecretBox) -> dict[str, int]:
    """Returns how many values were re-encrypted, and how many no configured key opens."""
    counts = {"rotated": 0, "unreadable": 0}

    def _rotate(value: str | None) -> str | None:
        if value is None:
            return None
        if box.decrypt(value) is None:
            counts["unreadable"] += 1
            return value
        counts["rotated"] += 1
        return box.rotate(value)

    async with db.write() as tx:
        secrets = or_(
            SessionRow.launch_url_enc.is_not(None), SessionRow.session_token_enc.is_not(None)
        )
        for row in (await tx.execute(select(SessionRow).where(secrets))).scalars():
            row.launch_url_enc = _rotate(row.launch_url_enc)
            row.session_token_enc = _rotate(row.session_token_enc)
        for account in (await tx.execute(select(GoToAccountRow))).scalars():
            account.access_token_enc = _rotate(account.access_token_enc) or ""
            account.refresh_token_enc = _rotate(account.refresh_token_enc)
    return counts
