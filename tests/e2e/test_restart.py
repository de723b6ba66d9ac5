"""A stopped or killed app picks up where it left off: the next callback edits the same card."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from sandbox.harness import Rig, StandIns, app_settings, wait_until
from sandbox.process import AppProcess
from sandbox.signing import sign, slash_command_body
from tests.e2e.helpers import (
    CHANNEL,
    START_TEXT,
    TECH,
    cards,
    post_slack,
    start_and_settle,
    wait_status,
)


async def test_restarted_app_edits_the_same_card(rig: Rig) -> None:
    card, session = await start_and_settle(rig)

    await rig.stop_app()
    await rig.start_app()

    rig.goto.start_session(session.session_token)
    await rig.goto.drain_callbacks()
    assert [d.status for d in rig.goto.deliveries] == [200]
    edited = await wait_status(rig, card, "waiting")
    assert edited.ts == card.ts
    assert [m.ts for m in cards(rig)] == [card.ts]
    assert {c.params["ts"] for c in rig.slack.calls_to("chat.update")} == {card.ts}

    rig.goto.join_session(session.session_token)
    await wait_status(rig, card, "active")
    assert [m.ts for m in cards(rig)] == [card.ts]


@pytest.fixture
async def stand_ins() -> AsyncIterator[StandIns]:
    async with StandIns() as stand:
        yield stand


@pytest.fixture
def app_process(tmp_path: Path, stand_ins: StandIns) -> Iterator[AppProcess]:
    """The app as `python -m bot serve` against the stand-ins; always killed afterwards."""
    settings = app_settings(
        stand_ins,
        f"sqlite+aiosqlite:///{tmp_path / 'rs.db'}",
        log_level="WARNING",
        log_format="console",
        outbox_lease_s=5.0,
        poll_interval_young_s=2.0,
        poll_interval_active_s=2.0,
        poll_interval_idle_s=5.0,
        shutdown_grace_s=2.0,
    )
    process = AppProcess(settings, tmp_path / "serve.log")
    try:
        yield process
    finally:
        process.stop()


async def test_killed_process_restarts_and_edits_the_same_card(
    stand_ins: StandIns, app_process: AppProcess
) -> None:
    slack, goto = stand_ins.slack, stand_ins.goto
    app = app_process
    app.migrate()
    app.start()
    await app.wait_ready()

    async with aiohttp.ClientSession() as http:
        body = slash_command_body(START_TEXT, response_url=slack.response_url("first"))
        status, ack = await post_slack(http, app.base_url, body, sign(body))
        assert status == 200, app.output()
        assert "Starting" in str(ack)

        await wait_until(lambda: len(slack.dms(TECH)) == 1, within=20, what="the start-link DM")
        (card,) = cards(stand_ins)
        assert card.text.endswith("not started")
        (session,) = goto.list_sessions()

        app.kill()  # SIGKILL: no shutdown hook runs
        with pytest.raises(aiohttp.ClientError):
            async with http.get(f"{app.base_url}/healthz"):
                pass

        app.start()  # same database, same port
        await app.wait_ready()
        goto.start_session(session.session_token)
        await goto.drain_callbacks()
        assert [d.status for d in goto.deliveries] == [200], app.output()

        def edited() -> bool:
            current = slack.message(CHANNEL, card.ts)
            return current is not None and current.text.endswith("waiting")

        await wait_until(edited, within=20, what="the card to say waiting")
        assert [m.ts for m in cards(stand_ins)] == [card.ts]
        assert {c.params["ts"] for c in slack.calls_to("chat.update")} == {card.ts}
