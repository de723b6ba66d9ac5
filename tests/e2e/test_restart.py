"""A stopped or killed app picks up where it left off: the next callback edits the same card."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.config import Settings
from bot.crypto import new_key
from sandbox.gotoassist import GoToAssistStandIn
from sandbox.process import AppProcess
from sandbox.rig import (
    BOT_TOKEN,
    GOTO_TOKEN,
    SIGNING_SECRET,
    TEAM,
    Rig,
    free_port,
    sign,
    wait_until,
)
from sandbox.slack import SlackStandIn
from tests.e2e.helpers import (
    CHANNEL,
    START_TEXT,
    TECH,
    cards,
    post_slack,
    slack_cards,
    slash_body,
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
async def stand_ins() -> AsyncIterator[tuple[SlackStandIn, GoToAssistStandIn]]:
    slack = SlackStandIn(bot_token=BOT_TOKEN, team_id=TEAM)
    goto = GoToAssistStandIn(tokens=[GOTO_TOKEN])
    await slack.start()
    await goto.start()
    try:
        yield slack, goto
    finally:
        await goto.stop()
        await slack.stop()


@pytest.fixture
def app_process(
    tmp_path: Path, stand_ins: tuple[SlackStandIn, GoToAssistStandIn]
) -> Iterator[AppProcess]:
    """The app as `python -m bot serve` against the stand-ins; always killed afterwards."""
    slack, goto = stand_ins
    port = free_port()
    settings = Settings(
        _env_file=None,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url,
        gotoassist_api_url=goto.base_url,
        gotoassist_access_token=GOTO_TOKEN,
        public_base_url=f"http://127.0.0.1:{port}",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'rs.db'}",
        encryption_key=new_key(),
        host="127.0.0.1",
        port=port,
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
    stand_ins: tuple[SlackStandIn, GoToAssistStandIn], app_process: AppProcess
) -> None:
    slack, goto = stand_ins
    app = app_process
    app.migrate()
    app.start()
    await app.wait_ready()

    async with aiohttp.ClientSession() as http:
        body = slash_body(START_TEXT, response_url=slack.response_url("first"))
        status, ack = await post_slack(http, app.base_url, body, sign(body))
        assert status == 200, app.output()
        assert "Starting" in str(ack)

        await wait_until(lambda: len(slack.dms(TECH)) == 1, within=20, what="the start-link DM")
        (card,) = slack_cards(slack)
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
        assert [m.ts for m in slack_cards(slack)] == [card.ts]
        assert {c.params["ts"] for c in slack.calls_to("chat.update")} == {card.ts}
