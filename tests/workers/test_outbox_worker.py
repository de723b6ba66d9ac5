"""OutboxWorker driven directly: what Slack shows after the owed writes are delivered."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, insert, select

from bot.clock import utcnow
from bot.crypto import SecretBox
from bot.sessions.lifecycle import Observation
from bot.sessions.model import Session, SessionKind, SessionRequest
from bot.sessions.status import SessionStatus
from bot.sessions.transition import (
    CallbackArrived,
    Created,
    CreateFailed,
    Event,
    PollSchedule,
)
from bot.slack.writer import SlackWriter
from bot.store import outbox
from bot.store import sessions as session_store
from bot.store.database import Database
from bot.store.tables import OUTBOX
from bot.workers.outbox import OutboxWorker
from tests.workers.conftest import SlackStandIn

SCHEDULE = PollSchedule(
    young=timedelta(seconds=10),
    active=timedelta(seconds=30),
    idle=timedelta(seconds=300),
    young_for=timedelta(minutes=10),
    expire_after=timedelta(hours=24),
)
CHANNEL, TECH = "C0SUPPORT", "U0TECH"
JOIN_URL = "https://join.example/111"
LAUNCH_URL = "https://launch.example/secret-start"


def _worker(db: Database, writer: SlackWriter, box: SecretBox) -> OutboxWorker:
    return OutboxWorker(db, writer, box, idle_wait_s=0.02, max_attempts=3)


async def _event(db: Database, session_id: str, event: Event) -> None:
    await db.run_write(session_store.write_event, session_id, event, SCHEDULE, utcnow())


async def _created_session(db: Database, box: SecretBox, session_id: str = "s" * 32) -> str:
    request = SessionRequest(kind=SessionKind.ATTENDED, customer_name="Jane Doe")
    pending = session_store.new_pending(
        session_id=session_id,
        team_id="T0001",
        channel_id=CHANNEL,
        requester_id=TECH,
        request=request,
        callback_token_hash=None,
        goto_account=None,
        now=utcnow(),
    )
    await db.run_write(session_store.insert_session, pending)
    created = Created(
        session_token_enc="tok",
        launch_url_enc=box.encrypt(LAUNCH_URL),
        goto_session_id="111",
        customer_join_url=JOIN_URL,
    )
    await _event(db, session_id, created)
    return session_id


async def _owed(db: Database) -> list[outbox.OwedWrite]:
    def read(conn: Connection) -> list[outbox.OwedWrite]:
        ids = list(conn.execute(select(OUTBOX.c.session_id).distinct()).scalars())
        return outbox.owed_by(conn, ids) if ids else []

    return await db.run_write(read)


async def _deliver(worker: OutboxWorker, db: Database, *, until_empty: bool = True) -> None:
    """Run the worker until nothing is owed (or, ``until_empty`` False, until a write failed)."""
    stopping = asyncio.Event()
    task = asyncio.create_task(worker.run(stopping))
    try:
        for _ in range(200):
            await asyncio.sleep(0.05)
            owed = await _owed(db)
            if until_empty and not owed:
                break
            if not until_empty and any(row.attempts or row.state == "parked" for row in owed):
                break
    finally:
        stopping.set()
        await asyncio.wait_for(task, timeout=10)


async def _session(db: Database, session_id: str) -> Session:
    async with db.read() as tx:
        row = await session_store.get(tx, session_id)
    assert row is not None
    return session_store.to_domain(row)


async def _insert_raw(db: Database, rows: Sequence[tuple[str, str, dict[str, object]]]) -> None:
    now = datetime.now(UTC)

    def add(conn: Connection) -> None:
        for session_id, kind, payload in rows:
            conn.execute(
                insert(OUTBOX).values(
                    session_id=session_id,
                    kind=kind,
                    payload=json.dumps(payload),
                    state=outbox.PENDING,
                    attempts=0,
                    created_at=now,
                    due_at=now,
                )
            )

    await db.run_write(add)


async def test_a_new_session_gets_its_card_join_link_and_private_start_link(
    db: Database, writer: SlackWriter, box: SecretBox, slack: SlackStandIn
) -> None:
    session_id = await _created_session(db, box)
    await _deliver(_worker(db, writer, box), db)

    session = await _session(db, session_id)
    cards = slack.messages(CHANNEL, replies=False)
    assert len(cards) == 1 and "Jane Doe" in cards[0].text
    assert (session.card_channel, session.card_ts) == (CHANNEL, cards[0].ts)
    thread = slack.thread(CHANNEL, cards[0].ts)
    assert [JOIN_URL in reply.text for reply in thread] == [True]
    # The start link: only to the technician (ephemeral in the thread, and a DM).
    assert all(LAUNCH_URL not in str(m.blocks) + m.text for m in slack.messages(CHANNEL))
    assert any(LAUNCH_URL in str(m.blocks) for m in slack.dms(TECH))
    assert [m.user for m in slack.ephemerals(CHANNEL)] == [TECH]
    assert await _owed(db) == []


async def test_card_edits_owed_together_are_one_update_of_the_latest_state(
    db: Database, writer: SlackWriter, box: SecretBox, slack: SlackStandIn
) -> None:
    session_id = await _created_session(db, box)
    worker = _worker(db, writer, box)
    await _deliver(worker, db)
    for status in (SessionStatus.WAITING, SessionStatus.ACTIVE):
        await _event(db, session_id, CallbackArrived(Observation(status)))
    await _deliver(worker, db)

    assert len(slack.calls_to("chat.update")) == 1
    card = slack.messages(CHANNEL, replies=False)[0]
    assert "active" in card.text
    replies = [m.text for m in slack.thread(CHANNEL, card.ts)]
    # The join link, then one reply standing for both status changes owed at once.
    assert len(replies) == 2
    assert "Waiting for Jane Doe" in replies[1] and "joined" in replies[1]


async def test_rows_from_the_previous_version_are_still_delivered(
    db: Database, writer: SlackWriter, box: SecretBox, slack: SlackStandIn
) -> None:
    session_id = await _created_session(db, box)
    worker = _worker(db, writer, box)
    await _deliver(worker, db)
    legacy_blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "old notice"}}]
    await _insert_raw(
        db,
        [
            (session_id, "status_reply", {"status": "waiting"}),
            (session_id, "status_reply", {"expired": True}),
            (session_id, "notice", {"text": "old notice", "blocks": legacy_blocks}),
            (session_id, "notice", {"text": "old dm", "blocks": [], "dm": True}),
        ],
    )
    await _deliver(worker, db)

    card = slack.messages(CHANNEL, replies=False)[0]
    replies = [m.text for m in slack.thread(CHANNEL, card.ts)]
    # Both status replies were owed at once: one reply names both.
    assert "Waiting for Jane Doe" in replies[1]
    assert "never started" in replies[1] or "not started" in replies[1]
    assert [m.text for m in slack.ephemerals(CHANNEL) if m.text == "old notice"] == ["old notice"]
    assert "old dm" in [m.text for m in slack.dms(TECH)]
    assert await _owed(db) == []


async def test_an_archived_channel_moves_the_card_to_the_dm_and_says_why(
    db: Database, writer: SlackWriter, box: SecretBox, slack: SlackStandIn
) -> None:
    session_id = await _created_session(db, box)
    slack.archive(CHANNEL)
    await _deliver(_worker(db, writer, box), db)

    session = await _session(db, session_id)
    assert session.card_channel == slack.dm_channel(TECH)
    dm_texts = [m.text for m in slack.dms(TECH)]
    assert any("archived" in text for text in dm_texts)
    assert any(JOIN_URL in m.text for m in slack.thread(TECH, str(session.card_ts)))
    assert slack.messages(CHANNEL) == []


async def test_a_failed_write_is_retried_later_with_its_attempt_counted(
    db: Database, writer: SlackWriter, box: SecretBox, slack: SlackStandIn
) -> None:
    await _created_session(db, box)
    slack.fail_next("chat.postMessage", status=503)
    worker = _worker(db, writer, box)
    await _deliver(worker, db, until_empty=False)
    owed = await _owed(db)
    assert owed[0].kind == outbox.CARD and owed[0].attempts == 1
    assert owed[0].due_at > utcnow() - timedelta(seconds=1)

    await _deliver(worker, db)
    assert len(slack.messages(CHANNEL, replies=False)) == 1


async def test_a_row_this_version_cannot_read_is_parked_not_dropped(
    db: Database, writer: SlackWriter, box: SecretBox, slack: SlackStandIn
) -> None:
    session_id = await _created_session(db, box)
    worker = _worker(db, writer, box)
    await _deliver(worker, db)
    await _insert_raw(db, [(session_id, "hologram", {})])
    await _deliver(worker, db, until_empty=False)
    owed = await _owed(db)
    assert [(row.kind, row.state) for row in owed] == [("hologram", outbox.PARKED)]


async def test_a_failed_creation_is_told_privately(
    db: Database, writer: SlackWriter, box: SecretBox, slack: SlackStandIn
) -> None:
    request = SessionRequest(kind=SessionKind.ATTENDED, customer_name="Jane Doe")
    pending = session_store.new_pending(
        session_id="f" * 32,
        team_id="T0001",
        channel_id=CHANNEL,
        requester_id=TECH,
        request=request,
        callback_token_hash=None,
        goto_account=None,
        now=utcnow(),
    )
    await db.run_write(session_store.insert_session, pending)
    await _event(db, "f" * 32, CreateFailed("GoToAssist is over quota"))
    await _deliver(_worker(db, writer, box), db)

    [told] = slack.ephemerals(CHANNEL, TECH)
    assert "not created" in told.text and "over quota" in told.text
    assert slack.messages(CHANNEL) == []
