"""Sign-in links for `/remote-support login`."""

from __future__ import annotations

from urllib.parse import urlencode

from bot.accounts.linked import LinkedAccounts
from bot.accounts.state import StateSigner
from bot.clock import utcnow
from bot.store import accounts as account_store
from bot.store.database import Database


class LoginLinks:
    def __init__(
        self,
        db: Database,
        signer: StateSigner,
        accounts: LinkedAccounts,
        public_base_url: str,
    ) -> None:
        self._db = db
        self._signer = signer
        self.accounts = accounts
        self._start = public_base_url.rstrip("/") + "/goto/oauth/start"

    async def issue(self, team_id: str, user_id: str) -> str:
        """A single-use link, valid 10 minutes, that links this Slack user's GoTo account."""
        now = utcnow()
        state, claims = self._signer.issue(team_id, user_id, now)
        async with self._db.write() as tx:
            account_store.save_state(tx, claims)
            await account_store.forget_old_states(tx, now)
        return f"{self._start}?{urlencode({'state': state})}"
