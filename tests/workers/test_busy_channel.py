"""A busy channel, against a stand-in that enforces Slack's limits (10x faster, and the
pacer told the same): what goes first, and what a 429 holds. Order is asserted, not time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import utcnow
from bot.crypto import SecretBox
from bot.sessions.lifecycle import Observation
from bot.sessions.model import SessionKind, SessionRequest
from bot.sessions.status import SessionStatus
from bot.sessions.transition import CallbackArrived, Created
from bot.slack.pacing import Pacer
from bot.slack.writer import SlackWriter
from bot.store import sessions as session_store
from bot.store.database import Database
from bot.workers.outbox import OutboxWorker
from sandbox.harness import SLACK_RATE_SCALE, wait_until
from tests.workers.conftest import SlackStandIn
from tests.workers.test_outbox_worker import TECH, _event, _owed

CHANNEL, OTHER = "C0BUSY", "C0QUIET"


@pytest.fixture
async def paced(slack: SlackStandIn) -> AsyncIterator[SlackWriter]:
    slack.enforce_rate_limits(True, scale=SLACK_RATE_SCALE)
    async with aiohttp.ClientSession() as http:
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url, session=http)
        yield SlackWriter(client, timeout_s=5.0, pacer=Pacer(scale=SLACK_RATE_SCALE))


async def _session(db: Database, box: SecretBox, n: int, channel: str = CHANNEL) -> str:
    session_id = f"{n:032d}"
    request = SessionRequest(kind=SessionKind.ATTENDED, customer_name=f"Customer {n}")
    pending = session_store.new_pending(
        session_id=session_id,
        team_id="T0001",
        channel_id=channel,
        requester_id=f"{TECH}{n}",
        request=request,
        callback_token_hash=None,
        goto_account=None,
        now=utcnow(),
    )
    await db.run_write(session_store.insert_session, pending)
    created = Created(
        session_token_enc="tok",
        launch_url_enc=box.encrypt(f"https://launch.example/{n}"),
        goto_session_id=str(n),
        customer_join_url=f"https://join.example/{n}",
    )
    await _event(db, session_id, created)
    return session_id


async def _running(worker: OutboxWorker) -> tuple[asyncio.Event, asyncio.Task[None]]:
    stopping = asyncio.Event()
    return stopping, asyncio.create_task(worker.run(stopping))


async def _drained(db: Database, stopping: asyncio.Event, task: asyncio.Task[None]) -> None:
    async def empty() -> bool:
        return not await _owed(db)

    await wait_until(empty, within=60, what="the outbox drained")
    stopping.set()
    await asyncio.wait_for(task, timeout=10)


def _posts(slack: SlackStandIn, channel: str) -> list[dict[str, object]]:
    return [c.params for c in slack.calls_to("chat.postMessage") if c.params["channel"] == channel]


async def test_cards_and_start_links_overtake_queued_replies(
    db: Database, paced: SlackWriter, box: SecretBox, slack: SlackStandIn
) -> None:
    for n in range(8):
        await _session(db, box, n)
    worker = OutboxWorker(db, paced, box, idle_wait_s=0.02)
    await _drained(db, *await _running(worker))

    channel = _posts(slack, CHANNEL)
    kinds = ["reply" if "thread_ts" in params else "card" for params in channel]
    assert kinds == ["card"] * 8 + ["reply"] * 8  # every card before any join-link reply
    calls = slack.calls
    last_reply = max(i for i, c in enumerate(calls) if c.params.get("thread_ts"))
    dms = [i for i, c in enumerate(calls) if str(c.params.get("channel", "")).startswith("U")]
    assert len(dms) == 8 and max(dms) < last_reply  # start links did not queue behind replies
    assert slack.rate_limited() == []


async def test_a_card_edit_is_not_held_behind_replies(
    db: Database, paced: SlackWriter, box: SecretBox, slack: SlackStandIn
) -> None:
    first = await _session(db, box, 0)
    worker = OutboxWorker(db, paced, box, idle_wait_s=0.02)
    stopping, task = await _running(worker)
    await wait_until(lambda: len(slack.messages(CHANNEL)) == 2, what="the first card and reply")
    for n in range(1, 20):  # 19 more sessions: 19 cards and 19 replies owed in one channel
        await _session(db, box, n)
    worker.wake()
    await wait_until(lambda: len(_posts(slack, CHANNEL)) >= 10, what="the channel busy")
    await _event(db, first, CallbackArrived(Observation(SessionStatus.WAITING)))
    worker.wake()
    await _drained(db, stopping, task)

    calls = slack.calls
    edit = next(i for i, c in enumerate(calls) if c.method == "chat.update")
    replies = [i for i, c in enumerate(calls) if c.params.get("thread_ts")]
    assert edit < replies[-2]  # the edit went ahead of the replies queued before it
    assert slack.rate_limited() == []


async def test_a_429_on_one_channel_holds_neither_dms_nor_other_channels(
    db: Database, paced: SlackWriter, box: SecretBox, slack: SlackStandIn
) -> None:
    slack.rate_limit("chat.postMessage", count=1, retry_after=3)  # the busy channel's card
    await _session(db, box, 0, CHANNEL)
    worker = OutboxWorker(db, paced, box, idle_wait_s=0.02)
    stopping, task = await _running(worker)
    await wait_until(lambda: len(slack.rate_limited()) == 1, what="the 429")
    await _session(db, box, 1, OTHER)
    worker.wake()
    await _drained(db, stopping, task)

    calls = [c for c in slack.calls if c.method == "chat.postMessage" and c.status == 200]
    busy_card = next(i for i, c in enumerate(calls) if c.params["channel"] == CHANNEL)
    quiet_card = next(i for i, c in enumerate(calls) if c.params["channel"] == OTHER)
    start_link = next(i for i, c in enumerate(calls) if c.params["channel"] == f"{TECH}0")
    assert quiet_card < busy_card and start_link < busy_card
    # While its card waited, the technician also saw the start link where they asked.
    ephemerals = [
        c
        for c in slack.calls
        if c.method == "chat.postEphemeral" and c.params.get("user") == f"{TECH}0"
    ]
    assert [(c.status, c.params["channel"]) for c in ephemerals] == [(200, CHANNEL)]
    assert "thread_ts" not in ephemerals[0].params  # no card, so no thread, yet
    assert slack.retry_after_violations == []
