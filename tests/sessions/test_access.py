"""Who may start what: the rule table of bot.sessions.access."""

from __future__ import annotations

import pytest

from bot.sessions.access import AccessPolicy, Group, Person, may_see, may_start
from bot.sessions.model import SessionKind

TEAM = "T0HOME"
TIER1 = Group("S0TIER1", "tier1")
TIER2 = Group("S0TIER2", "tier2")
ONCALL = Group("S0ONCALL", "oncall")

MEMBER = Person("U1", TEAM)
IN_TIER1 = Person("U2", TEAM, groups=frozenset({TIER1.id}))
IN_TIER2 = Person("U3", TEAM, groups=frozenset({TIER2.id}))
GUEST = Person("U4", TEAM, guest=True, groups=frozenset({TIER1.id, TIER2.id}))
STRANGER = Person("U5", "T0OTHER", stranger=True, groups=frozenset({TIER1.id}))
OTHER_TEAM = Person("U6", "T0OTHER", groups=frozenset({TIER1.id, TIER2.id}))
DELETED = Person("U7", TEAM, deleted=True)

OPEN = AccessPolicy()
GROUPS = AccessPolicy(allowed=(TIER1, TIER2), unattended=(TIER2, ONCALL))

A, U = SessionKind.ATTENDED, SessionKind.UNATTENDED


@pytest.mark.parametrize(
    ("person", "kind", "policy", "linked", "allowed", "words"),
    [
        (MEMBER, A, OPEN, False, True, None),
        (MEMBER, U, OPEN, False, False, "/remote-support login"),
        (MEMBER, U, OPEN, True, True, None),
        (MEMBER, A, GROUPS, True, False, "@tier1 or @tier2"),
        (IN_TIER1, A, GROUPS, False, True, None),
        (IN_TIER1, U, GROUPS, True, False, "@tier2 or @oncall"),
        (IN_TIER2, U, GROUPS, False, True, None),
        (GUEST, A, OPEN, True, False, "Guest"),
        (GUEST, U, GROUPS, True, False, "Guest"),
        (STRANGER, A, OPEN, True, False, "another organisation"),
        (OTHER_TEAM, A, GROUPS, True, False, "another organisation"),
        (DELETED, A, OPEN, True, False, "cannot start"),
    ],
)
def test_who_may_start_what(
    person: Person,
    kind: SessionKind,
    policy: AccessPolicy,
    linked: bool,
    allowed: bool,
    words: str | None,
) -> None:
    refusal = may_start(person, kind, policy, request_team=TEAM, linked_account=linked)
    assert (refusal is None) is allowed
    if refusal is not None:
        assert words is not None and words in refusal.reason


def test_only_the_missing_login_asks_for_a_login() -> None:
    unlinked = may_start(MEMBER, U, OPEN, request_team=TEAM, linked_account=False)
    assert unlinked is not None and unlinked.needs_login
    outside = may_start(MEMBER, A, GROUPS, request_team=TEAM, linked_account=False)
    assert outside is not None and not outside.needs_login


def test_the_home_team_setting_wins_over_the_request() -> None:
    policy = AccessPolicy(home_team=TEAM)
    assert may_start(OTHER_TEAM, A, policy, request_team="T0OTHER", linked_account=True)


@pytest.mark.parametrize(
    ("asker", "asked_in", "card_channel", "visible"),
    [
        ("UTECH", "CELSEWHERE", "CSUPPORT", True),  # the technician, from anywhere
        ("UTECH", "DUTECH", None, True),
        ("UNEIGHBOUR", "CSUPPORT", "CSUPPORT", True),  # in the card's channel
        ("UNEIGHBOUR", "COTHER", "CSUPPORT", False),  # from another channel
        ("UNEIGHBOUR", "DUTECH", "DUTECH", True),  # a DM card: only who is in that DM asks there
        ("UNEIGHBOUR", "CSUPPORT", None, False),  # no card yet
    ],
)
def test_who_may_see_a_session(
    asker: str, asked_in: str, card_channel: str | None, visible: bool
) -> None:
    assert may_see("UTECH", card_channel, asker=asker, asked_in=asked_in) is visible
