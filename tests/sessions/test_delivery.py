"""The delivery rules: lanes, what waits for what, and coalesced status replies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.sessions.delivery import Lane, Owed, covering, lane_of, pick, plan
from bot.sessions.intents import (
    Card,
    DmKind,
    HomeRefresh,
    JoinLink,
    Notice,
    StartLink,
    StatusReply,
    TechnicianDm,
    TrackingLost,
)
from bot.sessions.status import SessionStatus as S

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(seconds=5)


@pytest.mark.parametrize(
    ("intent", "card_posted", "lane"),
    [
        (Card(), False, Lane.NEW_CARD),
        (Card(), True, Lane.CARD_EDIT),
        (StartLink(), False, Lane.PRIVATE),
        (Notice(TrackingLost()), True, Lane.PRIVATE),
        (JoinLink(), True, Lane.JOIN_LINK),
        (StatusReply(S.ACTIVE), True, Lane.STATUS),
        (TechnicianDm(DmKind.JOINED), True, Lane.PRIVATE),
        (HomeRefresh("U1"), True, Lane.HOME),
        (None, True, Lane.PRIVATE),
    ],
)
def test_lanes(intent: object, card_posted: bool, lane: Lane) -> None:
    assert lane_of(intent, card_posted=card_posted) is lane  # type: ignore[arg-type]


def _ids(owed: list[Owed]) -> tuple[tuple[int, ...], datetime | None]:
    result = plan(owed, NOW)
    return tuple(w.id for w in result.ready), result.until


def test_new_card_then_start_link_then_edit_then_join_then_status_oldest_first() -> None:
    owed = [
        Owed(1, Lane.STATUS, NOW),
        Owed(2, Lane.JOIN_LINK, NOW),
        Owed(3, Lane.STATUS, NOW),
        Owed(4, Lane.PRIVATE, NOW),
        Owed(5, Lane.NEW_CARD, NOW),
    ]
    assert _ids(owed) == ((5, 4, 2, 1, 3), None)
    edits = [Owed(1, Lane.STATUS, NOW), Owed(2, Lane.CARD_EDIT, NOW)]
    assert _ids(edits) == ((2, 1), None)


def test_a_home_refresh_goes_last_and_one_not_yet_due_holds_nothing() -> None:
    owed = [Owed(1, Lane.HOME, NOW), Owed(2, Lane.STATUS, NOW), Owed(3, Lane.PRIVATE, NOW)]
    assert _ids(owed) == ((3, 2, 1), None)
    waiting = [Owed(1, Lane.HOME, LATER), Owed(2, Lane.JOIN_LINK, NOW), Owed(3, Lane.STATUS, NOW)]
    assert _ids(waiting) == ((2, 3), LATER)


@pytest.mark.parametrize(
    ("owed", "expected"),
    [
        # A thread reply waiting for a retry holds the thread behind it, not the rest.
        (
            [
                Owed(1, Lane.JOIN_LINK, LATER),
                Owed(2, Lane.STATUS, NOW),
                Owed(3, Lane.CARD_EDIT, NOW),
            ],
            ((3,), LATER),
        ),
        # A new card waiting for a retry holds its thread; the start link still goes.
        (
            [
                Owed(1, Lane.NEW_CARD, LATER),
                Owed(2, Lane.JOIN_LINK, NOW),
                Owed(3, Lane.PRIVATE, NOW),
            ],
            ((3,), LATER),
        ),
        # A card edit or a start link waiting holds nothing.
        (
            [
                Owed(1, Lane.CARD_EDIT, LATER),
                Owed(2, Lane.PRIVATE, LATER),
                Owed(3, Lane.STATUS, NOW),
            ],
            ((3,), LATER),
        ),
        # A parked write holds nothing and sets no time to come back.
        (
            [Owed(1, Lane.JOIN_LINK, LATER, parked=True), Owed(2, Lane.STATUS, NOW)],
            ((2,), None),
        ),
    ],
)
def test_order_is_kept_only_where_it_matters(
    owed: list[Owed], expected: tuple[tuple[int, ...], datetime | None]
) -> None:
    assert _ids(owed) == expected


@pytest.mark.parametrize(
    ("statuses", "named"),
    [
        ([S.WAITING], (S.WAITING,)),
        ([S.ACTIVE, S.WAITING, S.COMPLETE], (S.WAITING, S.ACTIVE, S.COMPLETE)),
        ([S.WAITING, S.WAITING, S.ABANDONED], (S.WAITING, S.ABANDONED)),
        ([S.NOT_STARTED, S.WAITING], (S.NOT_STARTED, S.WAITING)),
    ],
)
def test_one_reply_for_several_statuses_names_every_one(
    statuses: list[S], named: tuple[S, ...]
) -> None:
    assert covering(statuses) == named


@pytest.mark.parametrize(
    ("deferred", "picked"),
    [
        (set(), 1),
        ({1}, 2),  # the card waits for its channel: the start link goes
        ({1, 2}, 4),  # ... and nothing of its thread passes it (3 is its join link)
        ({1, 2, 4}, None),
    ],
)
def test_a_write_waiting_for_a_busy_budget_does_not_hold_the_others(
    deferred: set[int], picked: int | None
) -> None:
    ready = plan(
        [
            Owed(1, Lane.NEW_CARD, NOW),
            Owed(2, Lane.PRIVATE, NOW),
            Owed(3, Lane.JOIN_LINK, NOW),
            Owed(4, Lane.PRIVATE, NOW),
        ],
        NOW,
    ).ready
    chosen = pick(ready, deferred)
    assert (chosen.id if chosen else None) == picked
