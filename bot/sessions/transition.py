"""Every rule of a session's life: what each event changes, what Slack is owed, when to poll.

``transition(session, event, now, schedule)`` is a pure function: it reads the session as
stored and returns the columns to write, the Slack intents owed (in order) and the next poll
time. The caller stores all three in one transaction; nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Literal

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
from bot.sessions.lifecycle import Observation, observe
from bot.sessions.model import CreationState, Session
from bot.sessions.status import SessionStatus

# -- the poll schedule ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PollSchedule:
    """How often a live session is polled (settings POLL_*, SESSION_EXPIRY_S)."""

    young: timedelta  # a session not started yet, in its first ``young_for``
    active: timedelta  # waiting or active; also the next poll while callbacks are flowing
    idle: timedelta  # a session not started for longer than ``young_for``
    young_for: timedelta
    expire_after: timedelta  # a session never started expires after this
    confirm_after: timedelta = timedelta(seconds=1)  # a terminal callback is confirmed by GET

    def regular(self, status: SessionStatus, created_at: datetime, now: datetime) -> timedelta:
        """The interval until the next poll when nothing failed."""
        if status in (SessionStatus.WAITING, SessionStatus.ACTIVE):
            return self.active
        if now - created_at < self.young_for:
            return self.young
        return self.idle


# -- events --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Created:
    """GoToAssist answered the create. ``launch_url_enc`` is the start link and
    ``session_token_enc`` GoToAssist's session token, both encrypted."""

    session_token_enc: str | None
    launch_url_enc: str | None
    goto_session_id: str | None
    customer_join_url: str | None
    status: SessionStatus | None = None


@dataclass(frozen=True, slots=True)
class CreateFailed:
    """GoToAssist refused or never answered the create; ``reason`` is for the technician."""

    reason: str


@dataclass(frozen=True, slots=True)
class CreateInterrupted:
    """The create was cut off by a crash or restart (it may have reached GoToAssist)."""


@dataclass(frozen=True, slots=True)
class CallbackArrived:
    """A status callback: an untrusted hint, selected by the URL secret."""

    observation: Observation


@dataclass(frozen=True, slots=True)
class PollAnswered:
    """GoToAssist's own answer to ``GET /sessions/{id}``."""

    observation: Observation


@dataclass(frozen=True, slots=True)
class PollFailed:
    """The poll got no answer (an error, or the account's token was refused)."""


@dataclass(frozen=True, slots=True)
class AccountGone:
    """The GoTo account following the session was unlinked or revoked."""


@dataclass(frozen=True, slots=True)
class RetentionDue:
    """The retention sweep: sessions that ended before ``cutoff`` lose their details."""

    cutoff: datetime


Event = (
    Created
    | CreateFailed
    | CreateInterrupted
    | CallbackArrived
    | PollAnswered
    | PollFailed
    | AccountGone
    | RetentionDue
)


# What an ended session keeps of no use to anyone: erased when it ends or expires.
ENDED_SECRETS: dict[str, Any] = {
    "launch_url_enc": None,
    "session_token_enc": None,
    "session_token": None,
}

# What retention erases: everything about the customer, and every link and token. The row
# keeps status, times, technician, ticket and kind, for history and counts.
RETAINED_NOTHING: dict[str, Any] = {
    **ENDED_SECRETS,
    "customer_name": None,
    "customer_email": None,
    "notes": None,
    "customer_join_url": None,
    "recording_url": None,
    "machine_uuid": None,
    "machine_name": None,
    "callback_token_hash": None,
}


# -- the outcome -----------------------------------------------------------------------------


class _Keep(Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP  # the next poll time stays as stored


@dataclass(frozen=True, slots=True)
class Transition:
    """What an event does to a session.

    ``values`` are new column values by column name (``status`` as a SessionStatus,
    ``collaborators`` as a tuple; columns the domain does not model, such as the encrypted
    start link, by their stored name). ``intents`` are the Slack writes owed, in order.
    ``next_poll_at`` is the next poll (None: never again) or ``KEEP``; ``confirm``: that
    poll confirms a terminal callback, so it goes ahead of background polls.
    """

    values: dict[str, Any] = field(default_factory=dict)
    intents: tuple[Intent, ...] = ()
    next_poll_at: datetime | Literal[_Keep.KEEP] | None = KEEP
    confirm: bool = False

    @property
    def changes_session(self) -> bool:
        return bool(self.values)


NOTHING = Transition()

_SESSION_FIELDS = frozenset(f.name for f in fields(Session))


def applied(session: Session, transition: Transition) -> Session:
    """The session as it stands after ``transition`` (columns the domain models)."""
    values = {k: v for k, v in transition.values.items() if k in _SESSION_FIELDS}
    return replace(session, **values) if values else session


# -- the rules -------------------------------------------------------------------------------


def transition(session: Session, event: Event, now: datetime, schedule: PollSchedule) -> Transition:
    """What ``event`` does to ``session`` at ``now`` (see the module docstring)."""
    match event:
        case Created():
            return _created(session, event, now, schedule)
        case CreateFailed(reason=reason):
            return _creation_failed(session, CreationFailed(reason), now)
        case CreateInterrupted():
            return _creation_failed(session, CreationInterrupted(), now)
        case CallbackArrived(observation=obs):
            return _callback(session, obs, now, schedule)
        case PollAnswered() | PollFailed() | AccountGone():
            return _polled(session, event, now, schedule)
        case RetentionDue(cutoff=cutoff):
            return _retention(session, cutoff, now)
    raise AssertionError(f"unknown event {event!r}")


def _created(session: Session, event: Created, now: datetime, schedule: PollSchedule) -> Transition:
    if session.creation is CreationState.CREATED:
        return NOTHING  # already settled: a second answer changes nothing
    values: dict[str, Any] = {
        "creation": CreationState.CREATED,
        "session_token_enc": event.session_token_enc,
        "launch_url_enc": event.launch_url_enc,
        "goto_session_id": event.goto_session_id,
        "customer_join_url": event.customer_join_url,
        "updated_at": now,
    }
    if event.status is not None and event.status is not SessionStatus.NOT_STARTED:
        values["status"] = event.status
    intents: list[Intent] = [Card()]
    if event.customer_join_url:
        intents.append(JoinLink())
    intents.append(StartLink())
    return Transition(values, tuple(intents), now + schedule.young)


def _creation_failed(
    session: Session, reason: CreationFailed | CreationInterrupted, now: datetime
) -> Transition:
    if session.creation is not CreationState.PENDING:
        return NOTHING  # another replica settled it first
    values = {"creation": CreationState.FAILED, "callback_token_hash": None, "updated_at": now}
    return Transition(values, (Notice(reason),))


def _observed(session: Session, obs: Observation, now: datetime) -> Transition:
    """Merge an observation (lifecycle rules in ``observe``) and say what Slack is owed."""
    change = observe(session, obs)
    if change.empty:
        return NOTHING
    values = dict(change.values)
    values["updated_at"] = now
    status = SessionStatus(values.get("status", session.status))
    intents: list[Intent] = []
    # A detail learned between status changes (expert name, a collaborator) waits for the
    # next status edit instead of costing a Slack write of its own; once the session has
    # ended there is no next edit, so late details (notes, recording) are shown at once.
    if change.new_status is not None or status.is_terminal:
        intents.append(Card())
    if change.join_url_learned:
        intents.append(JoinLink())
    next_poll: datetime | Literal[_Keep.KEEP] | None = KEEP
    if change.new_status is not None:
        intents.append(StatusReply(change.new_status))
        if change.new_status.is_terminal:
            next_poll = None
            values.update(ENDED_SECRETS)  # a start link for an ended session is a liability
    return Transition(values, tuple(intents), next_poll)


def _callback(
    session: Session, obs: Observation, now: datetime, schedule: PollSchedule
) -> Transition:
    """A callback is a hint, selected by the URL secret alone: it may move the card forward
    through the live states and fill in who is involved, but the end of a session and every
    link or id come only from GoToAssist's own answers. A terminal callback therefore
    changes nothing itself: it brings the confirming GET forward (``confirm_after``)."""
    if session.status.is_terminal or session.expired or session.tracking_lost:
        return NOTHING
    if obs.status.is_terminal:
        return Transition(next_poll_at=_sooner(session, now + schedule.confirm_after), confirm=True)
    hint = replace(
        obs,
        goto_session_id=None,
        customer_join_url=None,
        recording_url=None,
        ended_at=None,
        notes=None,
    )
    observed = _observed(session, hint, now)
    if observed.values.get("status") is None:
        return observed
    return replace(observed, next_poll_at=_sooner(session, now + schedule.active))


def _sooner(session: Session, proposed: datetime) -> datetime:
    """A poll already due sooner (a terminal callback's confirmation) is never put off."""
    if session.next_poll_at is not None and session.next_poll_at < proposed:
        return session.next_poll_at
    return proposed


def _polled(
    session: Session,
    event: PollAnswered | PollFailed | AccountGone,
    now: datetime,
    schedule: PollSchedule,
) -> Transition:
    values: dict[str, Any] = {"poll_lease_until": None}
    intents: list[Intent] = []
    if isinstance(event, PollAnswered):
        observed = _observed(session, event.observation, now)
        values.update(observed.values)
        intents.extend(observed.intents)
        values["poll_failures"] = 0
    else:
        values["poll_failures"] = session.poll_failures + 1
    after = applied(session, Transition(values))
    if after.status.is_terminal:
        return Transition(values, tuple(intents), None)
    if isinstance(event, AccountGone) and not session.shared_account:
        # Nobody can ask GoToAssist about it any more: say so on the card, once.
        if not session.tracking_lost:
            values.update(tracking_lost=True, updated_at=now)
            intents += [Card(), Notice(TrackingLost(), dm=True)]
        return Transition(values, tuple(intents), None)
    if (
        after.status is SessionStatus.NOT_STARTED
        and now - session.created_at >= schedule.expire_after
    ):
        # The start link of a session nobody will start is only a liability: erased too.
        values.update(expired=True, updated_at=now, **ENDED_SECRETS)
        intents += [Card(), StatusReply(SessionStatus.NOT_STARTED)]
        return Transition(values, tuple(intents), None)
    # Failures stretch the interval (x2, x4, x8 at most) instead of hammering.
    stretch = 2 ** min(after.poll_failures, 3)
    interval = schedule.regular(after.status, session.created_at, now)
    return Transition(values, tuple(intents), now + stretch * interval)


def has_ended(session: Session) -> bool:
    """Nothing more will happen to it: ended at GoToAssist, never created, expired, or no
    longer followed (its GoTo account is gone)."""
    return (
        session.status.is_terminal
        or session.creation is CreationState.FAILED
        or session.expired
        or session.tracking_lost
    )


def _retention(session: Session, cutoff: datetime, now: datetime) -> Transition:
    """RETENTION_DAYS after a session ended, its customer's details and every link and token
    are erased, and its card (if it has one) says so."""
    last_change = session.updated_at or session.created_at
    if session.details_removed_at is not None or not has_ended(session) or last_change >= cutoff:
        return NOTHING
    values = {**RETAINED_NOTHING, "details_removed_at": now}
    intents: tuple[Intent, ...] = (Card(),) if session.card_ts is not None else ()
    return Transition(values, intents, None)
