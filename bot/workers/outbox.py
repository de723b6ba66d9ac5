"""The outbox worker: delivers owed Slack writes, at least once, in order per session.

It renders the card from the stored session at send time, so edits coalesce: every card
edit owed when a card is written becomes that one ``chat.update`` of the latest state.
Sessions are delivered side by side (a slow one does not hold up the others); within a
session, writes go out in the order they were queued, except that a parked write (one
Slack kept refusing) no longer holds up the ones behind it.

Each row carries a typed intent; this worker is the only place one becomes Block Kit (through
``rendering``). Every delivery step returns what came of it (``Sent``, ``RetryAt``, ``Park``,
or ``MoveToDm`` for a channel that cannot take the card) and the loop records it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from bot.clock import utcnow
from bot.crypto import SecretBox
from bot.metrics import CALLBACK_TO_SLACK, OUTBOX_DEPTH
from bot.sessions import delivery
from bot.sessions.delivery import Lane
from bot.sessions.intents import (
    Card,
    HomeRefresh,
    Intent,
    JoinLink,
    Notice,
    NotInChannel,
    StartLink,
    StatusReply,
    TechnicianDm,
)
from bot.sessions.model import Session, SessionKind
from bot.slack.blocks import Message
from bot.slack.writer import Outcome, Result, SlackWriter, Turn, is_direct_message
from bot.store import outbox
from bot.store import sessions as session_store
from bot.store.database import Database
from bot.store.group_commit import GroupCommit
from bot.workers import rendering

if TYPE_CHECKING:
    from bot.workers.surfaces import Surfaces

log = logging.getLogger(__name__)

PERMANENT_PARK = timedelta(days=1)  # a write Slack refuses outright is looked at daily
# How long a write waits for its turn at a busy channel before the session's other writes
# go (a new card: its start link, by DM) or are read again (a thread reply: a card edit
# queued meanwhile goes first; status replies owed meanwhile join it).
_PATIENCE_S = {Lane.NEW_CARD: 0.25, Lane.JOIN_LINK: 1.0, Lane.STATUS: 1.0}
_EPHEMERAL_PATIENCE_S = 1.0  # the start link's ephemeral copy waits this long for its turn
# Where the write being delivered stands in the pacer's line (one per delivery task).
_TURN: ContextVar[Turn | None] = ContextVar("outbox_turn", default=None)


# -- what one delivery step came to ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sent:
    """The write went out (or there was nothing left to send); ``also`` lists other owed rows
    it settled (a card written from stored state settles every card edit owed)."""

    also: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class RetryAt:
    """Slack could not take it now: try the row again at ``due``."""

    due: datetime
    attempts: int
    error: str


@dataclass(frozen=True, slots=True)
class Park:
    """Retrying soon will not help: keep the row, try it again after ``retry``."""

    error: str
    retry: timedelta


@dataclass(frozen=True, slots=True)
class MoveToDm:
    """The channel cannot take the card (archived, bot removed): it moves to the DM."""

    why: Result


@dataclass(frozen=True, slots=True)
class NotYet:
    """Not sent: the channel's budget is spoken for by more wanted writes; look again."""


Delivered = Sent | RetryAt | Park | NotYet
Step = Delivered | MoveToDm


@dataclass(frozen=True, slots=True)
class _Progress:
    """What one session's delivery has done so far, to be recorded."""

    session_id: str
    held: datetime  # the lease this delivery holds
    done: frozenset[int]
    release: bool = False
    until: datetime | None = None


@dataclass
class _Batch:
    """One claimed session's owed writes, and the session as it stands."""

    session: Session
    rows: list[outbox.OwedWrite]
    held: datetime  # the lease on the session's writes, renewed while delivery goes on
    # Every card edit owed when the batch was read: a card written from the stored state
    # settles them all.
    card_edits: frozenset[int] = frozenset()
    lost: bool = False  # the lease lapsed and another replica took the writes over
    finished: asyncio.Event = field(default_factory=asyncio.Event)


class OutboxWorker:
    def __init__(
        self,
        db: Database,
        slack: SlackWriter,
        box: SecretBox,
        *,
        lease: timedelta = timedelta(seconds=30),
        max_attempts: int = 8,
        parked_retry: timedelta = timedelta(minutes=5),
        concurrency: int = 64,
        idle_wait_s: float = 1.0,
        surfaces: Surfaces | None = None,
    ) -> None:
        self._db = db
        self._slack = slack
        self._box = box
        self._lease = lease
        self._max_attempts = max_attempts
        self._parked_retry = parked_retry
        self._concurrency = concurrency
        self._idle_wait_s = idle_wait_s
        self._surfaces = surfaces  # App Home and the technician's DMs (bot.workers.surfaces)
        self._wake = asyncio.Event()
        self._next_depth_at = 0.0
        self._next_due_at = 0.0  # monotonic time of the earliest retry this process set
        self._progress = GroupCommit(db, self._settle, name="outbox-progress")

    def wake(self) -> None:
        """New rows were committed in this process: deliver now rather than at the next tick."""
        self._wake.set()

    async def run(self, stopping: asyncio.Event) -> None:
        inflight: set[asyncio.Task[None]] = set()
        try:
            while not stopping.is_set():
                self._wake.clear()  # before the pass: a wake() during it must not be lost
                try:
                    await self._refresh_depth()
                    room = self._concurrency - len(inflight)
                    if room > 0 and await self._slack.writes_allowed():
                        for batch in await self._claim(room):
                            task = asyncio.create_task(self._deliver_session(batch))
                            inflight.add(task)
                except Exception:
                    log.exception("outbox pass failed; retrying")
                await self._wait(stopping, inflight)
                inflight = {task for task in inflight if not task.done()}
        except asyncio.CancelledError:
            for task in inflight:
                task.cancel()
            raise
        if inflight:  # stopping: let writes under way finish (their timeouts bound this)
            await asyncio.gather(*inflight, return_exceptions=True)

    async def _wait(self, stopping: asyncio.Event, inflight: set[asyncio.Task[None]]) -> None:
        """Until woken, stopping, a session finished, or the next retry falls due."""
        timeout = self._idle_wait_s
        if self._next_due_at:
            timeout = max(0.01, min(timeout, self._next_due_at - time.monotonic()))
        waiters = {
            asyncio.ensure_future(self._wake.wait()),
            asyncio.ensure_future(stopping.wait()),
        }
        await asyncio.wait(waiters | inflight, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()
        if self._next_due_at and time.monotonic() >= self._next_due_at:
            self._next_due_at = 0.0

    async def _claim(self, limit: int) -> list[_Batch]:
        """Lease sessions with writes due, and read them and all they are owed in one go."""
        now = utcnow()
        held = now + self._lease

        def claim(conn: Connection) -> tuple[list[str], list[outbox.OwedWrite], list[Session]]:
            ids = outbox.claim(conn, now, held, limit)
            if not ids:
                return [], [], []
            return ids, outbox.owed_by(conn, ids), session_store.by_ids(conn, ids)

        ids, rows, found = await self._db.run_write(claim)
        sessions = {session.id: session for session in found}
        owed: dict[str, list[outbox.OwedWrite]] = {sid: [] for sid in ids}
        for row in rows:
            owed[row.session_id].append(row)
        batches = []
        for sid in ids:
            if sid not in sessions:
                continue
            cards = frozenset(row.id for row in owed[sid] if row.kind == outbox.CARD)
            batches.append(
                _Batch(session=sessions[sid], rows=owed[sid], held=held, card_edits=cards)
            )
        return batches

    def _settle(self, conn: Connection, group: Sequence[_Progress]) -> list[None]:
        """Delivered rows deleted and sessions given back, for many sessions in one go."""
        done = sorted({row_id for progress in group for row_id in progress.done})
        releases = [(p.session_id, p.held, p.until) for p in group if p.release]
        outbox.settle(conn, done, releases)
        return [None] * len(group)

    async def _refresh_depth(self) -> None:
        if time.monotonic() < self._next_depth_at:
            return
        self._next_depth_at = time.monotonic() + 1.0
        async with self._db.read() as tx:
            counts = await outbox.depth(tx)
        for state, count in counts.items():
            OUTBOX_DEPTH.labels(state=state).set(count)

    # -- one session -------------------------------------------------------------------------

    async def _deliver_session(self, batch: _Batch) -> None:
        """Send a session's owed writes, most wanted first (``bot.sessions.delivery``)."""
        session_id = batch.session.id
        until: datetime | None = None
        unsaved: set[int] = set()  # delivered, not yet deleted from the outbox
        # Only a card edit is safe to send twice (it shows the same stored state again); a
        # delivered message is recorded before anything else goes out, so a crash or a lost
        # lease never posts it twice.
        unsaved_message = False
        heartbeat = asyncio.create_task(self._keep_lease(batch))
        try:
            done: set[int] = set()
            deferred: set[int] = set()  # writes whose budget is busy, passed over for now
            nothing_else = False  # the last look found nothing to send but deferred writes
            while True:
                now = utcnow()
                rows = {row.id: row for row in batch.rows if row.id not in done}
                ready = delivery.plan([self._owed(row, batch) for row in rows.values()], now)
                if not ready.ready:
                    until = ready.until
                    break
                first = delivery.pick(ready.ready, deferred)
                if first is None:  # every write waits for a busy budget: look again
                    deferred.clear()
                    await self._reread(batch)
                    nothing_else = True
                    continue
                row = rows[first.id]
                group = [row]
                if first.lane is Lane.STATUS:  # every status reply owed now: one reply
                    group = [rows[w.id] for w in ready.ready if w.lane is Lane.STATUS]
                if unsaved_message:  # record what went out before sending more
                    await self._progress.put(_Progress(session_id, batch.held, frozenset(unsaved)))
                    unsaved, unsaved_message = set(), False
                if batch.lost:
                    return  # another replica took over: it sends the rest
                patience = _PATIENCE_S.get(first.lane)
                if first.lane is Lane.NEW_CARD and nothing_else:
                    patience = None  # the rest waits for the card: so does this delivery
                since = row.created_at.timestamp()
                token = _TURN.set(Turn(priority=first.lane, since=since, patience=patience))
                try:
                    step = await self._deliver(row, batch, group)
                finally:
                    _TURN.reset(token)
                if isinstance(step, NotYet):
                    # The channel is busy: meanwhile, what else is owed goes (the start link),
                    # then what the session owes is read again (a card edit queued meanwhile
                    # goes ahead; new status replies join this one).
                    deferred.add(row.id)
                    continue
                if not isinstance(step, Sent):
                    await self._record_failure(row, step)
                    limited = isinstance(step, RetryAt) and step.error == "ratelimited"
                    if limited or row.kind == outbox.HOME:
                        # Only what shares its order waits (the plan holds it); the rest goes
                        # on. A Home refresh waits alone (never sent early) and holds nothing.
                        batch.rows = [
                            _waiting(r, step) if r.id == row.id else r for r in batch.rows
                        ]
                        continue
                    break  # Slack is failing: the row waits, and everything behind it with it
                finished = {r.id for r in group} | step.also
                nothing_else = False
                done |= finished
                unsaved |= finished
                unsaved_message = row.kind != outbox.CARD
                for sent in group:
                    CALLBACK_TO_SLACK.observe((utcnow() - sent.created_at).total_seconds())
        except Exception:
            log.exception("session %s: delivery failed", session_id)
        finally:
            batch.finished.set()
            await heartbeat
            await self._progress.put(
                _Progress(session_id, batch.held, frozenset(unsaved), release=True, until=until)
            )

    @staticmethod
    def _owed(row: outbox.OwedWrite, batch: _Batch) -> delivery.Owed:
        intent = row.intent()
        known = intent if isinstance(intent, Intent) else None
        lane = delivery.lane_of(known, card_posted=batch.session.card_ts is not None)
        return delivery.Owed(row.id, lane, row.due_at, parked=row.state == outbox.PARKED)

    async def _reread(self, batch: _Batch) -> None:
        """The session and its owed writes as they stand now (this replica holds them)."""
        sid = batch.session.id

        def read(conn: Connection) -> tuple[list[outbox.OwedWrite], list[Session]]:
            return outbox.owed_by(conn, [sid]), session_store.by_ids(conn, [sid])

        rows, found = await self._db.run_write(read)
        if found:
            batch.session = found[0]
        batch.rows = rows
        batch.card_edits = frozenset(row.id for row in rows if row.kind == outbox.CARD)

    async def _keep_lease(self, batch: _Batch) -> None:
        """Renew the lease every third of it while delivery goes on, so a slow delivery (a
        queue of Slack calls, a hung one) is never taken over by another replica and its
        writes sent twice. Stops, marking the batch lost, if another replica has taken it."""
        period = self._lease.total_seconds() / 3
        while True:
            try:
                await asyncio.wait_for(batch.finished.wait(), timeout=period)
                return  # delivery is over: never stopped halfway through a renewal
            except TimeoutError:
                pass
            renewed = utcnow() + self._lease
            try:
                kept = await self._db.run_write(outbox.renew, batch.session.id, batch.held, renewed)
            except Exception:
                log.exception("session %s: could not renew its lease", batch.session.id)
                continue
            if not kept:
                log.warning("session %s: lease on its writes lapsed", batch.session.id)
                batch.lost = True
                return
            batch.held = renewed

    async def _call(self, method: str, **params: Any) -> Result:
        """A Slack call, in line at the pacer where the write being delivered stands."""
        return await self._slack.call(method, turn=_TURN.get(), **params)

    async def _deliver(
        self, row: outbox.OwedWrite, batch: _Batch, group: Sequence[outbox.OwedWrite]
    ) -> Delivered:
        """Send one row (``group``: the status replies it stands for with it); what came of
        it. Each kind of write is one case here."""
        intent = row.intent()
        match intent:
            case Card():
                step = await self._write_card(row, batch)
                return Sent(batch.card_edits) if isinstance(step, Sent) else step
            case StatusReply() | JoinLink():
                also: frozenset[int] = frozenset()
                if batch.session.card_ts is None:  # the thread needs its card first
                    step = await self._write_card(row, batch)
                    if not isinstance(step, Sent):
                        return step
                    also = batch.card_edits
                step = await self._reply(row, batch, intent, group)
                return Sent(also) if isinstance(step, Sent) else step
            case StartLink():
                return await self._send_start_link(row, batch.session)
            case HomeRefresh() | TechnicianDm():
                if self._surfaces is None:
                    return Sent()
                done = await self._surfaces.deliver(row, batch.session, intent, _TURN.get())
                return self._failure(row, done) if isinstance(done, Result) else done
            case Notice(reason=reason, dm=dm):
                message = rendering.notice(batch.session, reason)
                return await self._notify(row, batch.session, message.text, message.blocks, dm)
            case outbox.RenderedNotice(text=text, blocks=blocks, dm=dm):
                return await self._notify(row, batch.session, text, blocks, dm)
            case outbox.Unreadable(why=why):
                log.error("outbox row %s cannot be read (%s); parking it", row.id, why)
                return Park(why, PERMANENT_PARK)
        raise AssertionError(f"unknown intent {intent!r}")

    # -- the card and its thread -------------------------------------------------------------

    async def _write_card(self, row: outbox.OwedWrite, batch: _Batch) -> Delivered:
        """Post the card or edit it to the stored state, wherever it can be written."""
        step = await self._sync_card(row, batch)
        if isinstance(step, MoveToDm):
            return await self._move_card_to_dm(row, batch, step.why)
        return step

    async def _sync_card(self, row: outbox.OwedWrite, batch: _Batch) -> Step:
        """Post the card, or edit it to the stored state; repost it if it was deleted."""
        session = batch.session
        if session.card_ts is None or session.card_channel is None:
            return await self._post_card(row, batch, session.channel_id)
        message = rendering.card(session, utcnow())
        result = await self._call(
            "chat.update",
            channel=session.card_channel,
            ts=session.card_ts,
            text=message.text,
            blocks=message.blocks,
        )
        if result.ok:
            return Sent()
        if result.outcome is Outcome.MESSAGE_GONE:
            log.info("session %s: card was deleted; posting it again", session.id)
            return await self._post_card(row, batch, session.card_channel, repost=True)
        if result.outcome is Outcome.CHANNEL_UNWRITABLE:
            return MoveToDm(result)
        return self._failure(row, result)

    async def _post_card(
        self, row: outbox.OwedWrite, batch: _Batch, channel: str, *, repost: bool = False
    ) -> Step:
        message = rendering.card(batch.session, utcnow())
        thread = batch.session.thread_ts if channel == batch.session.channel_id else None
        result = await self._call(
            "chat.postMessage",
            channel=channel,
            text=message.text,
            blocks=message.blocks,
            **({"thread_ts": thread} if thread else {}),
        )
        if result.outcome is Outcome.CHANNEL_UNWRITABLE and not is_direct_message(channel):
            return MoveToDm(result)
        if not result.ok:
            return self._failure(row, result)
        await self._store_card(batch, str(result.data["channel"]), str(result.data["ts"]), repost)
        return Sent()

    async def _move_card_to_dm(
        self, row: outbox.OwedWrite, batch: _Batch, why: Result
    ) -> Delivered:
        """The channel cannot take the card: keep it up to date in the technician's DM, and
        tell them why once it is there."""
        session = batch.session
        log.warning(
            "session %s: cannot write in %s (%s)", session.id, session.channel_id, why.error
        )
        dm = session.requester_id  # lands in the app's DM with them
        step = await self._post_card(row, batch, dm, repost=session.card_ts is not None)
        if isinstance(step, MoveToDm):  # not for a DM; here for the type checker
            return self._failure(row, step.why)
        if isinstance(step, Sent):
            where = NotInChannel(session.channel_id, archived=why.error == "is_archived")
            await self._enqueue(session.id, Notice(where, dm=True))
        return step

    async def _store_card(self, batch: _Batch, channel: str, ts: str, repost: bool) -> None:
        stored = await self._db.run_write(session_store.store_card, batch.session.id, channel, ts)
        if stored is None:
            return  # the session was deleted meanwhile (its owed writes went with it)
        batch.session = stored
        needs_join_link = stored.kind is SessionKind.ATTENDED and not stored.status.is_terminal
        if repost and stored.customer_join_url and needs_join_link:
            # A new card has a new, empty thread: the join link goes there again.
            await self._enqueue(stored.id, JoinLink())

    async def _reply(
        self,
        row: outbox.OwedWrite,
        batch: _Batch,
        intent: StatusReply | JoinLink,
        group: Sequence[outbox.OwedWrite],
    ) -> Delivered:
        """A reply in the card's thread; if the channel cannot take it, the card moves to the
        DM and the reply goes into its new thread there."""
        step = await self._post_reply(row, batch, intent, group)
        if isinstance(step, MoveToDm):
            moved = await self._move_card_to_dm(row, batch, step.why)
            if not isinstance(moved, Sent):
                return moved
            step = await self._post_reply(row, batch, intent, group)
        if isinstance(step, MoveToDm):  # already in the DM: not a channel problem
            return self._failure(row, step.why)
        return step

    async def _post_reply(
        self,
        row: outbox.OwedWrite,
        batch: _Batch,
        intent: StatusReply | JoinLink,
        group: Sequence[outbox.OwedWrite],
    ) -> Step:
        session = batch.session
        statuses = [i.status for r in group if isinstance(i := r.intent(), StatusReply)]
        if isinstance(intent, StatusReply) and len(statuses) > 1:
            message = rendering.status_replies(session, statuses, utcnow())
        else:
            message = rendering.thread_reply(session, intent, utcnow())
        result = await self._call(
            "chat.postMessage",
            channel=session.card_channel,
            thread_ts=session.card_thread,
            text=message.text,
            blocks=message.blocks,
        )
        in_dm = is_direct_message(str(session.card_channel))
        if result.outcome is Outcome.CHANNEL_UNWRITABLE and not in_dm:
            return MoveToDm(result)
        return Sent() if result.ok else self._failure(row, result)

    async def _enqueue(self, session_id: str, intent: Intent) -> None:
        await self._db.run_write(outbox.enqueue, session_id, [intent], utcnow())
        self.wake()

    # -- private messages --------------------------------------------------------------------

    async def _send_start_link(self, row: outbox.OwedWrite, session: Session) -> Delivered:
        """The start link is a credential: only ever to the requester (ephemeral and DM)."""
        async with self._db.read() as tx:
            stored = await session_store.get(tx, session.id)
            encrypted = stored.launch_url_enc if stored is not None else None
        if encrypted is None:
            log.info("session %s ended before its start link went out; not sent", session.id)
            return Sent()
        launch_url = self._box.decrypt(encrypted)
        if launch_url is None:
            log.error("session %s: no configured ENCRYPTION_KEY opens its start link", session.id)
            return Sent()
        message = rendering.start_link(session, launch_url)
        if session.card_ts is not None and session.card_channel is not None:
            where, thread = session.card_channel, session.card_thread
        else:  # the card still waits for its busy channel: where they asked, meanwhile
            where, thread = session.channel_id, session.thread_ts
        dm = session.requester_id  # lands in the app's DM with them: the copy that stays
        step = await self._send(row, "chat.postMessage", channel=dm, **_message(message))
        if isinstance(step, Sent) and not is_direct_message(where):
            # Best effort, and never a long wait: ephemerals vanish on reload, and a busy
            # workspace's postEphemeral budget must not hold this session's other writes.
            turn = replace(_TURN.get() or Turn(), patience=_EPHEMERAL_PATIENCE_S)
            await self._slack.call(
                "chat.postEphemeral",
                turn=turn,
                channel=where,
                user=session.requester_id,
                text=message.text,
                blocks=message.blocks,
                **({"thread_ts": thread} if thread else {}),
            )
        return step

    async def _notify(
        self,
        row: outbox.OwedWrite,
        session: Session,
        text: str,
        blocks: list[dict[str, Any]] | None,
        dm: bool,
    ) -> Delivered:
        """A private message to the requester: ephemeral where they are, else their DM."""
        blocks = blocks or None
        if not dm:
            result = await self._call(
                "chat.postEphemeral",
                channel=session.channel_id,
                user=session.requester_id,
                text=text,
                blocks=blocks,
            )
            if result.ok:
                return Sent()
            if result.outcome in (Outcome.RATE_LIMITED, Outcome.TRANSIENT, Outcome.AUTH_FAILED):
                return self._failure(row, result)
        dm_channel = session.requester_id  # lands in the app's DM with them
        return await self._send(
            row, "chat.postMessage", channel=dm_channel, text=text, blocks=blocks
        )

    async def _send(self, row: outbox.OwedWrite, method: str, **params: Any) -> Delivered:
        result = await self._call(method, **params)
        return Sent() if result.ok else self._failure(row, result)

    # -- failures ----------------------------------------------------------------------------

    def _failure(self, row: outbox.OwedWrite, result: Result) -> RetryAt | Park | NotYet:
        """When to try ``row`` again after Slack refused it (honouring Retry-After).

        Rate limits and auth pauses wait as long as Slack says. 5xx and connection errors
        back off exponentially with jitter; after ``max_attempts`` the row is parked: kept,
        counted and logged, and tried again every ``parked_retry`` so an outage that ends
        still lets the card catch up. Errors that retrying cannot fix park it for a day.
        """
        if result.outcome is Outcome.PACED:
            return NotYet()
        attempts = row.attempts + 1
        error = result.error or result.outcome.value
        if result.outcome is Outcome.RATE_LIMITED:
            delay = timedelta(seconds=result.retry_after or 1.0)
        elif result.outcome is Outcome.AUTH_FAILED:
            log.error("Slack refused the bot token (%s): writes paused", result.error)
            delay = timedelta(seconds=60)
        elif result.outcome in (Outcome.TRANSIENT, Outcome.MESSAGE_GONE):
            if attempts >= self._max_attempts:
                return Park(error, self._parked_retry)
            delay = timedelta(seconds=min(60.0, 0.5 * 2 ** (attempts - 1)) * random.uniform(1, 1.5))
        else:
            return Park(error, PERMANENT_PARK)
        return RetryAt(utcnow() + delay, attempts, error)

    async def _record_failure(self, row: outbox.OwedWrite, step: RetryAt | Park) -> None:
        if isinstance(step, RetryAt):
            await self._db.run_write(
                outbox.reschedule, row.id, due_at=step.due, attempts=step.attempts, error=step.error
            )
            due = time.monotonic() + max(0.0, (step.due - utcnow()).total_seconds())
            self._next_due_at = min(self._next_due_at or due, due)
            return
        log.error(
            "session %s: parking %s write after %d attempts (%s); next try in %s",
            row.session_id,
            row.kind,
            row.attempts + 1,
            step.error,
            step.retry,
        )
        await self._db.run_write(  # a parked write gets a fresh round of retries
            outbox.reschedule,
            row.id,
            due_at=utcnow() + step.retry,
            attempts=0,
            error=step.error,
            park=True,
        )


def _waiting(row: outbox.OwedWrite, step: RetryAt | Park) -> outbox.OwedWrite:
    """The row as ``_record_failure`` left it in the database."""
    if isinstance(step, RetryAt):
        return replace(row, due_at=step.due, attempts=step.attempts)
    return replace(row, due_at=utcnow() + step.retry, attempts=0, state=outbox.PARKED)


def _message(message: Message) -> dict[str, Any]:
    return {"text": message.text, "blocks": message.blocks}
