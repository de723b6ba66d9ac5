"""``python -m sandbox.gotoassist``: the GoToAssist stand-in on its own."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Sequence

from sandbox.gotoassist.records import DEFAULT_TOKEN
from sandbox.gotoassist.standin import GoToAssistStandIn
from sandbox.stopping import stop_on_signals


async def _serve(port: int, tokens: Sequence[str]) -> None:
    stand_in = GoToAssistStandIn(tokens=tokens or (DEFAULT_TOKEN,))
    await stand_in.start(port=port)
    stop = stop_on_signals()
    print(stand_in.base_url, flush=True)
    try:
        await stop.wait()
    finally:
        await stand_in.stop()


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m sandbox.gotoassist --port N``: serve until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.gotoassist", description="GoToAssist stand-in on loopback"
    )
    parser.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    parser.add_argument(
        "--token", action="append", default=[], help=f"accepted token (default {DEFAULT_TOKEN})"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    asyncio.run(_serve(args.port, args.token))
