"""The outbox worker: delivers owed Slack writes, at least once, in order per session.

It renders the card from the stored session at send time, so edits coalesce: several
pending card edits of one session become one ``chat.update`` of the latest state.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, NoReturn

from bot.crypto import SecretBox
from bot.metrics import CALLBACK_TO_SLACK, OUTBOX_DEPTH
from bot.sessions.model import Session
from bot.sessions.status import SessionStatus
from bot.slack import blocks
from bot.slack.writer import Outcome, Result, SlackWriter
from bot.store import outbox
from bot.store import sessions as store
from bot.store.database import Database
from bot.store.tables import OutboxRow
from bot.store.types import utcnow

log = logging.getLogger(__name__)


class _Stop(Exception):
    """A write could not go out now; the row was rescheduled or parked."""


class OutboxWorker:
    def __init__(
        self,
        db: Database,
        slack: SlackWriter,
        box: SecretBox,
        *,
        lease: timedelta = timedelta(seconds=30),
        max_attempts: int = 8,
        batch: int = 16,
        idle_wait_s: float = 1.0,
    ) -> None:
        self._db = db
        self._slack = slack
        self._box = box
        self._lease = lease
        self._max_attempts = max_attempts
        self._batch = batch
        self._idle_wait_s = idle_wait_s
        self._wake = asyncio.Event()
        self._next_depth_at = 0.0

    def wake(self) -> None:
        """New rows were committed in this process: deliver now rather than at the next tick."""
        self._wake.set()

    async def run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            self._wake.clear()  # before the pass: a wake() during it must not be lost
            try:
                delivered = await self.run_once()
            except Exception:
                log.exception("outbox pass failed; retrying")
                delivered = 0
            if delivered:
                continue
            waits = [
                asyncio.ensure_future(self._wake.wait()),
                asyncio.ensure_future(stopping.wait()),
            ]
            await asyncio.wait(
                waits, timeout=self._idle_wait_s, return_when=asyncio.FIRST_COMPLETED
            )
            for waiter in waits:
                waiter.cancel()

    async def run_once(self) -> int:
        """Claim sessions with due writes and deliver them; returns how many were claimed."""
        if time.monotonic() >= self._next_depth_at:
            self._next_depth_at = time.monotonic() + 1.0
            await self._update_depth()
        if not await self._slack.writes_allowed():
            return 0  # Slack refused our token: writing more only repeats the refusal
        now = utcnow()
        async with self._db.write() as db:
            claimed = await outbox.claim(db, now, self._lease, self._batch)
        if claimed:
            await asyncio.gather(*(self._deliver_session(sid) for sid in claimed))
        return len(claimed)

    async def _update_depth(self) -> None:
        async with self._db.read() as db:
            counts = await outbox.depth(db)
        for state, count in counts.items():
            OUTBOX_DEPTH.labels(state=state).set(count)

    async def _deliver_session(self, session_id: str) -> None:
        try:
            async with self._db.read() as db:
                rows = list(await outbox.due_for(db, session_id, utcnow()))
                stored = await store.get(db, session_id)
            if stored is None:
                return
            session = store.to_domain(stored)
            done: set[int] = set()
            for row in rows:
                if row.id in done:
                    continue
                try:
                    finished, session = await self._deliver(row, rows, session)
                except _Stop:
                    break
                done.update(finished)
                async with self._db.write() as db:
                    await outbox.mark_done(db, sorted(finished))
                CALLBACK_TO_SLACK.observe((utcnow() - row.created_at).total_seconds())
        except Exception:
            log.exception("session %s: delivery failed", session_id)
        finally:
            async with self._db.write() as db:
                await outbox.release(db, session_id)

    async def _deliver(
        self, row: OutboxRow, batch: Sequence[OutboxRow], session: Session
    ) -> tuple[set[int], Session]:
        """Send one row (and any later card rows it makes redundant).

        ``session`` is the stored state read with ``batch``; returns the ids done and the
        session as it stands after this write (a posted card has a new ts)."""
        payload: dict[str, Any] = json.loads(row.payload or "{}")
        if row.kind == outbox.CARD:
            session = await self._sync_card(row, session)
            return {r.id for r in batch if r.kind == outbox.CARD}, session
        if row.kind in (outbox.STATUS_REPLY, outbox.JOIN_URL):
            if session.card_ts is None or session.card_channel is None:
                session = await self._sync_card(row, session)
            if row.kind == outbox.JOIN_URL:
                message = blocks.render_join_url_reply(session)
            else:
                status = SessionStatus(payload.get("status", session.status))
                message = blocks.render_status_reply(session, status, utcnow())
            await self._send(
                row,
                "chat.postMessage",
                channel=session.card_channel,
                thread_ts=session.card_ts,
                text=message.text,
                blocks=message.blocks,
            )
            return {row.id}, session
        if row.kind == outbox.START_LINK:
            await self._send_start_link(row, session)
            return {row.id}, session
        if row.kind == outbox.NOTICE:
            await self._notify(row, session, payload)
            return {row.id}, session
        log.error("outbox row %s has unknown kind %r; parking it", row.id, row.kind)
        await self._park(row, f"unknown kind {row.kind}")
        raise _Stop

    async def _sync_card(self, row: OutboxRow, session: Session) -> Session:
        """Post the card, or edit it to the stored state; repost it if it was deleted."""
        message = blocks.render_card(session, utcnow())
        if session.card_ts is not None and session.card_channel is not None:
            result = await self._slack.call(
                "chat.update",
                channel=session.card_channel,
                ts=session.card_ts,
                text=message.text,
                blocks=message.blocks,
            )
            if result.ok:
                return session
            if result.outcome is Outcome.MESSAGE_GONE:
                log.info("session %s: card was deleted; posting it again", session.id)
                return await self._post_card(row, session, session.card_channel)
            if result.outcome is Outcome.CHANNEL_UNWRITABLE:
                return await self._move_card_to_dm(row, session, result)
            await self._retry_later(row, result)
        return await self._post_card(row, session, session.channel_id)

    async def _post_card(self, row: OutboxRow, session: Session, channel: str) -> Session:
        message = blocks.render_card(session, utcnow())
        result = await self._slack.call(
            "chat.postMessage", channel=channel, text=message.text, blocks=message.blocks
        )
        if result.outcome is Outcome.CHANNEL_UNWRITABLE and not channel.startswith("D"):
            return await self._move_card_to_dm(row, session, result)
        if not result.ok:
            await self._retry_later(row, result)
        return await self._store_card(session, str(result.data["channel"]), str(result.data["ts"]))

    async def _move_card_to_dm(self, row: OutboxRow, session: Session, why: Result) -> Session:
        """The channel cannot take the card: keep it up to date in the technician's DM."""
        log.warning(
            "session %s: cannot write in %s (%s)", session.id, session.channel_id, why.error
        )
        dm = await self._dm(row, session.requester_id)
        session = await self._post_card(row, session, dm)
        notice = blocks.render_not_in_channel(session.channel_id)
        async with self._db.write() as db:
            outbox.enqueue(
                db,
                session.id,
                outbox.NOTICE,
                {"text": notice.text, "blocks": notice.blocks, "dm": True},
                now=utcnow(),
            )
        self.wake()
        return session

    async def _store_card(self, session: Session, channel: str, ts: str) -> Session:
        async with self._db.write() as db:
            stored = await store.get(db, session.id, lock=True)
            if stored is None:
                raise _Stop
            stored.card_channel, stored.card_ts = channel, ts
            return store.to_domain(stored)

    async def _dm(self, row: OutboxRow, user_id: str) -> str:
        result = await self._slack.dm_channel(user_id)
        if not result.ok:
            await self._retry_later(row, result)
        return str(result.data["channel"]["id"])

    async def _send_start_link(self, row: OutboxRow, session: Session) -> None:
        """The start link is a credential: only ever to the requester (ephemeral and DM)."""
        launch_url = await self._launch_url(session.id)
        if launch_url is None:
            log.error("session %s: start link cannot be decrypted; not sent", session.id)
            return
        message = blocks.render_start_link(session, launch_url)
        in_channel = session.card_channel is not None and not session.card_channel.startswith("D")
        if in_channel and session.card_ts is not None and row.attempts == 0:
            # Best effort: ephemerals vanish on reload, so the DM below is the copy that stays.
            await self._slack.call(
                "chat.postEphemeral",
                channel=session.card_channel,
                user=session.requester_id,
                thread_ts=session.card_ts,
                text=message.text,
                blocks=message.blocks,
            )
        dm = await self._dm(row, session.requester_id)
        await self._send(
            row, "chat.postMessage", channel=dm, text=message.text, blocks=message.blocks
        )

    async def _launch_url(self, session_id: str) -> str | None:
        async with self._db.read() as db:
            stored = await store.get(db, session_id)
            encrypted = stored.launch_url_enc if stored is not None else None
        return self._box.decrypt(encrypted) if encrypted else None

    async def _notify(self, row: OutboxRow, session: Session, payload: dict[str, Any]) -> None:
        """A private message to the requester: ephemeral where they are, else their DM."""
        text, blocks_ = str(payload.get("text", "")), payload.get("blocks") or None
        if not payload.get("dm"):
            result = await self._slack.call(
                "chat.postEphemeral",
                channel=session.channel_id,
                user=session.requester_id,
                text=text,
                blocks=blocks_,
            )
            if result.ok:
                return
            if result.outcome in (Outcome.RATE_LIMITED, Outcome.TRANSIENT, Outcome.AUTH_FAILED):
                await self._retry_later(row, result)
        dm = await self._dm(row, session.requester_id)
        await self._send(row, "chat.postMessage", channel=dm, text=text, blocks=blocks_)

    async def _send(self, row: OutboxRow, method: str, **params: Any) -> Result:
        result = await self._slack.call(method, **params)
        if not result.ok:
            await self._retry_later(row, result)
        return result

    async def _retry_later(self, row: OutboxRow, result: Result) -> NoReturn:
        """Reschedule ``row`` (honouring Retry-After) or park it; always raises _Stop."""
        attempts = row.attempts + 1
        if result.outcome is Outcome.RATE_LIMITED:
            delay = result.retry_after or 1.0
        elif result.outcome in (Outcome.TRANSIENT, Outcome.MESSAGE_GONE):
            delay = min(60.0, 0.5 * 2 ** (attempts - 1)) * random.uniform(1.0, 1.5)
        elif result.outcome is Outcome.AUTH_FAILED:
            log.error("Slack refused the bot token (%s): writes paused", result.error)
            delay = 60.0
        else:
            await self._park(row, result.error or result.outcome.value)
            raise _Stop
        if attempts >= self._max_attempts and result.outcome is Outcome.TRANSIENT:
            await self._park(row, result.error or "transient")
            raise _Stop
        await self._reschedule(row, attempts, utcnow() + timedelta(seconds=delay), result.error)
        raise _Stop

    async def _reschedule(
        self, row: OutboxRow, attempts: int, due: datetime, error: str | None
    ) -> None:
        async with self._db.write() as db:
            stored = await db.get(OutboxRow, row.id)
            if stored is not None:
                stored.attempts, stored.due_at = attempts, due
                stored.last_error = (error or "")[:200]

    async def _park(self, row: OutboxRow, error: str) -> None:
        log.error(
            "session %s: parking %s write after %s: %s",
            row.session_id,
            row.kind,
            row.attempts,
            error,
        )
        async with self._db.write() as db:
            stored = await db.get(OutboxRow, row.id)
            if stored is not None:
                stored.state = outbox.PARKED
                stored.last_error = error[:200]
