"""Following a session: status callbacks and polls both end in ``observe`` + one transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.accounts.resolver import AccountGone, AccountResolver, NoAccount, with_token
from bot.crypto import hash_token
from bot.gotoassist.client import GoToAssistClient
from bot.gotoassist.errors import GoToAssistError, NotFound, Unauthorized
from bot.gotoassist.observation import to_observation
from bot.metrics import POLLS
from bot.sessions.lifecycle import Observation, observe
from bot.sessions.status import SessionStatus
from bot.slack.account_blocks import render_tracking_lost
from bot.store import outbox
from bot.store import sessions as store
from bot.store.database import Database
from bot.store.tables import SessionRow
from bot.store.types import utcnow
from bot.workflows.callback_inbox import CallbackInbox, CallbackResult

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PollSchedule:
    """How often a live session is polled (settings POLL_*)."""

    young: timedelta
    active: timedelta
    idle: timedelta
    young_for: timedelta
    expire_after: timedelta
    confirm_after: timedelta = timedelta(seconds=1)

    def after_callback(self, status: SessionStatus, now: datetime) -> datetime:
        """Callbacks are flowing: a terminal one is confirmed by GET soon (the body is
        untrusted beyond the URL secret, and the GET carries the final notes); otherwise the
        next poll can wait its normal interval."""
        return now + (self.confirm_after if status.is_terminal else self.active)

    def next_after(self, row: SessionRow, now: datetime) -> datetime:
        status = SessionStatus(row.status)
        if status in (SessionStatus.WAITING, SessionStatus.ACTIVE):
            return now + self.active
        if now - row.created_at < self.young_for:
            return now + self.young
        return now + self.idle


class Tracker:
    def __init__(
        self,
        db: Database,
        goto: GoToAssistClient,
        accounts: AccountResolver,
        schedule: PollSchedule,
        *,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._goto = goto
        self._accounts = accounts
        self._schedule = schedule
        self._on_queued = on_queued
        self._inbox = CallbackInbox(db, schedule.after_callback, on_queued)

    async def on_callback(self, token: str, obs: Observation) -> CallbackResult:
        """Store what a status callback says (with its Slack writes) and return; the outbox
        worker, not this, talks to Slack."""
        return await self._inbox.put(hash_token(token), obs)

    async def poll(self, session_id: str) -> None:
        """Ask GoToAssist for one session's status and store what changed."""
        async with self._db.read() as db:
            row = await store.get(db, session_id)
            if row is None:
                return
            owner, ref = row.goto_account, row.goto_session_id or row.session_token
        obs: Observation | None = None
        failure: str | None = None
        try:
            if ref is None:
                raise NotFound("GoToAssist never gave this session a reference.", status=404)
            account = await self._accounts.for_owner(owner)
            info = await with_token(
                self._accounts, account, lambda token: self._goto.get_session(token, ref)
            )
            obs = to_observation(info)
            POLLS.labels(outcome="ok").inc()
        except AccountGone as exc:
            failure = "gone"
            POLLS.labels(outcome="account_gone").inc()
            log.warning("session %s: its GoTo account is gone: %s", session_id, exc.message)
        except (NoAccount, Unauthorized) as exc:
            failure = "account"
            POLLS.labels(outcome="account").inc()
            log.warning("session %s: cannot poll: %s", session_id, exc)
        except GoToAssistError as exc:
            failure = "error"
            POLLS.labels(outcome=type(exc).__name__).inc()
            log.info("session %s: poll failed: %s", session_id, exc.user_message)
        now = utcnow()
        queued = False
        async with self._db.write() as db:
            row = await store.get(db, session_id, lock=True)
            if row is None:
                return
            row.poll_lease_until = None
            if obs is not None:
                change = observe(store.to_domain(row), obs)
                store.apply_change(db, row, change, now)
                queued = not change.empty
                row.poll_failures = 0
            elif failure is not None:
                row.poll_failures += 1
            if SessionStatus(row.status).is_terminal:
                row.next_poll_at = None
            elif failure == "gone" and owner is not None:
                # Nobody can ask GoToAssist about it any more: say so on the card, once.
                row.next_poll_at = None
                if not row.tracking_lost:
                    row.tracking_lost = True
                    row.updated_at = now
                    lost = render_tracking_lost(row.customer_name)
                    outbox.enqueue(db, row.id, outbox.CARD, now=now)
                    outbox.enqueue(
                        db,
                        row.id,
                        outbox.NOTICE,
                        {"text": lost.text, "blocks": lost.blocks, "dm": True},
                        now=now,
                    )
                    queued = True
            elif self._expired(row, now):
                row.expired = True
                row.next_poll_at = None
                row.updated_at = now
                outbox.enqueue(db, row.id, outbox.CARD, now=now)
                outbox.enqueue(db, row.id, outbox.STATUS_REPLY, {"expired": True}, now=now)
                queued = True
            else:
                # Failures stretch the interval (x2, x4, x8 at most) instead of hammering.
                stretch = 2 ** min(row.poll_failures, 3)
                row.next_poll_at = now + stretch * (self._schedule.next_after(row, now) - now)
        if queued:
            self._on_queued()

    def _expired(self, row: SessionRow, now: datetime) -> bool:
        return (
            row.status == SessionStatus.NOT_STARTED.value
            and now - row.created_at >= self._schedule.expire_after
        )
