"""``python -m sandbox.slack``: the Slack stand-in on its own, printing its URLs."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import Sequence

from sandbox.slack.standin import SlackStandIn
from sandbox.stopping import stop_on_signals


async def _serve(args: argparse.Namespace) -> None:
    standin = SlackStandIn(bot_token=args.token, team_id=args.team_id, bot_user_id=args.bot_user_id)
    await standin.start(args.host, args.port)
    if args.enforce_rate_limits:
        standin.enforce_rate_limits(True)
    stop = stop_on_signals()
    print(f"Slack stand-in listening on {standin.base_url}", flush=True)
    print(f"  api_url:    {standin.api_url}", flush=True)
    print(f"  control:    {standin.base_url}_control/", flush=True)
    print(f"  response:   {standin.base_url}response/<key>", flush=True)
    print(f"  bot token:  {standin.bot_token}", flush=True)
    try:
        await stop.wait()
    finally:
        await standin.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.slack", description="Run the local Slack Web API stand-in."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--token", default="xoxb-test-token", help="the bot token it accepts")
    parser.add_argument("--team-id", default="T0001")
    parser.add_argument("--bot-user-id", default="UBOT")
    parser.add_argument("--enforce-rate-limits", action="store_true")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0
