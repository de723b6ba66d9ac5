"""Every event against the states it matters in: the columns, the Slack intents, the next poll."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.sessions.intents import (
    Card,
    CreationFailed,
    CreationInterrupted,
    Intent,
    JoinLink,
    Notice,
    StartLink,
    StatusReply,
    TrackingLost,
)
from bot.sessions.lifecycle import Observation
from bot.sessions.model import CreationState, Session, SessionKind
from bot.sessions.status import SessionStatus
from bot.sessions.transition import (
    KEEP,
    RETAINED_NOTHING,
    AccountGone,
    CallbackArrived,
    Created,
    CreateFailed,
    CreateInterrupted,
    Event,
    PollAnswered,
    PollFailed,
    PollSchedule,
    RetentionDue,
    applied,
    transition,
)

S = SessionStatus
T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
SCHEDULE = PollSchedule(
    young=timedelta(seconds=10),
    active=timedelta(seconds=30),
    idle=timedelta(seconds=300),
    young_for=timedelta(minutes=10),
    expire_after=timedelta(hours=24),
)
NOW = T0 + timedelta(minutes=1)
LATE = T0 + timedelta(minutes=20)  # past young_for
EXPIRY = T0 + timedelta(hours=24)


def _session(**changes: Any) -> Session:
    base = Session(
        id="s1",
        team_id="T1",
        channel_id="C1",
        requester_id="U1",
        kind=SessionKind.ATTENDED,
        status=S.NOT_STARTED,
        creation=CreationState.CREATED,
        created_at=T0,
        goto_session_id="111",
        customer_join_url="https://join.example/1",
    )
    return dataclasses.replace(base, **changes)


PENDING = _session(creation=CreationState.PENDING, goto_session_id=None, customer_join_url=None)
CREATED = Created(
    session_token_enc="tok",
    launch_url_enc="enc",
    goto_session_id="111",
    customer_join_url="https://join.example/1",
)
WAITING = Observation(S.WAITING, expert_name="Ann")
COMPLETE = Observation(S.COMPLETE, notes="fixed")


Row = tuple[str, Session, Event, datetime, dict[str, Any], tuple[Intent, ...], object]

ROWS: list[Row] = [
    (
        "created: card, join link, start link; first poll when young",
        PENDING,
        CREATED,
        NOW,
        {
            "creation": CreationState.CREATED,
            "session_token_enc": "tok",
            "launch_url_enc": "enc",
            "goto_session_id": "111",
            "customer_join_url": "https://join.example/1",
            "updated_at": NOW,
        },
        (Card(), JoinLink(), StartLink()),
        NOW + SCHEDULE.young,
    ),
    (
        "created without a join link, already waiting",
        PENDING,
        dataclasses.replace(CREATED, customer_join_url=None, status=S.WAITING),
        NOW,
        {
            "creation": CreationState.CREATED,
            "session_token_enc": "tok",
            "launch_url_enc": "enc",
            "goto_session_id": "111",
            "customer_join_url": None,
            "updated_at": NOW,
            "status": S.WAITING,
        },
        (Card(), StartLink()),
        NOW + SCHEDULE.young,
    ),
    ("created twice changes nothing", _session(), CREATED, NOW, {}, (), KEEP),
    (
        "create failed: a private notice with the reason",
        PENDING,
        CreateFailed("quota"),
        NOW,
        {"creation": CreationState.FAILED, "callback_token_hash": None, "updated_at": NOW},
        (Notice(CreationFailed("quota")),),
        KEEP,
    ),
    (
        "create interrupted",
        PENDING,
        CreateInterrupted(),
        NOW,
        {"creation": CreationState.FAILED, "callback_token_hash": None, "updated_at": NOW},
        (Notice(CreationInterrupted()),),
        KEEP,
    ),
    ("create failed after it was settled", _session(), CreateFailed("x"), NOW, {}, (), KEEP),
    (
        "callback moves the status: card, reply; next poll at the active interval",
        _session(),
        CallbackArrived(WAITING),
        NOW,
        {"status": S.WAITING, "expert_name": "Ann", "updated_at": NOW},
        (Card(), StatusReply(S.WAITING)),
        NOW + SCHEDULE.active,
    ),
    (
        "a callback moves the card on but its links and ids are not taken",
        _session(customer_join_url=None),
        CallbackArrived(
            Observation(
                S.WAITING,
                customer_join_url="https://phish/2",
                goto_session_id="999",
                recording_url="https://phish/r",
            )
        ),
        NOW,
        {"status": S.WAITING, "updated_at": NOW},
        (Card(), StatusReply(S.WAITING)),
        NOW + SCHEDULE.active,
    ),
    (
        "callback with a detail only: stored, shown at the next status edit",
        _session(status=S.WAITING),
        CallbackArrived(Observation(S.WAITING, expert_name="Bob")),
        NOW,
        {"expert_name": "Bob", "updated_at": NOW},
        (),
        KEEP,
    ),
    (
        "duplicate callback changes nothing",
        _session(status=S.WAITING, expert_name="Ann"),
        CallbackArrived(WAITING),
        NOW,
        {},
        (),
        KEEP,
    ),
    (
        "terminal callback ends nothing itself: it brings the confirming GET forward",
        _session(status=S.ACTIVE),
        CallbackArrived(COMPLETE),
        NOW,
        {},
        (),
        NOW + SCHEDULE.confirm_after,
    ),
    (
        "terminal poll answer: start link erased, polling stops",
        _session(status=S.ACTIVE),
        PollAnswered(COMPLETE),
        NOW,
        {
            "poll_lease_until": None,
            "status": S.COMPLETE,
            "notes": "fixed",
            "updated_at": NOW,
            "launch_url_enc": None,
            "session_token_enc": None,
            "session_token": None,
            "poll_failures": 0,
        },
        (Card(), StatusReply(S.COMPLETE)),
        None,
    ),
    (
        "a callback after the end changes nothing",
        _session(status=S.COMPLETE),
        CallbackArrived(Observation(S.COMPLETE, recording_url="https://phish/1")),
        NOW,
        {},
        (),
        KEEP,
    ),
    (
        "late detail after the end from GoToAssist: the card shows it at once",
        _session(status=S.COMPLETE),
        PollAnswered(Observation(S.COMPLETE, recording_url="https://r/1")),
        NOW,
        {
            "poll_lease_until": None,
            "recording_url": "https://r/1",
            "updated_at": NOW,
            "poll_failures": 0,
        },
        (Card(),),
        None,
    ),
    (
        "poll answer moves the status; failures reset",
        _session(poll_failures=2),
        PollAnswered(WAITING),
        NOW,
        {
            "poll_lease_until": None,
            "status": S.WAITING,
            "expert_name": "Ann",
            "updated_at": NOW,
            "poll_failures": 0,
        },
        (Card(), StatusReply(S.WAITING)),
        NOW + SCHEDULE.active,
    ),
    (
        "poll answer, nothing new, young session",
        _session(),
        PollAnswered(Observation(S.NOT_STARTED)),
        NOW,
        {"poll_lease_until": None, "poll_failures": 0},
        (),
        NOW + SCHEDULE.young,
    ),
    (
        "poll answer, nothing new, idle session",
        _session(),
        PollAnswered(Observation(S.NOT_STARTED)),
        LATE,
        {"poll_lease_until": None, "poll_failures": 0},
        (),
        LATE + SCHEDULE.idle,
    ),
    (
        "poll answer terminal: polling stops",
        _session(status=S.ACTIVE),
        PollAnswered(COMPLETE),
        NOW,
        {
            "poll_lease_until": None,
            "status": S.COMPLETE,
            "notes": "fixed",
            "updated_at": NOW,
            "launch_url_enc": None,
            "session_token_enc": None,
            "session_token": None,
            "poll_failures": 0,
        },
        (Card(), StatusReply(S.COMPLETE)),
        None,
    ),
    (
        "poll confirms a terminal callback: polling stops",
        _session(status=S.COMPLETE, notes="fixed"),
        PollAnswered(COMPLETE),
        NOW,
        {"poll_lease_until": None, "poll_failures": 0},
        (),
        None,
    ),
    (
        "first poll failure doubles the interval",
        _session(status=S.WAITING),
        PollFailed(),
        NOW,
        {"poll_lease_until": None, "poll_failures": 1},
        (),
        NOW + 2 * SCHEDULE.active,
    ),
    (
        "poll failures stretch at most x8",
        _session(status=S.WAITING, poll_failures=5),
        PollFailed(),
        NOW,
        {"poll_lease_until": None, "poll_failures": 6},
        (),
        NOW + 8 * SCHEDULE.active,
    ),
    (
        "expiry: never started after expire_after",
        _session(),
        PollAnswered(Observation(S.NOT_STARTED)),
        EXPIRY,
        {
            "poll_lease_until": None,
            "poll_failures": 0,
            "expired": True,
            "updated_at": EXPIRY,
            "launch_url_enc": None,
            "session_token_enc": None,
            "session_token": None,
        },
        (Card(), StatusReply(S.NOT_STARTED)),
        None,
    ),
    (
        "expiry also when the poll fails",
        _session(),
        PollFailed(),
        EXPIRY,
        {
            "poll_lease_until": None,
            "poll_failures": 1,
            "expired": True,
            "updated_at": EXPIRY,
            "launch_url_enc": None,
            "session_token_enc": None,
            "session_token": None,
        },
        (Card(), StatusReply(S.NOT_STARTED)),
        None,
    ),
    (
        "a waiting session does not expire",
        _session(status=S.WAITING),
        PollAnswered(Observation(S.WAITING)),
        EXPIRY,
        {"poll_lease_until": None, "poll_failures": 0},
        (),
        EXPIRY + SCHEDULE.active,
    ),
    (
        "account gone: tracking lost, said once on the card and in a DM",
        _session(status=S.WAITING),
        AccountGone(),
        NOW,
        {"poll_lease_until": None, "poll_failures": 1, "tracking_lost": True, "updated_at": NOW},
        (Card(), Notice(TrackingLost(), dm=True)),
        None,
    ),
    (
        "account gone again: nothing more to say",
        _session(status=S.WAITING, tracking_lost=True),
        AccountGone(),
        NOW,
        {"poll_lease_until": None, "poll_failures": 1},
        (),
        None,
    ),
    (
        "the shared account gone is a failed poll",
        _session(status=S.WAITING, shared_account=True),
        AccountGone(),
        NOW,
        {"poll_lease_until": None, "poll_failures": 1},
        (),
        NOW + 2 * SCHEDULE.active,
    ),
    (
        "account gone after the end: polling just stops",
        _session(status=S.COMPLETE),
        AccountGone(),
        NOW,
        {"poll_lease_until": None, "poll_failures": 1},
        (),
        None,
    ),
    (
        "retention: an ended session past the cutoff loses its details; its card says so",
        _session(status=S.COMPLETE, updated_at=T0, card_ts="1.2", notes="n"),
        RetentionDue(cutoff=T0 + timedelta(seconds=1)),
        NOW,
        {**RETAINED_NOTHING, "details_removed_at": NOW},
        (Card(),),
        None,
    ),
    (
        "retention: a failed start (no card) is erased without a Slack write",
        _session(creation=CreationState.FAILED, updated_at=T0),
        RetentionDue(cutoff=NOW),
        NOW,
        {**RETAINED_NOTHING, "details_removed_at": NOW},
        (),
        None,
    ),
    (
        "retention: a session that ended after the cutoff keeps its details",
        _session(status=S.COMPLETE, updated_at=NOW),
        RetentionDue(cutoff=NOW),
        NOW,
        {},
        (),
        KEEP,
    ),
    (
        "retention: a live session keeps everything, however old",
        _session(status=S.ACTIVE, updated_at=T0),
        RetentionDue(cutoff=NOW),
        NOW,
        {},
        (),
        KEEP,
    ),
    (
        "retention: erased once; a second sweep changes nothing",
        _session(status=S.ABANDONED, updated_at=T0, details_removed_at=T0),
        RetentionDue(cutoff=NOW),
        NOW,
        {},
        (),
        KEEP,
    ),
]


@pytest.mark.parametrize(
    ("session", "event", "now", "values", "intents", "next_poll"),
    [pytest.param(*row[1:], id=row[0]) for row in ROWS],
)
def test_transition(
    session: Session,
    event: Event,
    now: datetime,
    values: dict[str, Any],
    intents: tuple[Intent, ...],
    next_poll: object,
) -> None:
    result = transition(session, event, now, SCHEDULE)
    assert result.values == values
    assert result.intents == intents
    assert result.next_poll_at == next_poll


def test_applied_gives_the_stored_session() -> None:
    result = transition(_session(), CallbackArrived(WAITING), NOW, SCHEDULE)
    after = applied(_session(), result)
    assert after.status is S.WAITING and after.expert_name == "Ann"


def test_only_a_terminal_callback_marks_its_poll_as_a_confirmation() -> None:
    live = _session(status=S.ACTIVE)
    assert transition(live, CallbackArrived(COMPLETE), NOW, SCHEDULE).confirm
    assert not transition(live, CallbackArrived(WAITING), NOW, SCHEDULE).confirm
    assert not transition(live, PollAnswered(COMPLETE), NOW, SCHEDULE).confirm
    ended = _session(status=S.COMPLETE)
    assert not transition(ended, CallbackArrived(COMPLETE), NOW, SCHEDULE).confirm
