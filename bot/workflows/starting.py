"""Starting a session: store it, ask GoToAssist, queue the card and the private start link.

Runs after the Slack request was acknowledged. Whatever happens, the technician hears back:
either the card and start link are queued, or a private message says why nothing started.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.accounts.login import LoginLinks
from bot.accounts.resolver import Account, AccountResolver, NoAccount, NotLinked, with_token
from bot.crypto import SecretBox, hash_token, new_callback_token
from bot.gotoassist.client import GoToAssistClient
from bot.gotoassist.errors import GoToAssistError
from bot.gotoassist.models import CreateSessionRequest
from bot.sessions.model import CreationState, SessionRequest
from bot.sessions.status import SessionStatus
from bot.slack import blocks
from bot.store import outbox
from bot.store import sessions as store
from bot.store.database import Database
from bot.store.types import utcnow

log = logging.getLogger(__name__)

INTERRUPTED = (
    "The app restarted while GoToAssist was creating the session, so it could not be "
    "followed. If a session appears in GoToAssist for this customer, end it there; then "
    "start a new one here."
)


@dataclass(frozen=True, slots=True)
class StartRefusal:
    """Why this technician cannot start a session now (plain text, for them to read), and a
    single-use sign-in link when linking their GoTo account would fix it."""

    reason: str
    login_url: str | None


class SessionStarter:
    def __init__(
        self,
        db: Database,
        goto: GoToAssistClient,
        accounts: AccountResolver,
        box: SecretBox,
        *,
        callback_base: str | None,
        first_poll_after: timedelta,
        on_queued: Callable[[], None] = lambda: None,
        login: LoginLinks | None = None,
    ) -> None:
        self._db = db
        self._goto = goto
        self._accounts = accounts
        self._box = box
        self._callback_base = callback_base
        self._first_poll_after = first_poll_after
        self._on_queued = on_queued
        self._login = login

    async def start(
        self, *, team_id: str, channel_id: str, user_id: str, request: SessionRequest
    ) -> str:
        """Create the session; returns our session id (stored even when creation failed)."""
        session_id = uuid.uuid4().hex
        callback_token = new_callback_token() if self._callback_base else None
        now = utcnow()
        account: Account | None = None
        failure = "no GoToAssist account"
        try:
            account = await self._accounts.for_user(team_id, user_id)
        except NoAccount as exc:
            failure = exc.message
        async with self._db.write() as db:
            db.add(
                store.new_pending(
                    session_id=session_id,
                    team_id=team_id,
                    channel_id=channel_id,
                    requester_id=user_id,
                    request=request,
                    callback_token_hash=hash_token(callback_token) if callback_token else None,
                    goto_account=account.owner if account else None,
                    now=now,
                )
            )
        if account is None:
            await self._fail(session_id, request, failure)
            return session_id

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
                self._accounts, account, lambda token: self._goto.create_session(token, body)
            )
        except GoToAssistError as exc:
            log.info("session %s: GoToAssist refused creation: %s", session_id, exc.user_message)
            await self._fail(session_id, request, exc.user_message)
            return session_id
        except NoAccount as exc:  # the token was rejected and could not be refreshed
            await self._fail(session_id, request, exc.message)
            return session_id
        except Exception:
            log.exception("session %s: creation failed unexpectedly", session_id)
            await self._fail(session_id, request, "An unexpected error stopped the session.")
            return session_id

        now = utcnow()
        async with self._db.write() as db:
            row = await store.get(db, session_id, lock=True)
            assert row is not None
            row.creation = CreationState.CREATED.value
            row.session_token = created.session_token
            row.launch_url_enc = self._box.encrypt(created.launch_url)
            row.goto_session_id = created.session_id
            row.customer_join_url = created.customer_join_url
            if created.status is not None and created.status != SessionStatus.NOT_STARTED:
                row.status = created.status.value
            row.updated_at = now
            row.next_poll_at = now + self._first_poll_after
            outbox.enqueue(db, session_id, outbox.CARD, now=now)
            if created.customer_join_url:
                outbox.enqueue(db, session_id, outbox.JOIN_URL, now=now)
            outbox.enqueue(db, session_id, outbox.START_LINK, now=now)
        self._on_queued()
        log.info("session %s created for %s in %s", session_id, user_id, channel_id)
        return session_id

    async def recover_interrupted(self, older_than: timedelta) -> int:
        """Creations cut off by a crash or restart (the POST may or may not have reached
        GoToAssist, and is never repeated): mark them failed and tell the technician."""
        cutoff = utcnow() - older_than
        async with self._db.read() as db:
            stuck = await store.pending_before(db, cutoff)
            found = [store.to_domain(row) for row in stuck]
        for session in found:
            request = SessionRequest(
                kind=session.kind,
                customer_name=session.customer_name,
                customer_email=session.customer_email,
                partner_object=session.partner_object,
                partner_object_url=session.partner_object_url,
                machine_uuid=session.machine_uuid,
            )
            log.warning("session %s: creation was interrupted; marking it failed", session.id)
            await self._fail(session.id, request, INTERRUPTED)
        return len(found)

    async def _fail(self, session_id: str, request: SessionRequest, reason: str) -> None:
        message = blocks.render_creation_failed(request, reason)
        now = utcnow()
        async with self._db.write() as db:
            row = await store.get(db, session_id, lock=True)
            if row is None or row.creation != CreationState.PENDING.value:
                return  # another replica settled it first
            row.creation = CreationState.FAILED.value
            row.callback_token_hash = None
            row.updated_at = now
            outbox.enqueue(
                db,
                session_id,
                outbox.NOTICE,
                {"text": message.text, "blocks": message.blocks},
                now=now,
            )
        self._on_queued()

    async def refusal(self, team_id: str, user_id: str) -> StartRefusal | None:
        """None when this technician has an account to start a session with; else why not,
        with a sign-in link when linking is configured. Every way in asks this first."""
        try:
            await self._accounts.for_user(team_id, user_id)
        except NotLinked as exc:
            url = await self._login.issue(team_id, user_id) if self._login is not None else None
            return StartRefusal(exc.message, url)
        except NoAccount as exc:
            return StartRefusal(f"No session was started: {exc.message}", None)
        return None
