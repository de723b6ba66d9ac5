"""Rendering App Home, its modals and the technician's DMs (bot/slack/home.py)."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

from bot.sessions.status import SessionStatus
from bot.sessions.surfaces import HomeData, SessionFacts, Switches
from bot.slack.home import (
    HOME_MAX_BLOCKS,
    render_ended_dm,
    render_home,
    render_joined_dm,
    render_start_link_modal,
)

from .blockkit import assert_mrkdwn_safe, assert_valid_message
from .test_blocks import LAUNCH_URL, NASTY, NASTY_ESCAPED, NOW, ended, session

WORKSPACE = "https://acme.slack.com/"


def data(**changes: object) -> HomeData:
    base = HomeData(
        live=[session(card_channel="C1", card_ts="1764288000.000100")],
        ended=[ended(card_channel="C1", card_ts="1764288000.000200")],
        team=[
            SessionFacts("U999", SessionStatus.COMPLETE, NOW - timedelta(hours=3)),
            SessionFacts("U777", SessionStatus.ABANDONED, NOW - timedelta(days=1)),
        ],
        switches=Switches(),
        linked_as=None,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def texts(view: dict[str, object]) -> str:
    return json.dumps(view, ensure_ascii=False)


def test_home_shows_live_recent_team_account_and_switches() -> None:
    view = render_home(data(), NOW, workspace_url=WORKSPACE, linking=True)
    assert view["type"] == "home"
    shown = texts(view)
    for part in ("Your live sessions", "Recent", "Team, last 7 days", "Your GoTo account"):
        assert part in shown
    assert "https://acme.slack.com/archives/C1/p1764288000000100" in shown  # the live card
    assert "https://acme.slack.com/archives/C1/p1764288000000200" in shown  # the ended one
    assert "{ago}" in shown and "so far" not in shown
    assert "*Started:* 2" in shown and "*Abandoned:* 1" in shown
    assert "<@U777>" in shown  # the per-technician table
    assert "home_login" in shown  # not linked: the sign-in button
    assert "DM me when the customer joins: *on*" in shown
    assert "DM me when a session ends: *on*" in shown


def test_home_never_holds_a_start_link_or_a_secret() -> None:
    view = render_home(data(), NOW, workspace_url=WORKSPACE, linking=True)
    shown = texts(view)
    assert LAUNCH_URL not in shown
    assert "SESSION-TOKEN-SECRET" not in shown
    assert "home_start_link" in shown  # the button carries the session id only


def test_home_escapes_customer_names() -> None:
    nasty = data(
        live=[session(customer_name=NASTY)], ended=[ended(customer_name=NASTY, notes=NASTY)]
    )
    shown = texts(render_home(nasty, NOW))
    assert NASTY not in shown
    assert NASTY_ESCAPED in shown


def test_home_linked_switched_off_and_within_the_block_limit() -> None:
    many = data(
        live=[session(id=f"{i:032x}") for i in range(40)],
        ended=[ended(id=f"{i + 100:032x}") for i in range(20)],
        switches=Switches(join_dm=False, end_dm=True),
        linked_as="tech@example.com",
    )
    view = render_home(many, NOW, linking=True)
    assert len(view["blocks"]) <= HOME_MAX_BLOCKS  # type: ignore[arg-type]
    shown = texts(view)
    assert "Linked as *tech@example.com*" in shown
    assert "DM me when the customer joins: *off*" in shown
    assert '"value": "join_dm:on"' in shown


def test_no_start_link_button_before_gotoassist_created_the_session() -> None:
    from bot.sessions.model import CreationState

    pending = data(live=[session(creation=CreationState.PENDING)])
    shown = texts(render_home(pending, NOW))
    assert "home_start_link" not in shown and "being created" in shown


def test_empty_home_says_so() -> None:
    shown = texts(render_home(data(live=[], ended=[], team=[]), NOW))
    assert "No live sessions" in shown and "No ended sessions yet" in shown
    assert "shared GoToAssist account" in shown  # no per-technician linking configured


def test_start_link_modal_for_the_technician() -> None:
    modal = render_start_link_modal(session(), LAUNCH_URL)
    assert modal["type"] == "modal" and LAUNCH_URL in texts(modal)
    gone = render_start_link_modal(session(), None)
    assert "no longer available" in texts(gone)


def test_dms_name_the_customer_and_link_the_card() -> None:
    live = session(card_channel="C1", card_ts="1764288000.000100", customer_name=NASTY)
    joined = render_joined_dm(live, WORKSPACE)
    assert joined.text.endswith(" joined your session.")
    assert "archives/C1/p1764288000000100" in json.dumps(joined.blocks)
    assert NASTY not in json.dumps(joined.blocks)
    done = render_ended_dm(
        ended(
            card_channel="C1",
            card_ts="1764288000.000100",
            notes="rebooted",
            recording_url="https://rec.example.com/1",
        ),
        WORKSPACE,
    )
    assert done.text.startswith("Your session with ") and done.text.endswith(" ended.")
    body = json.dumps(done.blocks)
    assert "rebooted" in body and "https://rec.example.com/1" in body
    assert "complete" in body and "1 h 05 min" in body
    assert LAUNCH_URL not in body
    for message in (joined, done):
        assert_valid_message(message)
        assert_mrkdwn_safe(message)
