"""Acknowledgement times of signed ``/remote-support <customer>`` commands at concurrency 16:
the app, a bare slack-bolt app (the baseline) and the app whose GoToAssist takes 5 s a call,
measured in alternating rounds of the same run so machine noise hits all three alike."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.base import BenchError, progress
from bench.databases import query
from bench.harness import AppPlan
from bench.processes import CpuMeter, LoadGen, bare_bolt_process
from bench.sizes import Sizes
from bench.stats import median, percentile, rounded, summary
from sandbox.gotoassist import GoToAssistStandIn
from sandbox.harness import StandIns, free_port
from sandbox.process import ServerProcess

APP, BARE, SLOW = "app", "bare_bolt", "app_slow_goto"
TARGETS = (APP, BARE, SLOW)


def round_order(r: int) -> list[str]:
    """Round r: the targets rotated by r, reversed on odd rounds (no target always goes first)."""
    order = [TARGETS[(r + k) % len(TARGETS)] for k in range(len(TARGETS))]
    return order[::-1] if r % 2 else order


def _job(proc: ServerProcess, stand: StandIns, count: int, concurrency: int, tag: str) -> Any:
    return {
        "op": "slash",
        "url": proc.base_url + "/slack/events",
        "count": count,
        "concurrency": concurrency,
        "response_url_base": stand.slack.base_url + "response/",
        "tag": tag,
        "users": 8,
    }


def _median_dict(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: rounded(median([row[key] for row in rows]), 1) for key in rows[0]} if rows else {}


def _check(name: str, result: dict[str, Any]) -> int:
    """Non-200 answers; more than 1% of them means the measurement is not of acks."""
    statuses: dict[str, int] = result["statuses"]
    bad = sum(n for code, n in statuses.items() if code != "200")
    if bad > 0.01 * max(1, len(result["latencies_ms"])):
        raise BenchError(f"{name}: {bad} of {len(result['latencies_ms'])} acks failed: {statuses}")
    return bad


async def measure_ack(sizes: Sizes, workdir: Path, loadgen: LoadGen) -> dict[str, Any]:
    async with StandIns() as stand, GoToAssistStandIn(tokens=stand.goto.tokens) as slow_goto:
        slow_goto.set_latency("all", sizes.slow_goto_s)
        app_plan = AppPlan("ack-app", workdir, stand)
        slow_plan = AppPlan("ack-app-slow-goto", workdir, stand, goto=slow_goto)
        await app_plan.migrate()  # one at a time: Alembic's context is process-global
        await slow_plan.migrate()
        procs = {
            APP: app_plan.process(),
            BARE: bare_bolt_process(free_port(), workdir, stand.slack.api_url),
            SLOW: slow_plan.process(),
        }
        progress("ack: starting the app, the bare Bolt app and the app with a slow GoToAssist")
        try:
            await asyncio.gather(*(proc.launch() for proc in procs.values()))
            result = await _rounds(sizes, stand, procs, loadgen, app_plan)
            # How far the app's background work got behind its acks (context for the p99).
            for name, plan in ((APP, app_plan), (SLOW, slow_plan)):
                rows = await query(
                    plan.database_url, "SELECT creation, count(*) FROM sessions GROUP BY creation"
                )
                result["details"].setdefault("sessions_stored_at_end_by_creation", {})[name] = {
                    str(k): int(v) for k, v in rows
                }
            return result
        finally:
            await asyncio.gather(*(proc.shutdown() for proc in procs.values()))
            progress(
                "ack: stopped in "
                + ", ".join(f"{name} {proc.stop_seconds} s" for name, proc in procs.items())
            )


async def _rounds(
    sizes: Sizes,
    stand: StandIns,
    procs: dict[str, ServerProcess],
    loadgen: LoadGen,
    app_plan: AppPlan,
) -> dict[str, Any]:
    """While one target is measured the other two are paused (SIGSTOP), so that the apps'
    background work (their start backlog) cannot slow down another target's round."""

    def only(name: str) -> None:
        for other, proc in procs.items():
            if other == name:
                proc.resume()
            else:
                proc.pause()

    try:
        return await _measure(sizes, stand, procs, loadgen, app_plan, only)
    finally:
        for proc in procs.values():
            proc.resume()


async def _measure(
    sizes: Sizes,
    stand: StandIns,
    procs: dict[str, ServerProcess],
    loadgen: LoadGen,
    app_plan: AppPlan,
    only: Callable[[str], None],
) -> dict[str, Any]:
    c = sizes.ack_concurrency
    for name in TARGETS:
        only(name)
        await loadgen.run(_job(procs[name], stand, sizes.ack_warmup, c, f"warm-{name}"))
    p50s: dict[str, list[float]] = {name: [] for name in TARGETS}
    p99s: dict[str, list[float]] = {name: [] for name in TARGETS}
    rates: dict[str, list[float]] = {name: [] for name in TARGETS}
    pooled: dict[str, list[float]] = {name: [] for name in TARGETS}
    failed = dict.fromkeys(TARGETS, 0)
    cpu: dict[str, list[dict[str, float]]] = {name: [] for name in TARGETS}
    for r in range(sizes.ack_rounds):
        for name in round_order(r):
            only(name)
            job = _job(procs[name], stand, sizes.ack_requests, c, f"{name}-{r}")
            pids = {"server": procs[name].pid, "loadgen": loadgen.pid, "bench": os.getpid()}
            with CpuMeter(pids) as meter:
                result = await loadgen.run(job)
            cpu[name].append(meter.result)
            failed[name] += _check(name, result)
            latencies: list[float] = result["latencies_ms"]
            p50s[name].append(percentile(latencies, 50))
            p99s[name].append(percentile(latencies, 99))
            rates[name].append(len(latencies) / result["elapsed_s"])
            pooled[name].extend(latencies)
        progress(
            f"ack round {r + 1}/{sizes.ack_rounds}: p99 "
            + ", ".join(f"{name} {p99s[name][-1]:.1f} ms" for name in TARGETS)
        )
    ratios = [a / b for a, b in zip(p99s[APP], p99s[BARE], strict=True)]
    slow_ratios = [a / b for a, b in zip(p99s[SLOW], p99s[BARE], strict=True)]
    ack_p99 = rounded(median(p99s[APP]))
    bare_p99 = rounded(median(p99s[BARE]))  # the ratio is of the two keys as reported
    commands = sizes.ack_warmup + sizes.ack_rounds * sizes.ack_requests
    creates = sum(1 for req in app_plan.goto.requests if req.route == "create")
    return {
        "ack_p50_ms": rounded(median(p50s[APP])),
        "ack_p99_ms": ack_p99,
        "bare_bolt_ack_p50_ms": rounded(median(p50s[BARE])),
        "bare_bolt_ack_p99_ms": bare_p99,
        "ack_ratio_p99": rounded(ack_p99 / bare_p99, 3),
        "ack_p99_ms_slow_goto": rounded(median(p99s[SLOW])),
        "samples": {
            "ack_rounds": sizes.ack_rounds,
            "ack_requests_per_round_per_target": sizes.ack_requests,
            "ack_warmup_per_target": sizes.ack_warmup,
            "ack_concurrency": c,
        },
        "details": {
            "per_round_p50_ms": {k: [rounded(x) for x in v] for k, v in p50s.items()},
            "per_round_p99_ms": {k: [rounded(x) for x in v] for k, v in p99s.items()},
            "per_round_requests_per_s": {k: [rounded(x, 1) for x in v] for k, v in rates.items()},
            "pooled_ms": {k: summary(v) for k, v in pooled.items()},
            "median_of_round_ratios_p99": rounded(median(ratios), 3),
            "slow_goto_ratio_p99": rounded(median(slow_ratios), 3),
            "cpu_during_rounds_median": {k: _median_dict(v) for k, v in cpu.items()},
            "non_200_acks": failed,
            "commands_sent_per_app": commands,
            "app_sessions_reaching_gotoassist_during_rounds": creates,
        },
    }
