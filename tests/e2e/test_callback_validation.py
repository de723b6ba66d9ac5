"""Status callbacks are untrusted: an unknown token is 404, a malformed body 400, and neither
changes the stored session or anything in Slack."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sandbox.harness import Rig, wait_until
from tests.e2e.helpers import (
    CHANNEL,
    meaningful,
    quiet_rig,
    rendered,
    session_rows,
    start_and_settle,
    wait_status,
)


async def _post(rig: Rig, url: str, data: bytes, content_type: str) -> tuple[int, Any]:
    assert rig.http is not None
    async with rig.http.post(url, data=data, headers={"Content-Type": content_type}) as response:
        raw = await response.text()
        try:
            return response.status, json.loads(raw)
        except ValueError:
            return response.status, raw


async def test_unknown_tokens_and_malformed_bodies_change_nothing(database_url: str) -> None:
    async with quiet_rig(database_url) as rig:
        await _check_refusals(rig, database_url)


async def _check_refusals(rig: Rig, database_url: str) -> None:
    card, session = await start_and_settle(rig)
    assert session.callback_url is not None
    url = session.callback_url
    prefix = url.rsplit("/", 1)[0] + "/"
    # What GoToAssist would send once the technician starts: a valid body.
    valid = session.info() | {"status": "waiting", "sessionId": "123456789"}

    writes_before = [c for c in rig.slack.calls if c.method != "conversations.open"]
    card_before = (card.text, json.dumps(card.blocks), len(card.history))
    thread_before = [m.text for m in rig.slack.thread(CHANNEL, card.ts)]
    rows_before = [meaningful(r) for r in await session_rows(database_url)]
    assert rows_before[0]["status"] == "notStarted"

    # Unknown token, well formed or not: 404.
    real = url.rsplit("/", 1)[1]
    near_miss = real[:-1] + ("A" if real[-1] != "A" else "B")
    for token in ("A" * 43, "x" * 20, "short", "not-a-token!", near_miss, real.upper()):
        status, _ = await _post(rig, prefix + token, json.dumps(valid).encode(), "application/json")
        assert status == 404, token

    # The right token with a body that is not a status callback: 400.
    missing_status = {k: v for k, v in valid.items() if k != "status"}
    malformed: list[tuple[bytes, str]] = [
        (b"this is not json", "application/json"),
        (b'{"status": "waiting"', "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (json.dumps([valid]).encode(), "application/json"),
        (json.dumps("waiting").encode(), "application/json"),
        (json.dumps(missing_status).encode(), "application/json"),
        (json.dumps(valid | {"status": "exploded"}).encode(), "application/json"),
        (json.dumps(valid | {"status": None}).encode(), "application/json"),
        (b"sessionId=123456789", "application/x-www-form-urlencoded"),
        (b"status=exploded", "application/x-www-form-urlencoded"),
    ]
    for data, content_type in malformed:
        status, _ = await _post(rig, url, data, content_type)
        assert status == 400, data

    await asyncio.sleep(1.0)  # room for a wrongly stored change to reach Slack

    current = rig.slack.message(CHANNEL, card.ts)
    assert current is not None
    assert (current.text, json.dumps(current.blocks), len(current.history)) == card_before
    assert [m.text for m in rig.slack.thread(CHANNEL, card.ts)] == thread_before
    writes_after = [c for c in rig.slack.calls if c.method != "conversations.open"]
    assert [(c.method, c.params) for c in writes_after] == [
        (c.method, c.params) for c in writes_before
    ]
    assert [meaningful(r) for r in await session_rows(database_url)] == rows_before

    # The real token with a real body still works afterwards.
    status, answer = await _post(rig, url, json.dumps(valid).encode(), "application/json")
    assert status == 200
    assert answer["changed"] is True


async def test_an_over_long_field_is_refused_alone(database_url: str) -> None:
    """A field longer than its column is a 400 for that callback; callbacks arriving with it
    (and sharing its group commit) are stored as usual."""
    async with quiet_rig(database_url) as rig:
        started = [await start_and_settle(rig, f"Customer{n} c{n}@example.com") for n in range(3)]
        urls = [session.callback_url for _card, session in started]
        assert all(urls)
        bodies = [
            session.info() | {"status": "waiting", "sessionId": f"90000000{n}"}
            for n, (_card, session) in enumerate(started)
        ]
        bodies[1] |= {"expertName": "E" * 201}
        answers = await asyncio.gather(
            *(
                _post(rig, str(url), json.dumps(body).encode(), "application/json")
                for url, body in zip(urls, bodies, strict=True)
            )
        )

        assert [status for status, _ in answers] == [200, 400, 200]
        assert "expertName" in answers[1][1]["error"]
        rows = {row["customer_name"]: row for row in await session_rows(database_url)}
        assert rows["Customer0"]["status"] == "waiting"
        assert rows["Customer1"]["status"] == "notStarted"
        assert rows["Customer1"]["expert_name"] is None
        assert rows["Customer2"]["status"] == "waiting"


async def test_a_leaked_callback_url_cannot_end_a_card_or_plant_links(database_url: str) -> None:
    """Whoever holds a callback URL may only nudge a card forward through the live states: an
    early "complete", a phishing join or recording link, or another session's id change
    nothing; GoToAssist's own answer (the confirming GET) decides."""
    async with quiet_rig(database_url) as rig:
        card, session = await start_and_settle(rig)
        assert session.callback_url is not None
        forged = session.info() | {
            "status": "complete",
            "sessionId": "666666666",
            "customerJoinUrl": "https://phish.example/join",
            "sessionRecordingUrl": "https://phish.example/rec",
            "notes": "call +1 555 0100 to claim your refund",
        }
        status, _ = await _post(
            rig, session.callback_url, json.dumps(forged).encode(), "application/json"
        )
        assert status == 200
        waiting = forged | {"status": "waiting"}
        status, _ = await _post(
            rig, session.callback_url, json.dumps(waiting).encode(), "application/json"
        )
        assert status == 200

        # The forged "complete" only brought the confirming GET forward: GoToAssist says the
        # session is still not started, so the card says waiting (the hint) and nothing else.
        await wait_until(
            lambda: any(r.method == "GET" for r in rig.goto.requests), what="the confirming GET"
        )
        current = await wait_status(rig, card, "waiting")
        shown = rendered(current) + "".join(m.text for m in rig.slack.thread(CHANNEL, card.ts))
        assert "phish" not in shown and "refund" not in shown
        (row,) = await session_rows(database_url)
        assert row["status"] == "waiting"
        assert row["goto_session_id"] == session.session_id
        assert row["customer_join_url"] == session.customer_join_url
        assert row["recording_url"] is None and row["notes"] is None
