"""Slack Web API calls per session for one full attended lifecycle (create -> waiting ->
active -> complete), by method. Sessions run one after another, each by a technician new to
the app process (so its DM channel is not cached yet), and every transition waits for its
card edit and thread reply, so nothing is coalesced that would not be in real use."""

from __future__ import annotations

from collections import Counter
from typing import Any

from bench.base import BenchError, progress
from bench.harness import LiveApp
from bench.lifecycle import Card, settle, start_sessions, transitions
from bench.sizes import Sizes
from bench.stats import rounded
from sandbox.harness import wait_until

# What the design allows one attended lifecycle: the card, one edit and one thread reply per
# status change (3 of each), the join-link reply, and the start link (ephemeral + DM).
BUDGET = {
    "card post": 1,
    "card edits": 3,
    "status thread replies": 3,
    "join-link reply": 1,
    "start-link messages (ephemeral + DM)": 2,
}
MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral"})
# Who the technician is (the access check): reads, cached per person, not writes. Each
# lifecycle here has a new technician, so each pays one; a team's repeat starts pay none.
# auth.test: the workspace's URL for card links in DMs and Home, once per process.
READ_METHODS = frozenset(
    {"users.info", "usergroups.list", "usergroups.users.list", "auth.test", "chat.getPermalink"}
)
# The technician's "customer joined" and "session ended" DMs (issue 13): each can be switched
# off in App Home, so they are counted apart from the card-and-thread budget above.


def _is_technician_dm(method: str, params: dict[str, Any]) -> bool:
    """A "customer joined" / "session ended" DM (bot/slack/home.py words them so)."""
    text = str(params.get("text") or "")
    return method == "chat.postMessage" and (
        text.endswith(" joined your session.")
        or (text.startswith("Your session with ") and text.endswith(" ended."))
    )


async def measure_slack_writes(live: LiveApp, sizes: Sizes) -> dict[str, Any]:
    slack, goto = live.slack, live.goto
    goto.callbacks_enabled = True
    goto.callback_duplicates = 0
    per_session: list[Counter[str]] = []
    dms: list[int] = []
    for k in range(sizes.writes_sessions):
        first = len(slack.calls)
        (card,) = await start_sessions(live, [f"UWRITES{k}"], 900 + k)
        for action, words in transitions(goto):
            seen = len(slack.thread(card.channel, card.ts))
            action(card.session_token)

            async def shown(words: str = words, seen: int = seen, card: Card = card) -> bool:
                message = slack.message(card.channel, card.ts)
                return (
                    message is not None
                    and message.text.endswith(words)
                    and len(slack.thread(card.channel, card.ts)) > seen
                )

            await wait_until(shown, within=20, what=f"the card to say {words}")
        await settle(live, quiet_s=2.0)  # includes the confirming poll a second later
        calls = slack.calls[first:]
        if any(not c.ok for c in calls):
            raise BenchError(f"Slack calls failed: {[c.error for c in calls if not c.ok]}")
        per_session.append(Counter(c.method for c in calls))
        dms.append(sum(1 for c in calls if _is_technician_dm(c.method, c.params)))
    n = len(per_session)
    progress(f"slack writes: {n} lifecycles")
    total: Counter[str] = Counter()
    for counts in per_session:
        total.update(counts)
    technician_dms = sum(dms)
    messages = sum(v for k, v in total.items() if k in MESSAGE_METHODS) - technician_dms
    reads = sum(v for k, v in total.items() if k in READ_METHODS)
    return {
        "slack_writes_per_session": rounded((sum(total.values()) - reads) / n, 2),
        "slack_reads_per_session": rounded(reads / n, 2),
        "slack_writes_per_session_by_method": {k: rounded(v / n, 2) for k, v in total.items()},
        "samples": {"lifecycles": n},
        "details": {
            "message_writes_per_session": rounded(messages / n, 2),
            "technician_dms_per_session": rounded(technician_dms / n, 2),
            "budget_message_writes": sum(BUDGET.values()),
            "budget": BUDGET,
            "per_session": [dict(c) for c in per_session],
        },
    }
