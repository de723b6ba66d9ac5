"""A workflow step's ``function_executed`` delivered again (Slack retries an event it thinks
went unanswered) to the other replica: the execution id is stored with the session, unique,
so one session is started, one card posted, and the step completes once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp

from bot.crypto import new_key
from sandbox.harness import StandIns, app_settings, migrate, wait_until
from sandbox.process import AppProcess
from sandbox.signing import sign

CHANNEL = "CSTEPS"
TECH = "UTECH1"


async def test_a_step_delivered_to_both_replicas_starts_one_session(
    postgres_url: str, tmp_path: Path
) -> None:
    async with StandIns() as stand:
        slack, goto = stand.slack, stand.goto
        await migrate(postgres_url)
        key = new_key()
        procs = [
            AppProcess(
                app_settings(stand, postgres_url, encryption_key=key), tmp_path / f"r{n}.log"
            )
            for n in range(2)
        ]
        try:
            for proc in procs:
                proc.start()
            await asyncio.gather(*(proc.wait_ready() for proc in procs))
            inputs = {
                "customer_name": "Wanda Workflow",
                "customer_email": "wanda@example.com",
                "ticket": "8812",
                "channel": CHANNEL,
                "technician": TECH,
            }
            execution_id, event = slack.function_executed("start_remote_support_session", inputs)
            body = json.dumps(event)

            async def deliver(http: aiohttp.ClientSession, base_url: str, retry: int) -> int:
                headers = {"Content-Type": "application/json", **sign(body)}
                if retry:
                    headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "timeout"}
                async with http.post(f"{base_url}/slack/events", data=body, headers=headers) as r:
                    return r.status

            async with aiohttp.ClientSession() as http:
                # Both at once (the race the unique key settles), then once more, later.
                statuses = await asyncio.gather(
                    deliver(http, procs[0].base_url, 0), deliver(http, procs[1].base_url, 1)
                )
                assert statuses == [200, 200]
                await wait_until(
                    lambda: slack.function_result(execution_id) is not None,
                    within=30,
                    what="the step to complete",
                )
                assert await deliver(http, procs[1].base_url, 2) == 200
                await wait_until(
                    lambda: any("Wanda Workflow" in m.text for m in slack.messages(CHANNEL)),
                    what="the card",
                )
                await asyncio.sleep(2)  # time for a wrongly started second session to show
            result = slack.function_result(execution_id)
            assert result is not None and result["state"] == "completed", result
            assert len(goto.sessions) == 1
            cards = [m for m in slack.messages(CHANNEL, replies=False) if "Wanda" in m.text]
            assert len(cards) == 1
        except BaseException:
            for proc in procs:
                print(f"\n--- {proc.base_url} log tail ---\n{proc.output()}")
            raise
        finally:
            for proc in procs:
                proc.stop()
