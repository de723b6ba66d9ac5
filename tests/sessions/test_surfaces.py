"""The rules behind App Home and the technician's DMs (bot/sessions/surfaces.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.sessions.intents import (
    Card,
    DmKind,
    HomeRefresh,
    JoinLink,
    StartLink,
    StatusReply,
    TechnicianDm,
)
from bot.sessions.model import SessionKind
from bot.sessions.status import SessionStatus
from bot.sessions.surfaces import (
    CHART_DAYS,
    SessionFacts,
    bar,
    card_permalink,
    owed_on_change,
    publish_due,
    team_figures,
)

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
TECH = "UTECH1"


def test_a_status_change_refreshes_the_technicians_home_once() -> None:
    owed = owed_on_change(
        SessionKind.ATTENDED,
        TECH,
        [Card(), StatusReply(SessionStatus.WAITING), StatusReply(SessionStatus.WAITING)],
    )
    assert owed == [HomeRefresh(TECH)]


def test_a_new_session_refreshes_the_technicians_home() -> None:
    owed = owed_on_change(SessionKind.ATTENDED, TECH, [Card(), JoinLink(), StartLink()])
    assert owed == [HomeRefresh(TECH)]


def test_a_detail_without_a_status_change_owes_nothing() -> None:
    assert owed_on_change(SessionKind.ATTENDED, TECH, [Card(), JoinLink()]) == []


def test_the_customer_joining_and_the_end_owe_a_dm_each() -> None:
    joined = owed_on_change(SessionKind.ATTENDED, TECH, [StatusReply(SessionStatus.ACTIVE)])
    assert joined == [HomeRefresh(TECH), TechnicianDm(DmKind.JOINED)]
    ended = owed_on_change(SessionKind.ATTENDED, TECH, [StatusReply(SessionStatus.COMPLETE)])
    assert ended == [HomeRefresh(TECH), TechnicianDm(DmKind.ENDED)]
    abandoned = owed_on_change(SessionKind.ATTENDED, TECH, [StatusReply(SessionStatus.ABANDONED)])
    assert abandoned == [HomeRefresh(TECH), TechnicianDm(DmKind.ENDED)]


def test_no_join_dm_for_an_unattended_session_and_none_for_an_expiry() -> None:
    unattended = owed_on_change(SessionKind.UNATTENDED, TECH, [StatusReply(SessionStatus.ACTIVE)])
    assert unattended == [HomeRefresh(TECH)]
    expired = owed_on_change(
        SessionKind.ATTENDED, TECH, [StatusReply(SessionStatus.NOT_STARTED)], expired=True
    )
    assert expired == [HomeRefresh(TECH)]


def test_a_home_is_published_no_sooner_than_the_period_after_the_last() -> None:
    every = timedelta(seconds=5)
    assert publish_due(None, NOW, every) == NOW
    assert publish_due(NOW - timedelta(seconds=2), NOW, every) == NOW + timedelta(seconds=3)
    assert publish_due(NOW - timedelta(seconds=9), NOW, every) == NOW


def test_card_permalinks_are_written_as_slack_writes_them() -> None:
    base = "https://acme.slack.com/"
    assert card_permalink(base, "C1", "1764288000.000100") == (
        "https://acme.slack.com/archives/C1/p1764288000000100"
    )
    assert card_permalink(base, "C1", "1764288000.000200", "1764288000.000100") == (
        "https://acme.slack.com/archives/C1/p1764288000000200?thread_ts=1764288000.000100&cid=C1"
    )
    assert card_permalink("", "C1", "1.2") is None
    assert card_permalink(base, None, "1.2") is None


def _fact(
    who: str,
    status: SessionStatus,
    days_ago: float,
    *,
    join_after_s: float | None = None,
    duration_s: float | None = None,
    failed: bool = False,
) -> SessionFacts:
    created = NOW - timedelta(days=days_ago)
    started = created + timedelta(seconds=30)
    return SessionFacts(
        requester_id=who,
        status=status,
        created_at=created,
        started_at=started if duration_s is not None else None,
        customer_joined_at=(
            created + timedelta(seconds=join_after_s) if join_after_s is not None else None
        ),
        ended_at=started + timedelta(seconds=duration_s) if duration_s is not None else None,
        failed=failed,
    )


def test_team_figures_on_a_known_fixture() -> None:
    facts = [
        _fact("UA", SessionStatus.COMPLETE, 1, join_after_s=60, duration_s=600),
        _fact("UA", SessionStatus.COMPLETE, 2, join_after_s=120, duration_s=1200),
        _fact("UA", SessionStatus.ABANDONED, 3, duration_s=0),
        _fact("UB", SessionStatus.ACTIVE, 0.01, join_after_s=300),
        _fact("UB", SessionStatus.WAITING, 0.02),
        _fact("UB", SessionStatus.COMPLETE, 10, join_after_s=10, duration_s=60),  # > 7 days
        _fact("UC", SessionStatus.NOT_STARTED, 1, failed=True),  # never created: not counted
    ]
    team = team_figures(facts, NOW)
    assert team.started == 5
    assert team.reached_active == 3  # two complete with a join, one active
    assert team.active_share == 3 / 5
    assert team.median_to_join == timedelta(seconds=120)  # of 60, 120, 300
    assert team.median_duration == timedelta(seconds=600)  # of 0, 600, 1200
    assert team.abandoned == 1
    by_user = {t.user_id: t for t in team.technicians}
    assert [t.user_id for t in team.technicians] == ["UA", "UB"]
    assert (by_user["UA"].started, by_user["UA"].reached_active, by_user["UA"].abandoned) == (
        3,
        2,
        1,
    )
    assert by_user["UA"].median_duration == timedelta(seconds=600)
    assert by_user["UB"].median_duration is None
    assert len(team.per_day) == CHART_DAYS
    assert sum(count for _day, count in team.per_day) == 6  # the 10-day-old one too
    assert team.per_day[-1] == (NOW.replace(hour=0), 2)  # today


def test_no_sessions_no_figures() -> None:
    team = team_figures([], NOW)
    assert team.started == 0 and team.active_share is None
    assert team.median_to_join is None and team.median_duration is None
    assert all(count == 0 for _day, count in team.per_day)


def test_bars_scale_to_the_busiest_day() -> None:
    assert bar(0, 10) == ""
    assert bar(10, 10) == "█" * 20
    assert bar(5, 10) == "█" * 10
    assert bar(1, 1000) == "█"  # any count shows
