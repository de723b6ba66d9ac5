"""Lifecycle rules: never backwards, duplicates change nothing, any order ends the same."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime, timedelta

import pytest

from bot.sessions.lifecycle import Observation, observe
from bot.sessions.model import CreationState, Session, SessionKind
from bot.sessions.status import SessionStatus, advance

S = SessionStatus
T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _session(status: SessionStatus = S.NOT_STARTED) -> Session:
    return Session(
        id="s1",
        team_id="T1",
        channel_id="C1",
        requester_id="U1",
        kind=SessionKind.ATTENDED,
        status=status,
        creation=CreationState.CREATED,
        created_at=T0,
    )


def _apply(session: Session, obs: Observation) -> Session:
    change = observe(session, obs)
    return dataclasses.replace(session, **change.values)


WAITING = Observation(S.WAITING, goto_session_id="111", started_at=T0, customer_join_url="j")
ACTIVE = dataclasses.replace(WAITING, status=S.ACTIVE, customer_joined_at=T0 + timedelta(minutes=1))
COMPLETE = dataclasses.replace(
    ACTIVE,
    status=S.COMPLETE,
    ended_at=T0 + timedelta(minutes=9),
    notes="fixed",
    collaborators=("Ann",),
)


@pytest.mark.parametrize(
    ("current", "incoming", "expected"),
    [
        (S.NOT_STARTED, S.WAITING, S.WAITING),
        (S.WAITING, S.COMPLETE, S.COMPLETE),
        (S.ACTIVE, S.WAITING, None),
        (S.ACTIVE, S.ACTIVE, None),
        (S.COMPLETE, S.ABANDONED, None),
        (S.ABANDONED, S.COMPLETE, None),
        (S.COMPLETE, S.NOT_STARTED, None),
    ],
)
def test_status_only_moves_forward(
    current: SessionStatus, incoming: SessionStatus, expected: SessionStatus | None
) -> None:
    assert advance(current, incoming) == expected


def test_duplicate_changes_nothing() -> None:
    after = _apply(_session(), WAITING)
    assert observe(after, WAITING).empty


def test_every_order_of_the_same_callbacks_ends_in_the_same_state() -> None:
    in_order = _session()
    for obs in (WAITING, ACTIVE, COMPLETE):
        in_order = _apply(in_order, obs)
    assert in_order.status is S.COMPLETE and in_order.notes == "fixed"
    deliveries = [WAITING, ACTIVE, COMPLETE, ACTIVE, WAITING]  # with duplicates
    for order in itertools.permutations(deliveries):
        state = _session()
        for obs in order:
            state = _apply(state, obs)
        assert state == in_order, order


def test_late_callback_fills_in_but_does_not_overwrite() -> None:
    done = _apply(_session(), Observation(S.COMPLETE, notes="final"))
    late = _apply(done, Observation(S.ACTIVE, notes="draft", goto_session_id="111"))
    assert late.status is S.COMPLETE
    assert late.notes == "final"
    assert late.goto_session_id == "111"


def test_change_reports_new_status_and_join_url() -> None:
    change = observe(_session(), WAITING)
    assert change.new_status is S.WAITING
    assert change.join_url_learned
