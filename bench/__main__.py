"""``python -m bench [--quick | --tiny] [--out FILE] [--only PHASES]``

Prints one JSON object (milliseconds unless named otherwise):

* ``ack_p50_ms``, ``ack_p99_ms``: signed ``/remote-support <customer>`` at concurrency 16;
  ``bare_bolt_ack_p50_ms``, ``bare_bolt_ack_p99_ms``: the same load on a bare slack-bolt app,
  in alternating rounds of the same run; medians of the rounds' percentiles.
  ``ack_ratio_p99`` = ``ack_p99_ms / bare_bolt_ack_p99_ms``.
* ``ack_p99_ms_slow_goto``: the app while GoToAssist takes 5 s per call (same rounds).
* ``callbacks_per_s_sqlite``, ``callbacks_per_s_postgres``: status callbacks accepted per
  second at concurrency 32 (``null`` with a note when PostgreSQL cannot be reached).
* ``callback_to_update_p50_ms``, ``callback_to_update_p99_ms``: callback sent -> the card's
  ``chat.update`` received by the Slack stand-in, one at a time.
* ``slack_writes_per_session`` (+ ``_by_method``): Slack Web API writes per attended lifecycle;
  ``slack_reads_per_session``: the access check's look-ups (cached per person).
* ``rss_mb_10k_sessions``: VmRSS (MiB) of a ``remote-support serve`` subprocess with 10,000
  stored sessions, 1,000 live and polled (fewer with ``--tiny``: see ``samples``).
* ``machine_search_p99_ms``: one search of the machine directory (10,000 machines in 500
  companies, loaded from the GoToAssist stand-in by paging): names, parts, ``company/name``,
  UUIDs, misses ranked by closeness, and the form's suggestions.
* ``home_render_p99_ms``: one technician's App Home read and rendered with 10,000 sessions
  stored (bench/home.py).
* ``machine``, ``sizes``, ``samples``, ``settings``, ``targets``, ``notes``, ``details``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.ack import measure_ack
from bench.base import progress
from bench.busy import measure_busy
from bench.callback_latency import measure_callback_latency
from bench.callbacks import measure_callbacks
from bench.databases import PostgresUnavailable, throwaway_postgres
from bench.harness import AppPlan
from bench.home import report_home as measure_home
from bench.machine import machine
from bench.machines import measure_machine_search
from bench.memory import measure_rss
from bench.processes import LoadGen
from bench.sizes import FULL, QUICK, TINY, Sizes
from bench.slack_writes import measure_slack_writes
from sandbox.harness import StandIns

PHASES = ("ack", "callbacks", "lifecycle", "rss", "machines", "home", "busy")
KEYS = (
    "ack_p50_ms",
    "ack_p99_ms",
    "bare_bolt_ack_p50_ms",
    "bare_bolt_ack_p99_ms",
    "ack_ratio_p99",
    "ack_p99_ms_slow_goto",
    "callbacks_per_s_sqlite",
    "callbacks_per_s_postgres",
    "callback_to_update_p50_ms",
    "callback_to_update_p99_ms",
    "slack_writes_per_session",
    "slack_writes_per_session_by_method",
    "slack_reads_per_session",
    "rss_mb_10k_sessions",
    "machine_search_p99_ms",
    "home_render_p99_ms",
    "busy_card_visible_p50_s",
    "busy_card_visible_max_s",
    "busy_card_visible_floor_s",
    "busy_start_link_max_s",
    "busy_stale_max_s",
    "busy_429_share",
    "busy_done_ratio",
    "busy_create_rate_per_s",
    "busy_create_wait_max_s",
)
# key -> (comparison, bound): what the product must reach (docs only; the bench never fails).
TARGETS: dict[str, tuple[str, float]] = {
    "ack_ratio_p99": ("<=", 1.25),
    "ack_p99_ms_slow_goto": ("<", 100.0),
    "callbacks_per_s_sqlite": (">=", 500.0),
    "callback_to_update_p50_ms": ("<", 50.0),
    "slack_writes_per_session": ("<=", 10.0),
    "rss_mb_10k_sessions": ("<", 150.0),
    "machine_search_p99_ms": ("<", 50.0),
    "home_render_p99_ms": ("<", 200.0),
    "busy_card_visible_max_s": ("<=", math.nan),  # 1.5 x busy_card_visible_floor_s + 5
    "busy_start_link_max_s": ("<=", 5.0),
    "busy_stale_max_s": ("<=", 10.0),
    "busy_429_share": ("<", 0.05),
    "busy_done_ratio": ("<=", 1.1),
    "busy_create_rate_per_s": (">=", 0.8 * 8.0),  # 80% of GOTOASSIST_RATE_PER_S
}


def _met(value: Any, op: str, bound: float) -> bool | None:
    if not isinstance(value, int | float):
        return None
    return {"<=": value <= bound, "<": value < bound, ">=": value >= bound}[op]


def _targets(out: dict[str, Any], details: dict[str, Any]) -> dict[str, Any]:
    """Each target with the value it is judged on (the Slack budget on the chat.* calls)."""
    judged: dict[str, Any] = {}
    for key, (op, bound) in TARGETS.items():
        value = out.get(key)
        basis = key
        if key == "slack_writes_per_session" and "slack_writes" in details:
            value = details["slack_writes"]["message_writes_per_session"]
            basis = "details.slack_writes.message_writes_per_session"
        if key == "busy_card_visible_max_s":
            floor = out.get("busy_card_visible_floor_s")
            bound = 1.5 * floor + 5 if isinstance(floor, int | float) else math.nan
        judged[key] = {
            "target": f"{op} {bound:g}",
            "value": value,
            "judged_on": basis,
            "met": _met(value, op, bound),
        }
    return judged


APP_SETTINGS_NOTE = (
    "Each app gets SLACK_API_URL and GOTOASSIST_API_URL of the stand-ins, PUBLIC_BASE_URL (so "
    "callbacks are on), its own DATABASE_URL and ENCRYPTION_KEY, SHUTDOWN_GRACE_S=2; every "
    "other setting at its default (POLL_INTERVAL_YOUNG/ACTIVE/IDLE_S 5/15/60, "
    "DATABASE_POOL_SIZE 5, GOTOASSIST_RATE_PER_S 8, LOG_LEVEL INFO, LOG_FORMAT json)."
)


@dataclass
class Report:
    out: dict[str, Any] = field(default_factory=lambda: dict.fromkeys(KEYS))
    samples: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    phase_seconds: dict[str, float] = field(default_factory=dict)

    def keys_from(self, result: dict[str, Any]) -> None:
        self.out.update({k: v for k, v in result.items() if k in KEYS})


async def _ack(report: Report, sizes: Sizes, workdir: Path, loadgen: LoadGen) -> None:
    ack = await measure_ack(sizes, workdir, loadgen)
    report.keys_from(ack)
    report.samples["ack"], report.details["ack"] = ack["samples"], ack["details"]
    report.notes["ack"] = (
        "Rounds rotate the order of app / bare Bolt / app-with-slow-GoToAssist; each key is "
        "the median of the rounds' percentiles. While one server is measured the other two "
        "are paused (SIGSTOP). The bare app is a slack-bolt AsyncApp served through "
        "slack_bolt.adapter.aiohttp like the app, with the same authorize (no auth.test); its "
        "handler only acks. Each command the app acks also starts a session in the background "
        "(stored, then GoToAssist asked at most 8/s), so a backlog builds over the rounds on "
        "the app's own event loop: see details.ack.sessions_stored_at_end_by_creation."
    )


async def _callbacks(report: Report, sizes: Sizes, workdir: Path, loadgen: LoadGen) -> None:
    sqlite = await measure_callbacks(sizes, workdir, loadgen, database_url=None, label="sqlite")
    report.out["callbacks_per_s_sqlite"] = sqlite["callbacks_per_s"]
    report.samples["callbacks"] = sqlite["samples"]
    report.details["callbacks_sqlite"] = sqlite["details"]
    try:
        async with throwaway_postgres() as pg_url:
            pg = await measure_callbacks(
                sizes, workdir, loadgen, database_url=pg_url, label="postgres"
            )
        report.out["callbacks_per_s_postgres"] = pg["callbacks_per_s"]
        report.details["callbacks_postgres"] = pg["details"]
    except PostgresUnavailable as exc:
        report.notes["callbacks_per_s_postgres"] = f"not measured: {exc}"
    report.notes["callbacks"] = (
        "Accepted = HTTP 200 (changed or not). Sessions are seeded (rows + stand-in sessions); "
        "bodies are what the stand-in reports after each transition; "
        f"{sizes.callback_duplicate_rate:.0%} of callbacks are sent twice, every "
        f"{sizes.callback_abandoned_every}th session is abandoned. The poller runs (GETs confirm "
        "changes) and the outbox writes to Slack meanwhile."
    )


async def _lifecycle(report: Report, sizes: Sizes, workdir: Path) -> None:
    async with StandIns() as stand:
        plan = AppPlan("lifecycle", workdir, stand)
        await plan.migrate()
        async with plan.serve() as live:
            writes = await measure_slack_writes(live, sizes)
            latency = await measure_callback_latency(live, sizes)
    report.keys_from(writes)
    report.keys_from(latency)
    report.samples["slack_writes"] = writes["samples"]
    report.details["slack_writes"] = writes["details"]
    report.samples["callback_latency"] = latency["samples"]
    report.details["callback_latency"] = latency["details"]
    report.notes["slack_writes_per_session"] = (
        "All Web API writes of one attended lifecycle (DMs go to the user id, so no "
        "conversations.open); the access check's users.info is a read, counted in "
        "slack_reads_per_session (cached per person, so one per new technician). "
        "details.slack_writes.message_writes_per_session counts chat.* "
        "only; the budget is 10 messages: card post, 3 edits, 3 status replies, the join "
        "link, and the start link as an ephemeral and a DM."
    )
    report.notes["callback_to_update"] = (
        "Sessions started with /remote-support; the bench sends each callback after a random "
        "idle gap and times it to the stand-in's arrival time of the card's chat.update."
    )


async def _rss(report: Report, sizes: Sizes, workdir: Path) -> None:
    rss = await measure_rss(sizes, workdir)
    report.out["rss_mb_10k_sessions"] = rss["rss_mb"]
    report.samples["rss"], report.details["rss"] = rss["samples"], rss["details"]
    report.notes["rss_mb_10k_sessions"] = (
        "Peak VmRSS (MiB) of the serve process over the polling window, sampled every second."
    )


async def _machines(report: Report, sizes: Sizes) -> None:
    found = await measure_machine_search(sizes)
    report.keys_from(found)
    report.samples["machine_search"] = found["samples"]
    report.details["machine_search"] = found["details"]
    report.notes["machine_search_p99_ms"] = (
        "p99 over every timed call (a search over all companies, the same search limited to "
        "a quarter of them as one technician's access, and the form's suggestions), in the "
        "bench process on the directory as the app builds it."
    )


async def _busy(report: Report, sizes: Sizes) -> None:
    if sizes is TINY:
        busy = await measure_busy(20.0, live=50, commands=16)
    else:
        busy = await measure_busy(1.0 if sizes is FULL else 10.0)
    report.keys_from(busy)
    report.details["busy"] = busy
    report.notes["busy"] = (
        "In the bench process (sandbox Rig, SQLite). 24 technicians start a session each in one "
        "channel within 3 s; each goes waiting -> active -> complete (callbacks on) against a "
        "Slack stand-in enforcing Slack's limits at details.busy.busy_slack_scale times Slack's "
        "pace (1 in the full run), the app's SLACK_RATE_SCALE the same. Card visible: command "
        "to the card's post; floor: the same if cards were posted first at the channel's limit "
        "(60/min, burst 5); stale: a GoToAssist change to the card showing it; done ratio: "
        "command to last write, against the least time the channel allows for the posts made "
        "(or the last change, if later). Then 200 live sessions polled every 2 s, callbacks "
        "off, and 60 commands (12 technicians) within 2 s: creates a second from the first "
        "create to the last, and the longest a command waited for its create."
    )


async def run(sizes: Sizes, phases: Sequence[str], workdir: Path) -> dict[str, Any]:
    report = Report()
    report.notes["method"] = (
        "The app is a `remote-support serve` subprocess (SQLite unless named) wired to the "
        "Slack and GoToAssist stand-ins served by the bench process; traffic comes from a "
        "separate load-generator process (closed loop, keep-alive connections, requests "
        "signed before the clock starts)."
    )
    info = machine()
    began = mark = time.monotonic()

    def lap(phase: str) -> None:
        nonlocal mark
        now = time.monotonic()
        report.phase_seconds[phase] = round(now - mark, 1)
        mark = now

    async with LoadGen(workdir) as loadgen:
        if "ack" in phases:
            await _ack(report, sizes, workdir, loadgen)
            lap("ack")
        if "callbacks" in phases:
            await _callbacks(report, sizes, workdir, loadgen)
            lap("callbacks")
    if "lifecycle" in phases:
        await _lifecycle(report, sizes, workdir)
        lap("lifecycle")
    if "rss" in phases:
        await _rss(report, sizes, workdir)
        lap("rss")
    if "machines" in phases:
        await _machines(report, sizes)
        lap("machines")
    if "home" in phases:
        await measure_home(report, sizes, workdir)  # bench/home.py
        lap("home")
    if "busy" in phases:
        await _busy(report, sizes)
        lap("busy")
    return {
        **report.out,
        "machine": info,
        "sizes": sizes.to_json(),
        "samples": report.samples,
        "settings": {"app": APP_SETTINGS_NOTE, "phases": list(phases)},
        "targets": _targets(report.out, report.details),
        "notes": report.notes,
        "details": report.details,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "bench_seconds": round(time.monotonic() - began, 1),
        "phase_seconds": report.phase_seconds,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="under a minute on 2 cores")
    size.add_argument("--tiny", action="store_true", help="smallest sizes (for the test)")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument(
        "--only",
        default=",".join(PHASES),
        help=f"comma-separated phases to run (default all: {','.join(PHASES)})",
    )
    parser.add_argument("--keep", type=Path, help="keep logs and databases in this directory")
    args = parser.parse_args(argv)
    sizes = TINY if args.tiny else QUICK if args.quick else FULL
    phases = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(phases) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases {sorted(unknown)}; choose from {', '.join(PHASES)}")
    progress(f"{sizes.name} run: {', '.join(phases)}")
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        result = asyncio.run(run(sizes, phases, args.keep))
    else:
        with tempfile.TemporaryDirectory(prefix="rs-bench-") as tmp:
            result = asyncio.run(run(sizes, phases, Path(tmp)))
    text = json.dumps(result, indent=2)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
