"""Two replicas writing to one busy channel, each pacing to half of Slack's limits
(SLACK_REPLICAS=2): every card reaches its final state, and Slack answers no burst of 429s."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from bot.crypto import new_key
from sandbox.balancer import RoundRobin
from sandbox.harness import StandIns, app_settings, migrate, wait_until
from sandbox.process import AppProcess
from sandbox.signing import sign, slash_command_body

SESSIONS = 16
CHANNEL = "CBUSYSHARED"


async def test_two_replicas_share_a_busy_channel_without_a_burst_of_429s(
    postgres_url: str, tmp_path: Path
) -> None:
    async with StandIns() as stand:
        slack, goto = stand.slack, stand.goto
        stand.enforce_slack_limits()
        await migrate(postgres_url)
        lb = RoundRobin([])
        await lb.start()
        key = new_key()
        procs = [
            AppProcess(
                app_settings(
                    stand,
                    postgres_url,
                    public_base_url=lb.base_url,
                    encryption_key=key,
                    slack_replicas=2,
                    gotoassist_rate_per_s=4.5,
                    outbox_lease_s=3.0,
                    poll_lease_s=3.0,
                ),
                tmp_path / f"r{n}.log",
            )
            for n in range(2)
        ]
        lb.backends.extend(p.base_url for p in procs)
        lb.served = dict.fromkeys(lb.backends, 0)
        try:
            for proc in procs:
                proc.start()
            await asyncio.gather(*(proc.wait_ready() for proc in procs))
            async with aiohttp.ClientSession() as http:
                for i in range(SESSIONS):
                    body = slash_command_body(
                        f'"Customer {i:03d}" c{i}@example.com',
                        response_url=slack.response_url(f"r{i}"),
                        user=f"UTECH{i % 8}",
                        channel=CHANNEL,
                    )
                    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
                    async with http.post(f"{lb.base_url}/slack/events", data=body, headers=headers):
                        pass
            await wait_until(lambda: len(goto.sessions) == SESSIONS, within=60, what="sessions")
            for session in list(goto.sessions.values()):
                goto.start_session(session.session_token)
                goto.join_session(session.session_token)
                goto.end_session(session.session_token)
            await goto.drain_callbacks()

            def all_final() -> bool:
                cards = slack.messages(CHANNEL, replies=False)
                final = [m for m in cards if m.text.endswith(": complete")]
                return len(cards) == SESSIONS and len(final) == SESSIONS

            await wait_until(all_final, within=120, interval=0.5, what="every card final")
            calls = [c for c in slack.calls if c.method.startswith("chat.")]
            limited = slack.rate_limited()
            print(f"\nSlack calls: {len(calls)}; answered 429: {len(limited)}")
            assert len(limited) <= max(1, len(calls) // 50), [
                (c.method, c.params.get("channel")) for c in limited
            ]
            assert slack.retry_after_violations == []
        except BaseException:
            for proc in procs:
                print(f"\n--- {proc.base_url} log tail ---\n{proc.output()}")
            raise
        finally:
            for proc in procs:
                proc.stop()
            await lb.stop()
