"""The ``response_url`` receiver: ``POST /response/{key}``."""

from __future__ import annotations

import json

from aiohttp import web

from sandbox.slack.records import RESPONSE_URL_MAX_USES
from sandbox.slack.state import SlackState


class ResponseUrls(SlackState):
    """What the app posts to a command's or an action's response_url."""

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        if key in self._expired_response_keys:
            return web.Response(status=404, text="expired_url")
        try:
            body = json.loads(await request.text())
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return web.Response(status=400, text="invalid_payload")
        uses = self._response_uses.get(key, 0)
        if uses >= RESPONSE_URL_MAX_USES:
            return web.Response(status=404, text="used_url")
        self._response_uses[key] = uses + 1
        self.responses.append(body)
        self._response_log.append((key, body))
        return web.Response(text="ok")
