"""The fair-use rules: start limits and the per-user `status` window."""

from __future__ import annotations

import pytest

from bot.sessions.limits import StartLimits, UserWindow, is_open, start_refusal
from bot.sessions.model import CreationState
from bot.sessions.status import SessionStatus


@pytest.mark.parametrize(
    ("started", "open_now", "limits", "refused"),
    [
        (5, 9, StartLimits(6, 10), None),
        (6, 0, StartLimits(6, 10), "6 a minute"),
        (0, 10, StartLimits(6, 10), "10 is the most"),
        (100, 100, StartLimits(0, 0), None),  # 0 switches both off
        (6, 10, StartLimits(6, 10), "6 a minute"),  # the minute limit is named first
    ],
)
def test_start_refusal(
    started: int, open_now: int, limits: StartLimits, refused: str | None
) -> None:
    answer = start_refusal(started, open_now, limits)
    assert (answer is None) if refused is None else (refused in (answer or ""))


@pytest.mark.parametrize(
    ("creation", "status", "expired", "lost", "counts"),
    [
        (CreationState.PENDING, SessionStatus.NOT_STARTED, False, False, True),
        (CreationState.CREATED, SessionStatus.ACTIVE, False, False, True),
        (CreationState.CREATED, SessionStatus.COMPLETE, False, False, False),
        (CreationState.FAILED, SessionStatus.NOT_STARTED, False, False, False),
        (CreationState.CREATED, SessionStatus.NOT_STARTED, True, False, False),
        (CreationState.CREATED, SessionStatus.WAITING, False, True, False),
    ],
)
def test_what_counts_as_open(
    creation: CreationState, status: SessionStatus, expired: bool, lost: bool, counts: bool
) -> None:
    assert is_open(creation, status, expired, lost) is counts


def test_the_status_window_is_per_user_and_slides() -> None:
    window = UserWindow(2, window_s=60)
    assert window.allow("U1", 0) and window.allow("U1", 10)
    assert not window.allow("U1", 20)
    assert window.retry_in("U1", 20) == 40
    assert window.allow("U2", 20)  # someone else is not held back
    assert window.allow("U1", 60.5)  # the first ask left the window
    assert UserWindow(0).allow("U1", 0)
