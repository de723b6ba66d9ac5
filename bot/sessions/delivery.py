"""Which owed Slack write goes first: the rules, pure.

Lanes, most wanted first: a new card (nothing else of the session can be seen without it);
the technician's start link and other private messages (ephemeral and DM, including the
technician's joined/ended DMs: they do not share the channel's budget); card edits (their own
``chat.update`` budget, never behind a reply); the join-link reply; status replies; last, an
App Home refresh (its own ``views.publish`` budget; it holds nothing). Order is kept only
where it matters: within the card's thread, and the card before anything in its thread.
Within a lane the oldest write goes first, so no session starves.

Several status replies owed at once become one reply that names every status (``covering``).
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from bot.sessions.intents import (
    Card,
    HomeRefresh,
    Intent,
    JoinLink,
    Notice,
    StartLink,
    StatusReply,
    TechnicianDm,
)
from bot.sessions.status import SessionStatus


class Lane(IntEnum):
    NEW_CARD = 0
    PRIVATE = 1  # start link, notices
    CARD_EDIT = 2
    JOIN_LINK = 3
    STATUS = 4
    HOME = 5  # an App Home refresh: its own budget (views.publish), holds nothing


def lane_of(intent: Intent | None, *, card_posted: bool) -> Lane:
    """The lane of a write (``None``: a row this version cannot read, sent as private)."""
    match intent:
        case Card():
            return Lane.CARD_EDIT if card_posted else Lane.NEW_CARD
        case StartLink() | Notice() | TechnicianDm():
            return Lane.PRIVATE
        case HomeRefresh():
            return Lane.HOME
        case JoinLink():
            return Lane.JOIN_LINK
        case StatusReply():
            return Lane.STATUS
    return Lane.PRIVATE


@dataclass(frozen=True, slots=True)
class Owed:
    """What the rules need of one owed write."""

    id: int  # queue order
    lane: Lane
    due_at: datetime
    parked: bool = False

    @property
    def in_thread(self) -> bool:
        return self.lane in (Lane.JOIN_LINK, Lane.STATUS)


@dataclass(frozen=True, slots=True)
class Plan:
    """The writes that may go now, most wanted first; ``until``: when a held one falls due."""

    ready: tuple[Owed, ...]
    until: datetime | None


def plan(owed: Sequence[Owed], now: datetime) -> Plan:
    """Order one session's owed writes by lane, then age; a thread write not yet due (a
    retry) holds the thread writes behind it, and a new card not yet due holds its thread.
    A parked write holds nothing."""
    ready: list[Owed] = []
    until: datetime | None = None
    card_held = False
    thread_held = False
    for write in sorted(owed, key=lambda w: (w.lane, w.id)):
        waiting = write.due_at > now
        if waiting and not write.parked:
            until = write.due_at if until is None else min(until, write.due_at)
        if write.lane is Lane.NEW_CARD and waiting:
            card_held = card_held or not write.parked
            continue
        if write.in_thread:
            if card_held or thread_held:
                continue
            if waiting:
                thread_held = not write.parked
                continue
        elif waiting:
            continue
        ready.append(write)
    return Plan(tuple(ready), until)


def pick(ready: Sequence[Owed], deferred: Set[int]) -> Owed | None:
    """The write to send next of ``ready`` (``plan``), passing over those ``deferred`` (their
    budget is busy: a new card waiting for its channel must not hold the start link, which
    goes by DM); a thread write never passes its deferred new card. None: all are deferred."""
    card_waits = any(w.lane is Lane.NEW_CARD and w.id in deferred for w in ready)
    for write in ready:
        if write.id in deferred or (card_waits and write.in_thread):
            continue
        return write
    return None


def covering(statuses: Sequence[SessionStatus]) -> tuple[SessionStatus, ...]:
    """The statuses one coalesced reply names: each once, in the order a session lives them."""
    seen: list[SessionStatus] = []
    for status in statuses:
        if status not in seen:
            seen.append(status)
    return tuple(sorted(seen, key=lambda status: status.rank))
