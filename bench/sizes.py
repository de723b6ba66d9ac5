"""How much each benchmark does: ``--tiny`` (the test), ``--quick`` (< 60 s), full."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Sizes:
    name: str
    # acknowledgement times: alternating rounds of app / bare Bolt / app with a slow GoToAssist
    ack_rounds: int
    ack_requests: int  # per target per round
    ack_warmup: int  # per target, before the first round, not recorded
    # status-callback throughput
    callback_sessions: int
    callback_warmup: int  # callbacks sent (untimed) before the timed run
    # callback -> chat.update latency (one at a time) and Slack writes per lifecycle
    latency_sessions: int
    writes_sessions: int
    # resident memory with stored and live sessions
    rss_sessions: int
    rss_live: int
    rss_poll_s: float
    ack_concurrency: int = 16
    callback_concurrency: int = 32
    callback_duplicate_rate: float = 0.3
    callback_abandoned_every: int = 10  # every n-th session ends without the customer joining
    slow_goto_s: float = 5.0
    # the machine directory: companies, machines in each, searches timed
    machine_companies: int = 500
    machines_per_company: int = 20
    machine_searches: int = 2000
    outbox_drain_wait_s: float = 30.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


TINY = Sizes(
    name="tiny",
    ack_rounds=2,
    ack_requests=48,
    ack_warmup=16,
    callback_sessions=40,
    callback_warmup=8,
    latency_sessions=3,
    writes_sessions=1,
    rss_sessions=400,
    rss_live=40,
    rss_poll_s=1.5,
    outbox_drain_wait_s=0.0,
    machine_searches=200,
)
QUICK = Sizes(
    name="quick",
    ack_rounds=5,
    ack_requests=160,
    ack_warmup=32,
    callback_sessions=120,
    callback_warmup=32,
    latency_sessions=6,
    writes_sessions=1,
    rss_sessions=10_000,
    rss_live=1_000,
    rss_poll_s=5.0,
    outbox_drain_wait_s=0.0,
)
FULL = Sizes(
    name="full",
    ack_rounds=9,
    ack_requests=600,
    ack_warmup=100,
    callback_sessions=2000,
    callback_warmup=64,
    latency_sessions=40,
    writes_sessions=5,
    rss_sessions=10_000,
    rss_live=1_000,
    rss_poll_s=90.0,
    outbox_drain_wait_s=60.0,
)
PRESETS = {sizes.name: sizes for sizes in (TINY, QUICK, FULL)}
