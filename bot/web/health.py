"""GET /healthz (alive), /readyz (database reachable, Slack token accepted), /metrics."""

from __future__ import annotations

import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.store.database import ping
from bot.web.keys import ENGINE, SLACK_WRITER

log = logging.getLogger(__name__)


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def readyz(request: web.Request) -> web.Response:
    checks: dict[str, str] = {}
    try:
        await ping(request.app[ENGINE])
        checks["database"] = "ok"
    except Exception as exc:
        log.warning("readiness: database unreachable: %s", type(exc).__name__)
        checks["database"] = f"unreachable ({type(exc).__name__})"
    auth_failure = request.app[SLACK_WRITER].auth_failure
    checks["slack"] = "ok" if auth_failure is None else f"token refused ({auth_failure})"
    ready = all(value == "ok" for value in checks.values())
    return web.json_response({"ok": ready, "checks": checks}, status=200 if ready else 503)


async def metrics(_request: web.Request) -> web.Response:
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def register(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
