"""Scenario 7: `kill -9` of the app (a real `python -m bot serve` subprocess) at several
points. After a restart nothing is lost: the card reaches GoToAssist's status, no write goes
out before a Retry-After allowed it, and no session is created twice.

PostgreSQL (the store of several replicas). OUTBOX_LEASE_S is 3 s, so the restarted process
re-claims the dead one's work 3 s after the dead one claimed it.
"""

from __future__ import annotations

import signal
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.workers.rendering import INTERRUPTED
from sandbox.harness import StandIns, migrate, wait_until
from tests.faults.helpers import (
    CHANNEL,
    TECH,
    Lifecycle,
    Processes,
    card_of,
    card_says,
    command_text,
    create_problems,
    creates,
    customer,
    expect_invariants,
    in_flight_updates,
    lost_answers,
    private_texts,
    process_settings,
    retry_after_problems,
    settle,
    slash,
    update_calls,
)

# Polls far apart: after a restart only what the dead process stored can bring the card up
# to date (the safety net would hide a lost outbox row).
SLOW_POLLS = {
    "poll_interval_young_s": 60.0,
    "poll_interval_active_s": 60.0,
    "poll_interval_idle_s": 60.0,
}


@pytest.fixture
async def services() -> AsyncIterator[StandIns]:
    running = await StandIns.started()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[Callable[..., Processes]]:
    made: list[Processes] = []

    def make(settings: Any) -> Processes:
        procs = Processes(settings, tmp_path)
        made.append(procs)
        return procs

    yield make
    for procs in made:
        procs.stop_all()


async def _kill9(procs: Processes) -> float:
    proc = procs.started[-1]
    proc.kill(signal.SIGKILL)
    await proc.wait_exit(within=10)
    return time.monotonic()


async def test_kill9_after_callback_stored_before_delivery(
    services: StandIns, launcher: Callable[..., Processes], postgres_url: str
) -> None:
    slack, goto = services.slack, services.goto
    name = customer(0)
    await migrate(postgres_url)
    procs = launcher(process_settings(services, postgres_url, **SLOW_POLLS))
    app = await procs.start()
    life = Lifecycle(goto)
    assert await slash(app.base_url, slack, command_text(0)) == 200
    await wait_until(lambda: card_of(slack, name) is not None, within=20, what="the card")

    slack.set_latency("chat.update", 3.0)
    life.start(name)  # its edit goes out and takes 3 s ...
    await wait_until(
        lambda: any(c.status == 0 for c in update_calls(slack, name)), what="the slow edit"
    )
    life.join(name)  # ... while this callback is answered (stored) but cannot be delivered
    await wait_until(
        lambda: any(d.body["status"] == "active" and d.status == 200 for d in goto.deliveries),
        what="the 'active' callback to be answered",
    )
    in_flight = in_flight_updates(slack, [name])
    killed_at = await _kill9(procs)
    assert not card_says(slack, name, "active")
    # The dead process's slow edit still lands (Slack got it); wait for it, then Slack recovers.
    await wait_until(lambda: all(c.status for c in in_flight[name]), what="the slow edit")
    slack.set_latency("chat.update", 0.0)

    restarted_at = time.monotonic()
    await procs.start()
    await wait_until(lambda: card_says(slack, name, "active"), within=30, what="active")
    done = time.monotonic()
    print(
        f"\nkill -9 after the callback was stored: card 'active' {done - killed_at:.1f}s after "
        f"the kill ({done - restarted_at:.1f}s after the restart)"
    )
    life.end(name)
    await wait_until(lambda: life.all_final(slack, [name]), within=20, what="final card")
    await settle(1.0)

    expect_invariants(
        slack,
        goto,
        life,
        [name],
        commands=1,
        label="kill -9 (a)",
        lost_answers=lost_answers(in_flight),
    )


async def test_kill9_during_delivery(
    services: StandIns, launcher: Callable[..., Processes], postgres_url: str
) -> None:
    slack, goto = services.slack, services.goto
    name = customer(0)
    await migrate(postgres_url)
    procs = launcher(process_settings(services, postgres_url, **SLOW_POLLS))
    app = await procs.start()
    life = Lifecycle(goto)
    assert await slash(app.base_url, slack, command_text(0)) == 200
    await wait_until(lambda: card_of(slack, name) is not None, within=20, what="the card")

    slack.hang_next("chat.update")
    life.start(name)
    await wait_until(
        lambda: any(c.status == 0 for c in update_calls(slack, name)), what="the hung edit"
    )
    in_flight = in_flight_updates(slack, [name])
    killed_at = await _kill9(procs)

    restarted_at = time.monotonic()
    await procs.start()
    await wait_until(lambda: card_says(slack, name, "waiting"), within=30, what="waiting")
    done = time.monotonic()
    print(
        f"\nkill -9 during delivery: card 'waiting' {done - killed_at:.1f}s after the kill "
        f"({done - restarted_at:.1f}s after the restart)"
    )
    life.join(name)
    life.end(name)
    await wait_until(lambda: life.all_final(slack, [name]), within=20, what="final card")
    await settle(1.0)

    expect_invariants(
        slack,
        goto,
        life,
        [name],
        commands=1,
        label="kill -9 (b)",
        lost_answers=lost_answers(in_flight),
    )
    card = card_of(slack, name)
    assert card is not None
    thread = [m.text for m in slack.thread(card.channel, card.ts)]
    assert len(thread) == len(set(thread)), f"a thread reply was repeated: {thread}"


async def test_kill9_between_create_and_card(
    services: StandIns, launcher: Callable[..., Processes], postgres_url: str
) -> None:
    slack, goto = services.slack, services.goto
    await migrate(postgres_url)
    procs = launcher(process_settings(services, postgres_url, gotoassist_timeout_s=2.0))
    app = await procs.start()
    goto.set_latency("create", 1.5)
    assert await slash(app.base_url, slack, command_text(0)) == 200
    await wait_until(lambda: len(creates(goto)) == 1, what="POST /sessions to arrive")
    killed_at = await _kill9(procs)

    restarted_at = time.monotonic()
    await procs.start()

    def told() -> bool:
        return any("was not created" in text for text in private_texts(slack))

    await wait_until(told, within=60, interval=0.2, what="the technician to be told")
    done = time.monotonic()
    print(
        f"\nkill -9 during create: technician told {done - killed_at:.1f}s after the kill "
        f"({done - restarted_at:.1f}s after the restart)"
    )
    await settle(2.0)

    said = [t for t in private_texts(slack) if "was not created" in t]
    print(f"told: {said}")
    assert len(said) == 1
    assert INTERRUPTED.split(",")[0] in said[0]
    public = [m.text for m in slack.messages(CHANNEL)]
    assert public == [], f"something was posted in the channel: {public}"
    assert not any("start link" in t.lower() for t in private_texts(slack, TECH))
    problems = create_problems(goto, 1) + retry_after_problems(slack)
    assert not problems, problems
    print(f"sessions left at GoToAssist (the app cannot know them): {len(goto.sessions)}")


async def test_kill9_while_a_write_waits_out_retry_after(
    services: StandIns, launcher: Callable[..., Processes], postgres_url: str
) -> None:
    """The Retry-After wait is stored with the write: a restarted process honours it too."""
    slack, goto = services.slack, services.goto
    name = customer(0)
    await migrate(postgres_url)
    procs = launcher(process_settings(services, postgres_url, **SLOW_POLLS))
    app = await procs.start()
    life = Lifecycle(goto)
    assert await slash(app.base_url, slack, command_text(0)) == 200
    await wait_until(lambda: card_of(slack, name) is not None, within=20, what="the card")

    slack.rate_limit("chat.update", count=1, retry_after=4)
    life.start(name)
    await wait_until(
        lambda: any(c.status == 429 for c in update_calls(slack, name)), what="the 429"
    )
    # The thread reply goes out in the pass after the 429 was stored with the card write (a
    # kill between Slack's 429 and that commit would lose the wait: nothing can prevent that).
    await wait_until(
        lambda: any("Waiting for" in m.text for m in slack.messages(CHANNEL)),
        what="the reschedule to be stored",
    )
    killed_at = await _kill9(procs)
    await procs.start()
    await wait_until(lambda: card_says(slack, name, "waiting"), within=30, what="waiting")
    print(f"\nkill -9 inside Retry-After 4 s: card 'waiting' {time.monotonic() - killed_at:.1f}s")
    life.join(name)
    life.end(name)
    await wait_until(lambda: life.all_final(slack, [name]), within=20, what="final card")
    await settle(1.0)

    expect_invariants(slack, goto, life, [name], commands=1, label="kill -9 inside Retry-After")
