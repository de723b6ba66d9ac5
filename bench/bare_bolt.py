"""The baseline: a bare slack-bolt ``AsyncApp`` on aiohttp whose ``/remote-support`` handler
only acknowledges. Served exactly as the app serves Bolt (``slack_bolt.adapter.aiohttp``'s
``to_bolt_request`` -> ``async_dispatch`` -> ``to_aiohttp_response``), with the same
single-workspace ``authorize`` (no ``auth.test`` before an ack).

``python -m bench.bare_bolt --port N [--api-url URL]``
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import Any

import uvloop
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.signing import BOT_TOKEN, COMMAND, SIGNING_SECRET

CLIENT_MAX_SIZE = 256 * 1024  # as the app


def build_app(api_url: str, signing_secret: str = SIGNING_SECRET) -> web.Application:
    async def authorize(**kwargs: Any) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=kwargs.get("enterprise_id"),
            team_id=kwargs.get("team_id"),
            bot_token=BOT_TOKEN,
        )

    bolt = AsyncApp(
        signing_secret=signing_secret,
        authorize=authorize,
        client=AsyncWebClient(base_url=api_url),
    )

    @bolt.command(COMMAND)
    async def remote_support(ack: AsyncAck) -> None:
        await ack()

    async def slack_events(request: web.Request) -> web.Response:
        bolt_request = await to_bolt_request(request)
        bolt_response = await bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=CLIENT_MAX_SIZE)
    app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    return app


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bare_bolt")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-url", default="http://127.0.0.1:9/api/")
    args = parser.parse_args(argv)
    # The same event loop as `remote-support serve`, so the ratio measures the app alone.
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    web.run_app(
        build_app(args.api_url),
        host="127.0.0.1",
        port=args.port,
        access_log=None,
        print=lambda message: print(message, file=sys.stderr),
    )


if __name__ == "__main__":
    main()
