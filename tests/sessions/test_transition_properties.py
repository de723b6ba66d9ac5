"""Any order and duplication of the same observations ends in the same state, and owes each
Slack write once: a repeated observation owes nothing more, no status is replied twice."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sessions.intents import Intent, JoinLink, StatusReply
from bot.sessions.lifecycle import Observation
from bot.sessions.model import CreationState, Session, SessionKind
from bot.sessions.status import SessionStatus
from bot.sessions.transition import (
    CallbackArrived,
    PollAnswered,
    PollSchedule,
    applied,
    transition,
)

S = SessionStatus
T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=1)
SCHEDULE = PollSchedule(
    young=timedelta(seconds=10),
    active=timedelta(seconds=30),
    idle=timedelta(seconds=300),
    young_for=timedelta(minutes=10),
    expire_after=timedelta(hours=24),
)
START = Session(
    id="s1",
    team_id="T1",
    channel_id="C1",
    requester_id="U1",
    kind=SessionKind.ATTENDED,
    status=S.NOT_STARTED,
    creation=CreationState.CREATED,
    created_at=T0,
)

# One true history of a session; each observation is a snapshot of it at some status, knowing
# some of the details (GoToAssist never contradicts itself, it only knows more later).
TRUTH = {
    "goto_session_id": "111",
    "customer_join_url": "https://join.example/1",
    "expert_name": "Ann",
    "started_at": T0 + timedelta(minutes=1),
    "customer_joined_at": T0 + timedelta(minutes=2),
    "ended_at": T0 + timedelta(minutes=9),
    "notes": "fixed",
    "recording_url": "https://rec.example/1",
}


@st.composite
def histories(draw: st.DrawFn) -> list[Observation]:
    terminal = draw(st.sampled_from([S.COMPLETE, S.ABANDONED, S.ACTIVE]))
    statuses = [s for s in (S.NOT_STARTED, S.WAITING, S.ACTIVE) if s.rank < terminal.rank]
    statuses.append(terminal)
    snapshots = []
    for status in draw(st.lists(st.sampled_from(statuses), min_size=1, max_size=6)):
        known = draw(st.sets(st.sampled_from(sorted(TRUTH))))
        collaborators = ("Bo", "Cy") if draw(st.booleans()) else ()
        snapshots.append(
            Observation(
                status=status,
                collaborators=collaborators,
                **{name: TRUTH[name] for name in known},
            )
        )
    return snapshots


def _run(observations: list[Observation], polled: list[bool]) -> tuple[Session, list[Intent]]:
    session, owed = START, []
    for obs, by_poll in zip(observations, polled, strict=True):
        event = PollAnswered(obs) if by_poll else CallbackArrived(obs)
        result = transition(session, event, NOW, SCHEDULE)
        session = applied(session, result)
        owed.extend(result.intents)
    return dataclasses.replace(session, poll_failures=0), owed


@settings(max_examples=300, deadline=None)
@given(
    history=histories(),
    data=st.data(),
)
def test_any_order_and_duplication_ends_the_same_and_owes_once(
    history: list[Observation], data: st.DataObject
) -> None:
    # What GoToAssist answers decides; callbacks are hints that may come in any number.
    reference, _ = _run(history, [True] * len(history))
    # Shuffle and duplicate: every observation answered by a GET at least once, and any of
    # them again, as a callback or a GET, any number of times, in any order.
    repeats = data.draw(st.lists(st.sampled_from(history), max_size=6))
    as_poll = data.draw(st.lists(st.booleans(), min_size=len(repeats), max_size=len(repeats)))
    tagged = [(obs, True) for obs in history] + list(zip(repeats, as_poll, strict=True))
    order = data.draw(st.permutations(tagged))
    final, owed = _run([obs for obs, _ in order], [poll for _, poll in order])

    assert final == reference

    # Each status reply and the join link are owed at most once.
    counts = Counter(intent for intent in owed if isinstance(intent, StatusReply | JoinLink))
    assert all(count == 1 for count in counts.values()), counts
    reached = {intent.status for intent in owed if isinstance(intent, StatusReply)}
    if final.status is not S.NOT_STARTED:
        assert final.status in reached  # the final status was announced

    # A duplicate (the same observation the same way) after its first copy owes nothing.
    first_copies: list[tuple[Observation, bool]] = []
    for pair in order:
        if pair not in first_copies:
            first_copies.append(pair)
    without_repeats, owed_once = _run(
        [obs for obs, _ in first_copies], [poll for _, poll in first_copies]
    )
    assert without_repeats == final
    assert owed == owed_once
