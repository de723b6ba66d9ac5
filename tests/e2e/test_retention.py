"""Retention: RETENTION_DAYS after a session ended, its customer's details, notes, links and
tokens are erased from the database and its card says so; live sessions keep everything.

The sweep runs with a clock moved forward (the app's own sweeper would wait 90 real days)
against the database the running app uses; the app's outbox edits the card."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.clock import utcnow
from bot.sessions.transition import PollSchedule
from bot.store.database import Database, make_engine
from bot.workers.retention import RetentionSweeper
from sandbox.harness import Rig, wait_until
from tests.e2e.helpers import rendered, session_rows, start_and_settle, wait_status

NOTES = "Printer driver reinstalled for Jane"
RECORDING = "https://recordings.example/jane-4521"
SCHEDULE = PollSchedule(
    young=timedelta(seconds=5),
    active=timedelta(seconds=5),
    idle=timedelta(seconds=5),
    young_for=timedelta(seconds=5),
    expire_after=timedelta(hours=4),
)


def sweeper(database_url: str, days_later: float) -> tuple[RetentionSweeper, Database]:
    db = Database(make_engine(database_url))
    clock = lambda: utcnow() + timedelta(days=days_later)  # noqa: E731
    return RetentionSweeper(db, SCHEDULE, keep_for=timedelta(days=90), clock=clock), db


async def test_the_sweep_erases_ended_sessions_and_edits_their_cards(database_url: str) -> None:
    async with Rig(database_url=database_url) as rig:
        ended_card, ended = await start_and_settle(rig)
        rig.goto.start_session(ended.session_token)
        rig.goto.join_session(ended.session_token)
        rig.goto.end_session(ended.session_token, notes=NOTES, recording_url=RECORDING)
        await wait_status(rig, ended_card, "complete")
        await wait_until(
            lambda: NOTES in rendered(rig.slack.message(ended_card.channel, ended_card.ts)),  # type: ignore[arg-type]
            what="the notes on the card",
        )
        live_card, live = await start_and_settle(rig, "Joan Live joan@example.com #77")
        before = {row["id"]: row for row in await session_rows(database_url)}

        early, db = sweeper(database_url, days_later=89)
        assert await early.run_once() == 0  # not yet 90 days
        late, db2 = sweeper(database_url, days_later=91)
        assert await late.run_once() == 1
        assert await late.run_once() == 0  # once only
        await db.dispose()
        await db2.dispose()

        rows = {row["id"]: row for row in await session_rows(database_url)}
        (erased_id,) = [i for i, r in rows.items() if r["details_removed_at"] is not None]
        erased, kept = rows[erased_id], next(r for i, r in rows.items() if i != erased_id)
        for column in (
            "customer_name",
            "customer_email",
            "notes",
            "customer_join_url",
            "recording_url",
            "launch_url_enc",
            "session_token_enc",
            "callback_token_hash",
        ):
            assert erased[column] is None, column
        # History and counts keep what is not about the customer.
        for column in ("status", "requester_id", "created_at", "ended_at", "partner_object"):
            assert erased[column] == before[erased_id][column], column
        assert erased["status"] == "complete"
        # The live session is untouched.
        assert kept["customer_name"] == "Joan Live" and kept["details_removed_at"] is None

        def card_says_removed() -> bool:
            card = rig.slack.message(ended_card.channel, ended_card.ts)
            return card is not None and "were removed" in json.dumps(card.blocks)

        await wait_until(card_says_removed, what="the card edited to say details were removed")
        card = rig.slack.message(ended_card.channel, ended_card.ts)
        assert card is not None
        latest = rendered(card, history=False)
        assert "Jane Doe" not in latest and NOTES not in latest and RECORDING not in latest
        assert latest.count("complete") >= 1  # the outcome is still shown
        live_now = rig.slack.message(live_card.channel, live_card.ts)
        assert live_now is not None and "Joan Live" in rendered(live_now, history=False)
        assert live.session_token in rig.goto.sessions
