"""Scenario 8: SIGTERM with a session start in flight. The process exits 0 within 25 s and
the start is not silently lost: its card is posted (after a restart if need be) or the
technician is told."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from sandbox.harness import StandIns, migrate, wait_until
from tests.faults.helpers import (
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
    private_texts,
    process_settings,
    settle,
    slash,
)


async def test_sigterm_with_a_start_in_flight(postgres_url: str, tmp_path: Path) -> None:
    name = customer(0)
    services = await StandIns.started()
    slack, goto = services.slack, services.goto
    procs = Processes(process_settings(services, postgres_url), tmp_path)
    try:
        await migrate(postgres_url)
        app = await procs.start()
        goto.set_latency("create", 2.0)
        assert await slash(app.base_url, slack, command_text(0)) == 200
        await wait_until(lambda: len(creates(goto)) == 1, what="POST /sessions to arrive")

        app.kill(signal.SIGTERM)
        asked = time.monotonic()
        code = await app.wait_exit(within=30)
        took = time.monotonic() - asked
        print(f"\nSIGTERM: exited {code} after {took:.1f}s")
        assert code == 0, procs.logs()
        assert took < 25
        posted_before_exit = card_of(slack, name) is not None
        print(f"card posted before the process exited: {posted_before_exit}")

        goto.set_latency("create", 0.0)
        restarted_at = time.monotonic()
        await procs.start()

        def outcome() -> bool:
            told = any("was not created" in t for t in private_texts(slack))
            return told or (card_of(slack, name) is not None and bool(slack.dms(TECH)))

        await wait_until(outcome, within=60, interval=0.2, what="the card or a notice")
        print(f"after the restart, the outcome showed {time.monotonic() - restarted_at:.1f}s in")
        assert create_problems(goto, 1) == []
        if card_of(slack, name) is None:
            print("the start was cut: the technician was told")
            return
        # The session was started: it is followed to the end like any other.
        assert card_says(slack, name, "not started")
        start_links = [m for m in slack.dms(TECH) if "start link" in m.text.lower()]
        assert len(start_links) == 1, "the private start link was not sent exactly once"
        life = Lifecycle(goto)
        life.complete(name)
        await wait_until(lambda: life.all_final(slack, [name]), within=20, what="final card")
        await settle(1.0)
        expect_invariants(slack, goto, life, [name], commands=1, label="SIGTERM")
    finally:
        procs.stop_all()
        await services.stop()
