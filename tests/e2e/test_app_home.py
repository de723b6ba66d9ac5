"""App Home over real HTTP: what a technician sees (theirs only, never a start link), its
refresh after a status change (through the outbox, at most once per HOME_REFRESH_S), the
Start link button that answers only the session's technician, and the DM switches."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from sandbox.harness import Rig, wait_until
from sandbox.slack import payloads
from tests.e2e.helpers import (
    CHANNEL,
    OTHER,
    TECH,
    post_signed,
    quiet_rig,
    session_id_on,
    start_and_settle,
    wait_status,
)


def home_text(rig: Rig, user: str = TECH) -> str:
    view = rig.slack.home_views.get(user)
    return json.dumps(view["blocks"], ensure_ascii=False) if view else ""


def home_section(rig: Rig, prefix: str, user: str = TECH) -> str:
    view = rig.slack.home_views.get(user) or {"blocks": []}
    return json.dumps(
        [b for b in view["blocks"] if str(b.get("block_id", "")).startswith(prefix)],
        ensure_ascii=False,
    )


async def open_home(rig: Rig, user: str = TECH) -> None:
    before = len(rig.slack.calls_to("views.publish"))
    status, _ = await post_signed(rig, payloads.app_home_opened(user))
    assert status == 200
    await wait_until(
        lambda: len(rig.slack.calls_to("views.publish")) > before, what=f"{user}'s Home"
    )


def home_click(user: str, action_id: str, value: str) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": "T0SANDBOX", "domain": "sandbox"},
        "user": {"id": user, "username": user.lower(), "team_id": "T0SANDBOX"},
        "api_app_id": "A0SANDBOX",
        "token": "legacy-verification-token",
        "container": {"type": "view", "view_id": "VHOME"},
        "trigger_id": f"trigger-{time.monotonic_ns()}",
        "view": {"id": "VHOME", "type": "home", "blocks": [], "private_metadata": ""},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b",
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


async def test_home_shows_the_viewers_sessions_only_and_never_a_start_link(
    database_url: str,
) -> None:
    async with quiet_rig(database_url, home_refresh_s=0.2) as rig:
        live_card, live = await start_and_settle(rig, "Lena Live lena@example.com #11")
        ended_card, ended = await start_and_settle(rig, "Eddie Ended eddie@example.com #12")
        rig.goto.start_session(ended.session_token)
        await wait_status(rig, ended_card, "waiting")
        rig.goto.join_session(ended.session_token)
        await wait_status(rig, ended_card, "active")
        rig.goto.end_session(ended.session_token, notes="printer fixed")
        await wait_status(rig, ended_card, "complete")
        _other_card, other = await start_and_settle(
            rig, "Olive Other olive@example.com #13", user=OTHER
        )

        await open_home(rig)
        await wait_until(lambda: "Eddie Ended" in home_section(rig, "home_recent"))
        live_part = home_section(rig, "home_live")
        assert "Lena Live" in live_part and "not started" in live_part
        assert "Eddie Ended" not in live_part
        assert "<!date^" in live_part and "{ago}" in live_part  # times that age by themselves
        assert "/archives/" + CHANNEL + "/p" + live_card.ts.replace(".", "") in live_part
        recent = home_section(rig, "home_recent")
        assert "complete" in recent
        assert "Olive Other" not in home_text(rig)  # someone else's session
        # Team figures count the others' sessions too, without naming their customers.
        assert f"<@{OTHER}>" in home_section(rig, "home_team_table")
        assert "*Started:* 3" in home_section(rig, "home_team_summary")
        assert "*Abandoned:* 0" in home_section(rig, "home_team_summary")
        # The Start link button carries our session id, never the link.
        assert session_id_on(live_card) in live_part
        for view in rig.slack.home_views.values():
            shown = json.dumps(view, ensure_ascii=False)
            for session in (live, ended, other):
                assert session.launch_url not in shown

        # OTHER opens their Home: theirs, not TECH's.
        await open_home(rig, OTHER)
        assert "Olive Other" in home_text(rig, OTHER)
        assert "Lena Live" not in home_text(rig, OTHER)


async def test_home_start_link_answers_only_the_sessions_technician(sqlite_url: str) -> None:
    async with quiet_rig(sqlite_url) as rig:
        card, session = await start_and_settle(rig, "Sam Start sam@example.com")
        await open_home(rig)
        session_id = session_id_on(card)

        before = set(rig.slack.views)
        click = payloads.interactive(home_click(OTHER, "home_start_link", session_id))
        assert (await post_signed(rig, click))[0] == 200
        await wait_until(lambda: bool(set(rig.slack.views) - before), what="the answer to OTHER")
        (answer,) = [rig.slack.views[v] for v in set(rig.slack.views) - before]
        assert session.launch_url not in json.dumps(answer)
        assert "Only" in json.dumps(answer)

        before = set(rig.slack.views)
        click = payloads.interactive(home_click(TECH, "home_start_link", session_id))
        assert (await post_signed(rig, click))[0] == 200
        await wait_until(lambda: bool(set(rig.slack.views) - before), what="the answer to TECH")
        (answer,) = [rig.slack.views[v] for v in set(rig.slack.views) - before]
        assert answer["type"] == "modal"
        assert session.launch_url in json.dumps(answer)
        # The modal is the clicker's alone; the Home views never held the link.
        for view in rig.slack.home_views.values():
            assert session.launch_url not in json.dumps(view)


async def test_home_is_refreshed_after_a_status_change_at_most_once_per_period(
    sqlite_url: str,
) -> None:
    period = 1.5
    async with quiet_rig(sqlite_url, home_refresh_s=period) as rig:
        card, session = await start_and_settle(rig, "Rita Refresh rita@example.com")
        await open_home(rig)
        assert "not started" in home_section(rig, "home_live")
        published = len(rig.slack.calls_to("views.publish"))

        # Two changes inside one period: one refresh, no sooner than the period allows.
        rig.goto.start_session(session.session_token)
        await wait_status(rig, card, "waiting")
        rig.goto.join_session(session.session_token)
        await wait_status(rig, card, "active")
        await wait_until(
            lambda: "active" in home_section(rig, "home_live"), what="the refreshed Home"
        )
        calls = rig.slack.calls_to("views.publish")
        assert len(calls) == published + 1, "the two changes were not coalesced"
        gaps = [b.at - a.at for a, b in itertools.pairwise(calls)]
        assert all(gap >= period * 0.95 for gap in gaps), gaps


async def test_join_and_end_dms_and_their_switches(sqlite_url: str) -> None:
    async with quiet_rig(sqlite_url, home_refresh_s=0.1) as rig:
        card, session = await start_and_settle(rig, "Dora Dm dora@example.com")
        rig.goto.start_session(session.session_token)
        await wait_status(rig, card, "waiting")
        rig.goto.join_session(session.session_token)
        await wait_status(rig, card, "active")
        await wait_until(
            lambda: any("joined your session" in m.text for m in rig.slack.dms(TECH)),
            what="the joined DM",
        )
        joined = next(m for m in rig.slack.dms(TECH) if "joined your session" in m.text)
        assert "Dora Dm" in joined.text
        assert "/archives/" + CHANNEL in json.dumps(joined.blocks)  # a link to the card
        rig.goto.end_session(session.session_token, notes="all good now")
        await wait_status(rig, card, "complete")
        await wait_until(
            lambda: any("ended" in m.text for m in rig.slack.dms(TECH)), what="the ended DM"
        )
        ended = next(m for m in rig.slack.dms(TECH) if "ended" in m.text)
        assert "all good now" in json.dumps(ended.blocks)
        for dm in rig.slack.dms(TECH):  # DMs of status carry no start link
            if "start link" not in dm.text.lower():
                assert session.launch_url not in json.dumps(dm.blocks)

        # Switched off in Home: neither DM comes for the next session.
        await open_home(rig)
        for which in ("join_dm", "end_dm"):
            body = payloads.interactive(home_click(TECH, "home_switch", f"{which}:off"))
            assert (await post_signed(rig, body))[0] == 200
        await wait_until(lambda: home_text(rig).count("*off*") == 2, what="the switches off")
        before = len(rig.slack.dms(TECH))
        card2, session2 = await start_and_settle(rig, "Quinn Quiet quinn@example.com")
        before = len(rig.slack.dms(TECH))  # the new start link DM is expected
        rig.goto.start_session(session2.session_token)
        rig.goto.join_session(session2.session_token)
        await wait_status(rig, card2, "active")
        rig.goto.end_session(session2.session_token)
        await wait_status(rig, card2, "complete")
        await wait_until(lambda: "Quinn Quiet" in home_section(rig, "home_recent"))
        assert len(rig.slack.dms(TECH)) == before


async def test_a_dm_slack_fails_is_tried_again_not_lost(sqlite_url: str) -> None:
    """The joined DM answered 503 once: the outbox's own retry rules apply, as for every
    write, and the DM arrives once."""
    async with quiet_rig(sqlite_url, home_refresh_s=0.1) as rig:
        card, session = await start_and_settle(rig, "Rita Retry rita@example.com")
        rig.goto.start_session(session.session_token)
        await wait_status(rig, card, "waiting")
        rig.slack.fail_next("chat.postMessage", 503)  # the DM goes first of what joining owes
        rig.goto.join_session(session.session_token)
        await wait_until(
            lambda: any("joined your session" in m.text for m in rig.slack.dms(TECH)),
            within=20,
            what="the joined DM, after the retry",
        )
        failed = [c for c in rig.slack.calls_to("chat.postMessage") if c.status == 503]
        assert [c.params["channel"] for c in failed] == [TECH]
        joined = [m for m in rig.slack.dms(TECH) if "joined your session" in m.text]
        assert len(joined) == 1
        await wait_status(rig, card, "active")
