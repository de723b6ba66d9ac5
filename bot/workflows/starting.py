"""Starting a session: store it, ask GoToAssist, queue the card and the private start link.

Runs after the Slack request was acknowledged. Whatever happens, the technician hears back:
either the card and start link are queued, or a private message says why nothing started.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.accounts.login import LoginLinks
from bot.accounts.resolver import Account, AccountResolver, NoAccount, NotLinked, with_token
from bot.clock import utcnow
from bot.crypto import SecretBox, hash_token, new_callback_token
from bot.gotoassist.client import GoToAssistClient
from bot.gotoassist.errors import GoToAssistError
from bot.gotoassist.models import CreateSessionRequest
from bot.sessions.limits import WINDOW_S, StartLimits, start_refusal
from bot.sessions.model import SessionKind, SessionRequest
from bot.sessions.transition import (
    Created,
    CreateFailed,
    CreateInterrupted,
    Event,
    PollSchedule,
)
from bot.store import sessions as session_store
from bot.store.database import Database
from bot.workflows.access import AccessCheck

log = logging.getLogger(__name__)

# A start asked for on a technician's behalf (a workflow step, set up by whoever built the
# workflow) never runs on that technician's own linked GoTo account.
SHARED_ONLY = (
    "Workflow steps start sessions with the team's shared GoToAssist account, and none is "
    "configured (GOTOASSIST_ACCESS_TOKEN); a technician's own GoTo account is used only for "
    "sessions they start themselves."
)


@dataclass(frozen=True, slots=True)
class StartRefusal:
    """Why this technician cannot start a session now (plain text, for them to read), and a
    single-use sign-in link when linking their GoTo account would fix it."""

    reason: str
    login_url: str | None


@dataclass(frozen=True, slots=True)
class StartReport:
    """How a start went: ``failure`` is None when GoToAssist created the session."""

    session_id: str
    failure: str | None
    customer_join_url: str | None = None
    repeated: bool = False  # a retried request already taken on: nothing was started now


class SessionStarter:
    def __init__(
        self,
        db: Database,
        goto: GoToAssistClient,
        accounts: AccountResolver,
        box: SecretBox,
        *,
        callback_base: str | None,
        schedule: PollSchedule,
        on_queued: Callable[[], None] = lambda: None,
        login: LoginLinks | None = None,
        access: AccessCheck | None = None,
        limits: StartLimits | None = None,
        machine_check: Callable[[str, str, str], Awaitable[str | None]] | None = None,
    ) -> None:
        self._db = db
        self._goto = goto
        self._accounts = accounts
        self._box = box
        self._callback_base = callback_base
        self._schedule = schedule
        self._on_queued = on_queued
        self._login = login
        self._access = access or AccessCheck(None)
        self._limits = limits or StartLimits()
        # (team, user, machine uuid) -> why this technician may not open it (UNATTENDED_ACCESS)
        self._machine_check = machine_check

    async def start(
        self,
        *,
        team_id: str,
        channel_id: str,
        user_id: str,
        request: SessionRequest,
        thread_ts: str | None = None,
    ) -> str:
        """Create the session; returns our session id (stored even when creation failed).
        ``thread_ts``: the card goes in that message's thread (a message shortcut)."""
        report = await self.start_reporting(
            team_id=team_id,
            channel_id=channel_id,
            user_id=user_id,
            request=request,
            thread_ts=thread_ts,
        )
        return report.session_id

    async def start_reporting(
        self,
        *,
        team_id: str,
        channel_id: str,
        user_id: str,
        request: SessionRequest,
        thread_ts: str | None = None,
        request_key: str | None = None,
        shared_account: bool = False,
    ) -> StartReport:
        """Start, and say how it went (for a caller that must answer someone, such as a
        workflow step): the session id, and why nothing started when it did not. The private
        notice to the technician is queued either way, as for every start. ``request_key``:
        what made this start when it may be delivered again (a workflow step's execution);
        a second start with the same key, on any replica, starts nothing (``repeated``).
        ``shared_account``: only the team's shared GoToAssist account may host it (a start
        someone else asks for on the technician's behalf, such as a workflow step's)."""
        session_id = uuid.uuid4().hex
        callback_token = new_callback_token() if self._callback_base else None
        now = utcnow()
        account: Account | None = None
        failure = "no GoToAssist account"
        try:
            account = await self._account_of(team_id, user_id, shared_account)
        except NoAccount as exc:
            failure = exc.message
        denied = await self._access.refusal(
            team_id,
            user_id,
            request.kind,
            linked_account=account is not None and account.owner is not None,
        )
        if denied is not None:  # every way in asked refusal() first; this is the backstop
            account, failure = None, denied.reason
        elif self._machine_check is not None and request.machine_uuid is not None:
            not_theirs = await self._machine_check(team_id, user_id, request.machine_uuid)
            if not_theirs is not None:  # every way in checked the machine; the backstop again
                account, failure = None, not_theirs
        pending = session_store.new_pending(
            session_id=session_id,
            team_id=team_id,
            channel_id=channel_id,
            requester_id=user_id,
            request=request,
            callback_token_hash=hash_token(callback_token) if callback_token else None,
            goto_account=account.owner if account else None,
            now=now,
            thread_ts=thread_ts,
            request_key=request_key,
        )
        try:
            over = await self._db.run_write_off_loop(
                session_store.insert_within_limits, pending, self._limits, self._window_start(now)
            )
        except session_store.AlreadyStarted as exc:
            log.info("start %s delivered again; already taken on", request_key)
            return StartReport(exc.session_id or "", None, repeated=True)
        if over is not None and account is not None:  # two starts raced past refusal()
            account, failure = None, over
        if account is None:
            await self._fail(session_id, failure)
            return StartReport(session_id, failure)

        body = CreateSessionRequest(
            session_status_callback_url=(
                self._callback_base + callback_token
                if self._callback_base and callback_token
                else None
            ),
            partner_object=request.partner_object,
            partner_object_url=request.partner_object_url,
            customer_name=request.customer_name,
            customer_email=request.customer_email,
            machine_uuid=request.machine_uuid,
        )
        try:
            created = await with_token(
                self._accounts,
                account,
                lambda token: self._goto.create_session(token, body, user=user_id),
            )
        except GoToAssistError as exc:
            log.info("session %s: GoToAssist refused creation: %s", session_id, exc.user_message)
            await self._fail(session_id, exc.user_message)
            return StartReport(session_id, exc.user_message)
        except NoAccount as exc:  # the token was rejected and could not be refreshed
            await self._fail(session_id, exc.message)
            return StartReport(session_id, exc.message)
        except Exception:
            log.exception("session %s: creation failed unexpectedly", session_id)
            unexpected = "An unexpected error stopped the session."
            await self._fail(session_id, unexpected)
            return StartReport(session_id, unexpected)

        event = Created(
            session_token_enc=(
                self._box.encrypt(created.session_token) if created.session_token else None
            ),
            launch_url_enc=self._box.encrypt(created.launch_url),
            goto_session_id=created.session_id,
            customer_join_url=created.customer_join_url,
            status=created.status,
        )
        await self._settle(session_id, event)
        log.info("session %s created for %s in %s", session_id, user_id, channel_id)
        return StartReport(session_id, None, created.customer_join_url)

    async def recover_interrupted(self, older_than: timedelta) -> int:
        """Creations cut off by a crash or restart (the POST may or may not have reached
        GoToAssist, and is never repeated): mark them failed and tell the technician."""
        async with self._db.read() as tx:
            stuck = await session_store.pending_before(tx, utcnow() - older_than)
        for session in stuck:
            log.warning("session %s: creation was interrupted; marking it failed", session.id)
            await self._settle(session.id, CreateInterrupted())
        return len(stuck)

    async def _fail(self, session_id: str, reason: str) -> None:
        await self._settle(session_id, CreateFailed(reason))

    async def _settle(self, session_id: str, event: Event) -> None:
        """Store what ``event`` does to the session, with the Slack intents it owes."""
        now = utcnow()
        done = await self._db.run_write_off_loop(
            session_store.write_event, session_id, event, self._schedule, now
        )
        if done is not None and done.intents:
            self._on_queued()

    async def refusal(
        self,
        team_id: str,
        user_id: str,
        kind: SessionKind = SessionKind.ATTENDED,
        *,
        offer_login: bool = True,
        shared_account: bool = False,
    ) -> StartRefusal | None:
        """None when this technician may start a ``kind`` session now; else why not, with a
        sign-in link when signing in would fix it. Every way in asks this first; look-ups
        are cached, so a repeated ask costs no Slack or GoTo call."""
        linked = False
        not_linked: str | None = None  # why the account check failed, if it did
        may_offer, offer_login = offer_login, False
        try:
            account = await self._account_of(team_id, user_id, shared_account)
            linked = account.owner is not None
        except NotLinked as exc:
            not_linked, offer_login = exc.message, True
        except NoAccount as exc:
            not_linked = f"No session was started: {exc.message}"
        denied = await self._access.refusal(team_id, user_id, kind, linked_account=linked)
        if denied is not None:
            reason, offer_login = denied.reason, denied.needs_login
        elif not_linked is not None:
            reason = not_linked
        else:
            over = await self._over_limits(team_id, user_id)
            if over is None:
                return None
            reason = over
        # One single-use sign-in link, issued only when it is shown (a guest gets none).
        return StartRefusal(
            reason, await self._login_url(team_id, user_id) if offer_login and may_offer else None
        )

    async def _account_of(self, team_id: str, user_id: str, shared_only: bool) -> Account:
        """Whose GoToAssist account hosts the start: the technician's own once linked (only
        when they ask themselves), else the team's shared one."""
        if not shared_only:
            return await self._accounts.for_user(team_id, user_id)
        try:
            return await self._accounts.for_owner(None)
        except NoAccount:
            raise NoAccount(SHARED_ONLY) from None

    async def _over_limits(self, team_id: str, user_id: str) -> str | None:
        since = self._window_start(utcnow())
        async with self._db.read() as tx:
            started, opened = await session_store.load_of(tx, team_id, user_id, since)
        return start_refusal(started, opened, self._limits)

    @staticmethod
    def _window_start(now: datetime) -> datetime:
        return now - timedelta(seconds=WINDOW_S)

    async def _login_url(self, team_id: str, user_id: str) -> str | None:
        return await self._login.issue(team_id, user_id) if self._login is not None else None
