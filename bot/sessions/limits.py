"""Fair use: how many sessions one technician may start, and how often they may ask `status`.

Counts of starts and open sessions come from the database (so every replica sees the same
numbers); the `status` window is kept per replica, in memory, and bounds GoToAssist calls.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass

from bot.sessions.model import CreationState
from bot.sessions.status import SessionStatus

__all__ = ["StartLimits", "UserWindow", "is_open", "start_refusal"]

WINDOW_S = 60.0


@dataclass(frozen=True, slots=True)
class StartLimits:
    """USER_STARTS_PER_MIN and MAX_OPEN_SESSIONS_PER_USER; 0 switches a limit off."""

    per_minute: int = 6
    max_open: int = 10


def is_open(creation: CreationState, status: SessionStatus, expired: bool, lost: bool) -> bool:
    """A session that still counts against its technician: being created, or created and
    not yet ended (nor expired, nor cut off from its GoTo account)."""
    if creation is CreationState.FAILED or expired or lost:
        return False
    return not status.is_terminal


def start_refusal(started_last_minute: int, open_now: int, limits: StartLimits) -> str | None:
    """Why this technician may not start one more session now, or None."""
    if limits.per_minute and started_last_minute >= limits.per_minute:
        return (
            f"You started {started_last_minute} sessions in the last minute, and "
            f"{limits.per_minute} a minute is the most one person may start (so that one "
            "burst cannot hold up the rest of the team). Try again in a minute."
        )
    if limits.max_open and open_now >= limits.max_open:
        return (
            f"You already have {open_now} sessions that have not ended, and "
            f"{limits.max_open} is the most one person may have open. Finish one first "
            "(`/remote-support list` shows them)."
        )
    return None


class UserWindow:
    """At most ``limit`` events per user in any ``WINDOW_S`` seconds (0: no limit). Times
    are passed in (monotonic seconds), so the rule is a pure function of its inputs."""

    def __init__(self, limit: int, window_s: float = WINDOW_S) -> None:
        self.limit = limit
        self._window_s = window_s
        self._seen: defaultdict[str, deque[float]] = defaultdict(deque)

    def allow(self, user: str, now: float) -> bool:
        """Count one event for ``user`` at ``now`` when it is within the limit."""
        if self.limit <= 0:
            return True
        seen = self._seen[user]
        while seen and seen[0] <= now - self._window_s:
            seen.popleft()
        if len(seen) >= self.limit:
            return False
        seen.append(now)
        if len(self._seen) > 10_000:  # forget users with nothing in their window
            for key in [k for k, v in self._seen.items() if not v or v[-1] <= now - self._window_s]:
                del self._seen[key]
        return True

    def retry_in(self, user: str, now: float) -> float:
        """Seconds until ``user`` may ask again (0 when they may now)."""
        seen = self._seen.get(user)
        if self.limit <= 0 or not seen or len(seen) < self.limit:
            return 0.0
        return max(0.0, seen[0] + self._window_s - now)
