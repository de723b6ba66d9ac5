"""Several replicas on one PostgreSQL database behind a round-robin balancer."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from bot.config import Settings
from bot.crypto import new_key
from bot.sessions.status import SessionStatus
from sandbox.balancer import RoundRobin
from sandbox.harness import StandIns, app_settings, migrate, wait_until
from sandbox.process import AppProcess
from sandbox.signing import sign, slash_command_body
from sandbox.slack import SlackStandIn

SESSIONS = 100
CHANNELS = [f"CREPLICA{i}" for i in range(5)]


def _settings(stand: StandIns, db: str, lb: str, key: str) -> Settings:
    return app_settings(
        stand,
        db,
        gotoassist_rate_per_s=4.5,  # per replica: two stay under GoToAssist's 10/s
        public_base_url=lb,
        encryption_key=key,
        outbox_lease_s=3.0,
        poll_lease_s=3.0,
        poll_interval_young_s=20.0,
        poll_interval_active_s=20.0,
        poll_interval_idle_s=30.0,
    )


async def _command(http: aiohttp.ClientSession, lb: str, slack: SlackStandIn, i: int) -> int:
    body = slash_command_body(
        f'"Customer {i:03d}" c{i}@example.com #{1000 + i}',
        response_url=slack.response_url(f"r{i}"),
        user=f"UTECH{i % 7}",
        channel=CHANNELS[i % len(CHANNELS)],
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
    async with http.post(f"{lb}/slack/events", data=body, headers=headers) as response:
        return response.status


def _final_words(i: int) -> str:
    return "abandoned" if i % 3 == 0 else "complete"


@pytest.mark.parametrize("kill_one", [False, True], ids=["both-up", "one-killed"])
async def test_two_replicas_every_card_once_and_final(
    postgres_url: str, tmp_path: Path, kill_one: bool
) -> None:
    async with StandIns() as stand:
        slack, goto = stand.slack, stand.goto
        await migrate(postgres_url)
        lb = RoundRobin([])
        await lb.start()
        key = new_key()
        procs = [
            AppProcess(_settings(stand, postgres_url, lb.base_url, key), tmp_path / f"r{n}.log")
            for n in range(2)
        ]
        lb.backends.extend(p.base_url for p in procs)
        lb.served = dict.fromkeys(lb.backends, 0)
        try:
            for proc in procs:
                proc.start()
            await asyncio.gather(*(proc.wait_ready() for proc in procs))
            async with aiohttp.ClientSession() as http:
                statuses = await asyncio.gather(
                    *(_command(http, lb.base_url, slack, i) for i in range(SESSIONS))
                )
            assert statuses == [200] * SESSIONS
            await wait_until(lambda: len(goto.sessions) == SESSIONS, within=60, what="sessions")
            by_customer = {s.customer_name: s for s in goto.sessions.values()}

            def cards() -> dict[str, list[str]]:
                found: dict[str, list[str]] = {}
                for channel in CHANNELS:
                    for message in slack.messages(channel, replies=False):
                        for i in range(SESSIONS):
                            if f"Customer {i:03d}" in message.text:
                                found.setdefault(f"Customer {i:03d}", []).append(message.ts)
                return found

            await wait_until(lambda: len(cards()) == SESSIONS, within=60, what="all cards")
            killed_at = None
            for i in range(SESSIONS):
                token = by_customer[f"Customer {i:03d}"].session_token
                goto.start_session(token)
                if i % 3:
                    goto.join_session(token)
                goto.end_session(token, notes=f"notes {i}")
                if kill_one and i == SESSIONS // 2:
                    procs[0].kill()  # SIGKILL, holding whatever it had claimed
                    killed_at = time.monotonic()
            await goto.drain_callbacks()

            def all_final() -> bool:
                for i in range(SESSIONS):
                    ts_list = cards().get(f"Customer {i:03d}", [])
                    channel = CHANNELS[i % len(CHANNELS)]
                    message = slack.message(channel, ts_list[0]) if ts_list else None
                    if message is None or not message.text.endswith(_final_words(i)):
                        return False
                return True

            await wait_until(all_final, within=120, interval=0.5, what="every card final")
            if killed_at is not None:
                recovery = time.monotonic() - killed_at
                print(f"\nrecovery after kill -9: every card final {recovery:.1f}s later")

            every_card = cards()
            assert all(len(ts) == 1 for ts in every_card.values()), "a session got two cards"
            replies = Counter(
                (m.channel, m.thread_ts, m.text)
                for channel in CHANNELS
                for m in slack.messages(channel)
                if m.is_reply
            )
            duplicates = {k: n for k, n in replies.items() if n > 1}
            print(f"\nserved per replica: {lb.served}; duplicate thread replies: {len(duplicates)}")
            if not kill_one:
                assert duplicates == {}, "a thread reply was delivered twice"
                assert all(n > SESSIONS / 4 for n in lb.served.values()), lb.served
            creates = [r for r in goto.requests if r.route == "create" and r.status == 200]
            assert len(creates) == len(goto.sessions) == SESSIONS, "a session was created twice"
            for i in range(SESSIONS):
                assert SessionStatus(by_customer[f"Customer {i:03d}"].status).words == _final_words(
                    i
                )
        except BaseException:
            for proc in procs:
                print(f"\n--- {proc.base_url} log tail ---\n{proc.output()}")
            raise
        finally:
            for proc in procs:
                proc.stop()
            await lb.stop()
