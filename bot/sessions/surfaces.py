"""Rules for the places technicians meet the app beyond the card: App Home (its figures and
when it may be published again), the DMs a session owes its technician, card links.

Standard library only.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.sessions.intents import (
    DmKind,
    HomeRefresh,
    Intent,
    StartLink,
    StatusReply,
    TechnicianDm,
)
from bot.sessions.model import Session, SessionKind, in_utc, ran_between
from bot.sessions.status import SessionStatus

TEAM_DAYS = 7  # the team figures cover this many days
CHART_DAYS = 14  # the sessions-per-day chart covers this many
RECENT_ENDED = 20  # ended sessions listed in Home
LIVE_SHOWN = 15  # live sessions listed in Home (a technician rarely has more than a few)
BAR_WIDTH = 20  # the longest bar, in squares


def owed_on_change(
    kind: SessionKind, requester_id: str, intents: Sequence[Intent], *, expired: bool = False
) -> list[Intent]:
    """What a session's status change owes beyond the card: a refresh of its technician's
    Home, and the DMs that matter (the customer joined an attended session; it ended). Only
    its creation (the start link is owed) and status changes count; a detail learned between
    them owes nothing."""
    owed: list[Intent] = []
    for intent in intents:
        if isinstance(intent, StartLink) and not owed:
            owed.append(HomeRefresh(requester_id))
        if not isinstance(intent, StatusReply):
            continue
        if not owed:
            owed.append(HomeRefresh(requester_id))
        if intent.status is SessionStatus.ACTIVE and kind is SessionKind.ATTENDED:
            owed.append(TechnicianDm(DmKind.JOINED))
        elif intent.status.is_terminal and not expired:
            owed.append(TechnicianDm(DmKind.ENDED))
    return owed


def publish_due(published_at: datetime | None, now: datetime, every: timedelta) -> datetime:
    """When a Home last published at ``published_at`` may be published again: never sooner
    than ``every`` after the last one (Slack's limits, and a busy technician's Home would
    otherwise be redrawn on every callback)."""
    if published_at is None:
        return now
    return max(now, in_utc(published_at) + every)


def card_permalink(
    workspace_url: str, channel: str | None, ts: str | None, thread_ts: str | None = None
) -> str | None:
    """A message's permalink as Slack writes it (``chat.getPermalink``), from the workspace
    URL (``auth.test``'s ``url``): no call per link when a Home lists twenty cards."""
    if not workspace_url or not channel or not ts:
        return None
    link = f"{workspace_url.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel}"
    return link


# -- App Home --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Switches:
    """A technician's DM choices (both on until they say otherwise)."""

    join_dm: bool = True
    end_dm: bool = True


@dataclass(frozen=True, slots=True)
class HomeData:
    live: list[Session]
    ended: list[Session]
    team: list[SessionFacts]
    switches: Switches
    linked_as: str | None  # their linked GoTo account, None when not linked


# -- team figures --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """The few columns the team figures read, per session."""

    requester_id: str
    status: SessionStatus
    created_at: datetime
    started_at: datetime | None = None
    customer_joined_at: datetime | None = None
    ended_at: datetime | None = None
    failed: bool = False  # GoToAssist never created it: not counted as started


@dataclass(frozen=True, slots=True)
class TechnicianFigures:
    user_id: str
    started: int
    reached_active: int
    abandoned: int
    median_duration: timedelta | None


@dataclass(frozen=True, slots=True)
class TeamFigures:
    started: int
    reached_active: int
    median_to_join: timedelta | None  # from the start to the customer joining
    median_duration: timedelta | None
    abandoned: int
    technicians: tuple[TechnicianFigures, ...]
    per_day: tuple[tuple[datetime, int], ...]  # (day, sessions started), oldest first

    @property
    def active_share(self) -> float | None:
        return self.reached_active / self.started if self.started else None


def _reached_active(facts: SessionFacts) -> bool:
    return facts.customer_joined_at is not None or facts.status in (
        SessionStatus.ACTIVE,
        SessionStatus.COMPLETE,
    )


def _duration(facts: SessionFacts) -> timedelta | None:
    return ran_between(facts.started_at, facts.ended_at)


def _to_join(facts: SessionFacts) -> timedelta | None:
    if facts.customer_joined_at is None:
        return None
    delta = in_utc(facts.customer_joined_at) - in_utc(facts.created_at)
    return delta if delta >= timedelta(0) else None


def _median(values: Iterable[timedelta]) -> timedelta | None:
    seconds = [value.total_seconds() for value in values]
    return timedelta(seconds=statistics.median(seconds)) if seconds else None


def team_figures(facts: Iterable[SessionFacts], now: datetime) -> TeamFigures:
    """The team's last ``TEAM_DAYS`` days, and sessions per day over ``CHART_DAYS`` (days in
    UTC; today is the last bar)."""
    now = in_utc(now)
    week_from = now - timedelta(days=TEAM_DAYS)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    first_day = today - timedelta(days=CHART_DAYS - 1)
    per_day: Counter[datetime] = Counter()
    week: list[SessionFacts] = []
    for fact in facts:
        if fact.failed:
            continue
        created = in_utc(fact.created_at)
        if created >= first_day:
            per_day[created.replace(hour=0, minute=0, second=0, microsecond=0)] += 1
        if created >= week_from:
            week.append(fact)
    by_tech: dict[str, list[SessionFacts]] = {}
    for fact in week:
        by_tech.setdefault(fact.requester_id, []).append(fact)
    technicians = tuple(
        sorted(
            (
                TechnicianFigures(
                    user_id=user,
                    started=len(theirs),
                    reached_active=sum(1 for f in theirs if _reached_active(f)),
                    abandoned=sum(1 for f in theirs if f.status is SessionStatus.ABANDONED),
                    median_duration=_median(d for f in theirs if (d := _duration(f)) is not None),
                )
                for user, theirs in by_tech.items()
            ),
            key=lambda t: (-t.started, t.user_id),
        )
    )
    return TeamFigures(
        started=len(week),
        reached_active=sum(1 for f in week if _reached_active(f)),
        median_to_join=_median(d for f in week if (d := _to_join(f)) is not None),
        median_duration=_median(d for f in week if (d := _duration(f)) is not None),
        abandoned=sum(1 for f in week if f.status is SessionStatus.ABANDONED),
        technicians=technicians,
        per_day=tuple(
            (first_day + timedelta(days=i), per_day[first_day + timedelta(days=i)])
            for i in range(CHART_DAYS)
        ),
    )


def bar(count: int, most: int, width: int = BAR_WIDTH) -> str:
    """A bar of squares for ``count`` out of ``most`` (at least one square for any count)."""
    if count <= 0 or most <= 0:
        return ""
    return "█" * max(1, round(width * count / most))
