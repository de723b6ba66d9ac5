"""Prometheus metrics, served at GET /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

COMMANDS = Counter(
    "remote_support_commands_total", "Slash commands and interactions", ["command", "outcome"]
)
CALLBACKS = Counter("remote_support_callbacks_total", "GoToAssist status callbacks", ["outcome"])
SLACK_CALLS = Counter(
    "remote_support_slack_calls_total", "Slack Web API calls", ["method", "outcome"]
)
GOTO_CALLS = Counter(
    "remote_support_gotoassist_calls_total", "GoToAssist API calls", ["method", "outcome"]
)
OUTBOX_DEPTH = Gauge("remote_support_outbox_depth", "Slack writes owed", ["state"])
POLLS = Counter("remote_support_polls_total", "Session polls", ["outcome"])
CALLBACK_TO_SLACK = Histogram(
    "remote_support_change_to_slack_seconds",
    "From a stored status change to its Slack write",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


def observe_goto(method: str, outcome: str) -> None:
    GOTO_CALLS.labels(method=method, outcome=outcome).inc()
