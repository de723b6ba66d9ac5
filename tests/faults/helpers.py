"""Shared pieces of the fault-injection suite ("never lose an update").

Every scenario ends with the same checks:

* every session's card (the one live top-level message for it) ends with GoToAssist's final
  status in words;
* no Slack write arrived before a Retry-After allowed it (``retry_after_violations`` empty);
* ``chat.update`` calls per session <= status changes it went through + retries actually
  needed (the counts are printed: run pytest with ``-s``);
* one ``POST /sessions`` per command.

``expect_invariants`` runs all four and reports every failure at once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bot.config import Settings
from bot.sessions.status import SessionStatus
from sandbox.gotoassist import GoToAssistStandIn, StandInSession
from sandbox.harness import StandIns, app_settings, send_slash
from sandbox.process import AppProcess
from sandbox.signing import CHANNEL, TECH
from sandbox.slack import RecordedCall, SlackStandIn, StandInMessage
from tests.e2e.helpers import card_prefix

# Callback scenarios: live sessions polled every second (the safety net works fast); a new
# session is first polled after 5 s (the default), by which time the tests have started it.
POLLS = {
    "poll_interval_young_s": 5.0,
    "poll_interval_active_s": 1.0,
    "poll_interval_idle_s": 2.0,
}
EXPIRED = "not started (expired)"


# --------------------------------------------------------------------------- naming


def customer(i: int) -> str:
    return f"Customer {i:03d}"


def command_text(i: int) -> str:
    """`/remote-support` text for customer ``i`` (quoted name, e-mail, ticket)."""
    return f'"{customer(i)}" c{i}@example.com #{4000 + i}'


# --------------------------------------------------------------------------- Slack side


def cards_of(slack: SlackStandIn, name: str, *, deleted: bool = False) -> list[StandInMessage]:
    """Top-level messages (any channel, DMs included) that are ``name``'s session card."""
    return [
        m
        for m in slack.messages(replies=False, deleted=deleted)
        if m.text.startswith(card_prefix(name))
    ]


def card_of(slack: SlackStandIn, name: str) -> StandInMessage | None:
    """The one live card of ``name``'s session (None when there is none or more than one)."""
    found = cards_of(slack, name)
    return found[0] if len(found) == 1 else None


def card_says(slack: SlackStandIn, name: str, words: str) -> bool:
    card = card_of(slack, name)
    return card is not None and card.text.endswith(f": {words}")


def update_calls(slack: SlackStandIn, name: str) -> list[RecordedCall]:
    """``chat.update`` calls that carried ``name``'s card."""
    return [
        c
        for c in slack.calls_to("chat.update")
        if str(c.params.get("text") or "").startswith(card_prefix(name))
    ]


def failed(call: RecordedCall) -> bool:
    """The call did not (visibly to the app) succeed: an error, 429, 5xx, or no answer yet."""
    return call.status != 200 or not call.ok


def in_flight_updates(slack: SlackStandIn, names: Iterable[str]) -> dict[str, list[RecordedCall]]:
    """Per session, ``chat.update`` calls not answered yet (snapshot them at a kill)."""
    return {name: [c for c in update_calls(slack, name) if c.status == 0] for name in names}


def lost_answers(in_flight: Mapping[str, list[RecordedCall]]) -> dict[str, int]:
    """Calls in flight at a kill that Slack later answered ok: the app never read the answer,
    so resending was needed (those never answered already count as failed)."""
    return {name: sum(1 for c in calls if not failed(c)) for name, calls in in_flight.items()}


def channel_calls(slack: SlackStandIn, channel: str, since: float) -> list[RecordedCall]:
    """Write calls aimed at ``channel`` that arrived at or after ``since`` (monotonic)."""
    return [
        c
        for c in slack.calls
        if c.at >= since and c.method.startswith("chat.") and c.params.get("channel") == channel
    ]


# --------------------------------------------------------------------------- GoToAssist side


def goto_session(goto: GoToAssistStandIn, name: str) -> StandInSession:
    for session in goto.sessions.values():
        if session.customer_name == name:
            return session
    raise KeyError(f"GoToAssist has no session for {name}")


def creates(goto: GoToAssistStandIn) -> list[Any]:
    return [r for r in goto.requests if r.route == "create"]


@dataclass
class Lifecycle:
    """Drives sessions at the GoToAssist stand-in and counts each one's status changes."""

    goto: GoToAssistStandIn
    changes: Counter[str] = field(default_factory=Counter)
    expired: set[str] = field(default_factory=set)

    def start(self, name: str) -> None:
        self.goto.start_session(goto_session(self.goto, name).session_token)
        self.changes[name] += 1

    def join(self, name: str) -> None:
        self.goto.join_session(goto_session(self.goto, name).session_token)
        self.changes[name] += 1

    def end(self, name: str) -> None:
        self.goto.end_session(goto_session(self.goto, name).session_token, notes=f"notes {name}")
        self.changes[name] += 1

    def complete(self, name: str) -> None:
        self.start(name)
        self.join(name)
        self.end(name)

    def abandon(self, name: str) -> None:
        self.start(name)
        self.end(name)

    def left_to_expire(self, name: str) -> None:
        """Never started: the app's expiry is the one change its card goes through."""
        self.expired.add(name)
        self.changes[name] += 1

    def final_words(self, name: str) -> str:
        status = goto_session(self.goto, name).status
        if name in self.expired and status is SessionStatus.NOT_STARTED:
            return EXPIRED
        return status.words

    def all_final(self, slack: SlackStandIn, names: Iterable[str]) -> bool:
        return all(card_says(slack, name, self.final_words(name)) for name in names)


# --------------------------------------------------------------------------- the checks


def final_card_problems(slack: SlackStandIn, life: Lifecycle, names: Iterable[str]) -> list[str]:
    problems = []
    for name in names:
        live = cards_of(slack, name)
        want = life.final_words(name)
        if len(live) != 1 or not live[0].text.endswith(f": {want}"):
            got = [m.text for m in live]
            problems.append(f"card of {name}: want one ending {want!r}, got {got}")
    return problems


def retry_after_problems(slack: SlackStandIn) -> list[str]:
    found = slack.retry_after_violations
    if found:
        print(f"Retry-After violations: {len(found)}")
        for v in found:
            print(
                f"  {v.method} {v.channel}: arrived {v.arrived_at - v.told_at:.4f}s after a 429 "
                f"with Retry-After {v.retry_after}"
            )
    return [f"{len(found)} Slack writes arrived before a Retry-After allowed them"] if found else []


def create_problems(goto: GoToAssistStandIn, commands: int) -> list[str]:
    sent = len(creates(goto))
    return [] if sent == commands else [f"{sent} POST /sessions for {commands} commands"]


def update_count_problems(
    slack: SlackStandIn,
    changes: Mapping[str, int],
    *,
    lost_answers: Mapping[str, int] | None = None,
    label: str = "",
) -> list[str]:
    """chat.update calls per session <= status changes + retries actually needed.

    A retry was needed for every call that failed (429, 5xx, error, no answer) and for every
    call whose answer the app could not read (in flight when it was killed: ``lost_answers``).
    Prints one line per session: the counts and each call as ``status words:answer``.
    """
    lost = lost_answers or {}
    print(f"\n[{label}] chat.update per session (calls <= changes + failed + lost):")
    over = []
    for name, changed in sorted(changes.items()):
        calls = update_calls(slack, name)
        bad = sum(1 for c in calls if failed(c))
        bound = changed + bad + lost.get(name, 0)
        flag = "" if len(calls) <= bound else "  <-- OVER"
        seq = ", ".join(
            f"{str(c.params.get('text')).rsplit(': ', 1)[-1]}:{c.error or c.status or 'none'}"
            for c in calls
        )
        print(
            f"  {name}: chat.update={len(calls)} changes={changed} failed={bad} "
            f"lost={lost.get(name, 0)} bound={bound}{flag}  [{seq}]"
        )
        if len(calls) > bound:
            over.append(f"{name} {len(calls)} > {bound}")
    return [f"more chat.update calls than changes + needed retries: {over}"] if over else []


def expect_invariants(
    slack: SlackStandIn,
    goto: GoToAssistStandIn,
    life: Lifecycle,
    names: Iterable[str],
    *,
    commands: int,
    label: str,
    lost_answers: Mapping[str, int] | None = None,
    final_cards: bool = True,
    earlier: Iterable[str] = (),
) -> None:
    """The four checks every scenario ends with; all are printed before any fails.

    ``earlier``: problems a test found at a checkpoint before the end, reported here too.
    """
    names = list(names)
    problems = list(earlier)
    problems += final_card_problems(slack, life, names) if final_cards else []
    problems += update_count_problems(
        slack,
        {name: life.changes[name] for name in names},
        lost_answers=lost_answers,
        label=label,
    )
    problems += retry_after_problems(slack)
    problems += create_problems(goto, commands)
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- processes


# Fault scenarios run ``serve`` with short leases and fast polls.
PROCESS_DEFAULTS: dict[str, Any] = {
    "log_level": "INFO",
    "outbox_lease_s": 3.0,
    "poll_interval_young_s": 1.0,
    "poll_interval_active_s": 1.0,
    "poll_interval_idle_s": 2.0,
}


def process_settings(
    stand: StandIns, database_url: str, *, callbacks: bool = True, **overrides: Any
) -> Settings:
    """Settings for ``serve`` in a subprocess against ``stand`` (``PROCESS_DEFAULTS``, then
    ``overrides``)."""
    return app_settings(stand, database_url, callbacks=callbacks, **PROCESS_DEFAULTS | overrides)


class Processes:
    """Every app process a test starts, all killed and reaped at teardown."""

    def __init__(self, settings: Settings, log_dir: Path) -> None:
        self.settings = settings
        self._log_dir = log_dir
        self.started: list[AppProcess] = []

    async def start(self) -> AppProcess:
        proc = AppProcess(self.settings, self._log_dir / f"serve-{len(self.started)}.log")
        self.started.append(proc)
        proc.start()
        await proc.wait_ready()
        return proc

    def stop_all(self) -> None:
        for proc in self.started:
            proc.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {p.log_path.name}\n{p.output()}" for p in self.started)


async def slash(
    base_url: str,
    slack: SlackStandIn,
    text: str,
    *,
    user: str = TECH,
    channel: str = CHANNEL,
) -> int:
    """A signed `/remote-support text` to an app at ``base_url``; returns the HTTP status."""
    async with aiohttp.ClientSession() as http:
        status, _ack = await send_slash(http, base_url, slack, text, user=user, channel=channel)
        return status


async def settle(seconds: float) -> None:
    """Let background work run (a named pause, so tests read as timelines)."""
    await asyncio.sleep(seconds)


def private_texts(slack: SlackStandIn, user: str = TECH) -> list[str]:
    """What only ``user`` saw: ephemerals to them and the app's DMs with them."""
    return [m.text for m in slack.ephemerals(user=user)] + [m.text for m in slack.dms(user)]
