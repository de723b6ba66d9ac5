"""GET /healthz (alive), /readyz (database reachable, Slack token accepted), /metrics.

/readyz names the failing check and its category only (no exception text, which may hold a
database address: it is public on the app's port). /metrics needs
``Authorization: Bearer <METRICS_TOKEN>`` when that is set.
"""

from __future__ import annotations

import hmac
import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.store.database import ping
from bot.web.keys import ENGINE, METRICS_TOKEN, SLACK_WRITER

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
        checks["database"] = "unreachable"
    auth_failure = request.app[SLACK_WRITER].auth_failure  # Slack's error code, e.g. token_revoked
    checks["slack"] = "ok" if auth_failure is None else f"token refused ({auth_failure})"
    ready = all(value == "ok" for value in checks.values())
    return web.json_response({"ok": ready, "checks": checks}, status=200 if ready else 503)


async def metrics(request: web.Request) -> web.Response:
    expected = request.app[METRICS_TOKEN]
    if expected:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
            return web.Response(
                status=401,
                text="metrics need Authorization: Bearer <METRICS_TOKEN>\n",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def register(app: web.Application, *, metrics_token: str | None) -> None:
    app[METRICS_TOKEN] = metrics_token or ""
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
