"""From a status callback's send to the Slack stand-in receiving the card's ``chat.update``,
one callback at a time. Both times are ``time.monotonic()`` in this process (the stand-in
records ``at`` on arrival). The callback is sent by the bench, with the stand-in's own
deliveries off, so its answer tells whether it changed the session: a sample whose change a
poll had already stored is left out and counted."""

from __future__ import annotations

import asyncio
import json
import random
import time
from functools import partial
from typing import Any

from bench.base import BenchError, progress
from bench.harness import LiveApp
from bench.lifecycle import first_call, settle, start_sessions, transitions
from bench.sizes import Sizes
from bench.stats import percentile, rounded, summary
from sandbox.slack import RecordedCall

GAP_S = (0.02, 0.12)  # idle time before each callback


def _is(call: RecordedCall, method: str, key: str, ts: str) -> bool:
    return call.method == method and call.params.get(key) == ts


async def measure_callback_latency(live: LiveApp, sizes: Sizes) -> dict[str, Any]:
    slack, goto = live.slack, live.goto
    users = [f"ULAT{i}" for i in range(sizes.latency_sessions)]
    cards = await start_sessions(live, users, 700)
    await settle(live, quiet_s=0.5)
    goto.callbacks_enabled = False
    to_update: list[float] = []
    to_reply: list[float] = []
    raced = 0
    rng = random.Random(700)
    for action, _words in transitions(goto):
        for card in cards:
            # Arrivals at random moments, not in step with the app's last write or its ticks.
            await asyncio.sleep(rng.uniform(*GAP_S))
            session = action(card.session_token)
            if session.callback_url is None:
                raise BenchError("the app gave GoToAssist no callback URL")
            body = json.dumps(session.info()).encode()
            first = len(slack.calls)
            sent = time.monotonic()
            async with live.http.post(
                session.callback_url, data=body, headers={"Content-Type": "application/json"}
            ) as resp:
                answer = await resp.json()
                if resp.status != 200:
                    raise BenchError(f"callback answered {resp.status}: {answer}")
            if not answer.get("changed"):
                raced += 1
                await settle(live, quiet_s=0.3)
                continue
            update = await first_call(
                slack, first, partial(_is, method="chat.update", key="ts", ts=card.ts)
            )
            reply = await first_call(
                slack, first, partial(_is, method="chat.postMessage", key="thread_ts", ts=card.ts)
            )
            to_update.append((update.at - sent) * 1000.0)
            to_reply.append((reply.at - sent) * 1000.0)
    progress(f"callback latency: {len(to_update)} samples")
    return {
        "callback_to_update_p50_ms": rounded(percentile(to_update, 50)),
        "callback_to_update_p99_ms": rounded(percentile(to_update, 99)),
        "samples": {"callbacks": len(to_update), "sessions": len(cards)},
        "details": {
            "callback_to_update_ms": summary(to_update),
            "callback_to_thread_reply_ms": summary(to_reply),
            "left_out_poll_got_there_first": raced,
            "gap_before_each_callback_s": list(GAP_S),
        },
    }
