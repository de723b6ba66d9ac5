"""Who may start which kind of session: a pure decision over what Slack says of a person.

Guests and people of another organisation never may. ``ALLOWED_USER_GROUPS`` narrows who may
start attended sessions (unset: every full member); ``UNATTENDED_USER_GROUPS`` says who may open
a known machine (unset: only technicians signed in with their own GoTo account, so the shared
account never opens a machine).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.sessions.model import SessionKind


class PeopleUnavailable(Exception):
    """Slack did not say who someone is (an outage, a missing scope, an unknown group): the
    start is refused, never allowed by default."""


@dataclass(frozen=True, slots=True)
class Person:
    """What Slack says of the person asking (users.info, their user groups)."""

    user_id: str
    team_id: str | None
    guest: bool = False  # is_restricted or is_ultra_restricted
    stranger: bool = False  # is_stranger: met through Slack Connect
    deleted: bool = False
    bot: bool = False
    groups: frozenset[str] = frozenset()  # ids of the user groups they are in


@dataclass(frozen=True, slots=True)
class Group:
    """A user group as named in a setting: its id, and the handle to show people."""

    id: str
    handle: str

    @property
    def mention(self) -> str:
        return f"@{self.handle}"


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """``home_team``: the workspace the app serves (None: the team of the request)."""

    home_team: str | None = None
    allowed: tuple[Group, ...] | None = None  # None: every full member
    unattended: tuple[Group, ...] | None = None  # None: technicians with a linked account


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a start was refused, in words for the person asking (whom to ask included)."""

    reason: str
    needs_login: bool = False  # signing in with their own GoTo account would help


def _names(groups: Iterable[Group]) -> str:
    mentions = [group.mention for group in groups]
    return mentions[0] if len(mentions) == 1 else ", ".join(mentions[:-1]) + " or " + mentions[-1]


def may_start(
    person: Person,
    kind: SessionKind,
    policy: AccessPolicy,
    *,
    request_team: str,
    linked_account: bool,
) -> Refusal | None:
    """None when ``person`` may start a ``kind`` session, else why not."""
    if person.deleted or person.bot:
        return Refusal("This Slack account cannot start remote-support sessions.")
    if person.guest:
        return Refusal(
            "Guest accounts cannot start remote-support sessions: a start link opens a "
            "customer's computer. Ask a full member of the support team to start it."
        )
    home = policy.home_team or request_team
    if person.stranger or (person.team_id is not None and person.team_id != home):
        return Refusal(
            "Only members of this workspace can start remote-support sessions; people from "
            "another organisation cannot. Ask the support team to start it for you."
        )
    if kind is SessionKind.UNATTENDED:
        if policy.unattended is not None:
            if person.groups.isdisjoint(group.id for group in policy.unattended):
                return Refusal(
                    "Unattended sessions (opening a customer's computer without them) are for "
                    f"members of {_names(policy.unattended)}. Ask an admin of that group."
                )
            return None
        if not linked_account:
            return Refusal(
                "Unattended sessions open a customer's computer, so they need your own GoTo "
                "account, not the team's shared one. Run `/remote-support login` first.",
                needs_login=True,
            )
        return None
    if policy.allowed is not None and person.groups.isdisjoint(g.id for g in policy.allowed):
        return Refusal(
            f"Remote-support sessions are started by members of {_names(policy.allowed)}. "
            "Ask an admin of that group to add you."
        )
    return None


def may_see(session_requester: str, card_channel: str | None, *, asker: str, asked_in: str) -> bool:
    """Whether ``asker`` may see a session's details (``status``): its technician anywhere,
    others only when asking from the channel where its card lives. Everyone else is told the
    session does not exist, the same answer as for a wrong id."""
    if asker == session_requester:
        return True
    return card_channel is not None and asked_in == card_channel
