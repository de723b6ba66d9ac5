"""Following a session: status callbacks and polls are both events of ``transition``, stored
through the sessions repository's one write path."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Row

from bot.accounts.resolver import AccountGone, AccountResolver, NoAccount, with_token
from bot.clock import utcnow
from bot.crypto import SecretBox, hash_token
from bot.gotoassist.budget import Priority
from bot.gotoassist.client import GoToAssistClient
from bot.gotoassist.errors import GoToAssistError, NotFound, Unauthorized
from bot.gotoassist.observation import to_observation
from bot.metrics import POLLS
from bot.sessions import transition as rules
from bot.sessions.lifecycle import Observation
from bot.sessions.transition import PollSchedule
from bot.store import sessions as session_store
from bot.store.database import Database
from bot.workflows.callback_inbox import CallbackInbox, CallbackResult

log = logging.getLogger(__name__)


class Tracker:
    def __init__(
        self,
        db: Database,
        goto: GoToAssistClient,
        accounts: AccountResolver,
        schedule: PollSchedule,
        *,
        box: SecretBox,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._box = box
        self._goto = goto
        self._accounts = accounts
        self._schedule = schedule
        self._on_queued = on_queued
        self._inbox = CallbackInbox(db, schedule, on_queued)

    async def on_callback(self, token: str, obs: Observation) -> CallbackResult:
        """Store what a status callback says (with its Slack intents) and return; the outbox
        worker, not this, talks to Slack."""
        return await self._inbox.put(hash_token(token), obs)

    def _session_token(self, row: Row[Any]) -> str | None:
        """GoToAssist's session token, stored encrypted (or, written by a version before
        0003, plain: such rows are cleared when their session ends)."""
        if row.session_token_enc is not None:
            return self._box.decrypt(row.session_token_enc)
        return row.session_token  # type: ignore[no-any-return]

    async def poll(self, session_id: str, priority: Priority = Priority.POLL) -> None:
        """Ask GoToAssist for one session's status and store what changed (``priority``: its
        place in line for the GoToAssist budget; ``Priority.ASKED`` when a person asked)."""
        async with self._db.read() as tx:
            row = await session_store.get(tx, session_id)
            if row is None:
                return
            owner, ref = row.goto_account, row.goto_session_id or self._session_token(row)
        event: rules.PollAnswered | rules.PollFailed | rules.AccountGone
        try:
            if ref is None:
                raise NotFound("GoToAssist never gave this session a reference.", status=404)
            account = await self._accounts.for_owner(owner)
            info = await with_token(
                self._accounts,
                account,
                lambda token: self._goto.get_session(token, ref, priority=priority),
            )
            event = rules.PollAnswered(to_observation(info))
            POLLS.labels(outcome="ok").inc()
        except AccountGone as exc:
            event = rules.AccountGone()
            POLLS.labels(outcome="account_gone").inc()
            log.warning("session %s: its GoTo account is gone: %s", session_id, exc.message)
        except (NoAccount, Unauthorized) as exc:
            event = rules.PollFailed()
            POLLS.labels(outcome="account").inc()
            log.warning("session %s: cannot poll: %s", session_id, exc)
        except GoToAssistError as exc:
            event = rules.PollFailed()
            POLLS.labels(outcome=type(exc).__name__).inc()
            log.info("session %s: poll failed: %s", session_id, exc.user_message)
        now = utcnow()
        done = await self._db.run_write_off_loop(
            session_store.write_event, session_id, event, self._schedule, now
        )
        if done is not None and done.intents:
            self._on_queued()
