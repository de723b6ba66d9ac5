"""POST /gotoassist/callbacks/{token}: GoToAssist status callbacks.

The URL token picks the session (unknown: 404); the body is validated (malformed: 400); the
change and its Slack writes are stored in one transaction; Slack is never called here.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from bot.gotoassist.models import CallbackBody
from bot.gotoassist.observation import to_observation
from bot.metrics import CALLBACKS
from bot.web.keys import TRACKER
from bot.workflows.callback_inbox import CallbackResult

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,128}$")


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


async def _read_body(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/x-www-form-urlencoded":
        form = await request.post()
        return {key: str(value) for key, value in form.items()}
    raw = await request.read()
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


async def handle_callback(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    if not _TOKEN.match(token):
        CALLBACKS.labels(outcome="unknown_token").inc()
        return _error(404, "unknown session")
    try:
        info = CallbackBody.model_validate(await _read_body(request))
    except (ValueError, ValidationError, UnicodeDecodeError) as exc:
        CALLBACKS.labels(outcome="malformed").inc()
        detail = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else "not JSON"
        return _error(400, f"malformed callback body: {detail}")
    result = await request.app[TRACKER].on_callback(token, to_observation(info))
    CALLBACKS.labels(outcome=result.value).inc()
    if result is CallbackResult.UNKNOWN_TOKEN:
        return _error(404, "unknown session")
    return web.json_response({"ok": True, "changed": result is CallbackResult.CHANGED})


def register(app: web.Application) -> None:
    app.router.add_post("/gotoassist/callbacks/{token}", handle_callback)
