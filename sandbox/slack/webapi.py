"""``/api/<method>``: reading a call, the order of checks (faults, auth, limits) and answering."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from typing import Any

from aiohttp import web

from sandbox.slack.faults import FaultInjection
from sandbox.slack.records import JSON, JSON_STRING_FIELDS, ParsedCall, RecordedCall, SlackError


class WebApi(FaultInjection):
    """The Web API endpoint; each method's handler is in its area's module."""

    async def _read_params(self, request: web.Request) -> ParsedCall:
        params: dict[str, Any] = dict(request.query)
        body_token: str | None = params.pop("token", None)
        error: str | None = None
        if request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = json.loads(await request.text() or "{}")
                except ValueError:
                    body, error = {}, "invalid_json"
                if not isinstance(body, dict):
                    body, error = {}, "invalid_json"
                body.pop("token", None)  # Slack ignores a token inside a JSON body
                params.update(body)
            else:
                form = await request.post()
                for key in form:
                    value = form.get(key)
                    params[key] = (
                        value if isinstance(value, str) else getattr(value, "filename", "")
                    )
                if "token" in params:
                    body_token = str(params.pop("token"))
        for key in JSON_STRING_FIELDS:
            raw = params.get(key)
            if isinstance(raw, str) and raw.strip()[:1] in ("[", "{"):
                try:
                    params[key] = json.loads(raw)
                except ValueError:
                    error = (
                        error
                        or {
                            "blocks": "invalid_blocks_format",
                            "attachments": "invalid_attachments",
                            "view": "invalid_arguments",
                            "metadata": "invalid_metadata_format",
                        }[key]
                    )
        token = body_token
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        return ParsedCall(params, token, error)

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        arrived, wall = time.monotonic(), time.time()
        parsed = await self._read_params(request)
        call = RecordedCall(method, parsed.params, 0, False, None, arrived, wall)
        self.calls.append(call)
        channel = str(parsed.params.get("channel") or "")
        self._check_retry_after(method, channel, arrived)

        latency = self._latency.get(method, self._latency.get("*", 0.0))
        if latency > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), latency)

        fault = self._next_fault(method)
        if fault is not None and fault.kind == "hang":
            fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            self._hung.append(fut)
            if self._stopping.is_set() or not await fut:
                call.error = "dropped"
                if request.transport is not None:
                    request.transport.close()
                raise asyncio.CancelledError
            fault = None
        if fault is not None and fault.kind == "status":
            call.status = fault.status
            return web.Response(
                status=fault.status, text=fault.body, content_type=fault.content_type
            )
        if fault is not None and fault.kind == "ratelimit":
            return self._ratelimited(call, method, channel, fault.retry_after, arrived)
        if fault is not None and fault.kind == "error":
            return self._answer(call, {"ok": False, "error": fault.error})

        handler = self._methods.get(method)
        if handler is None:
            return self._answer(
                call, {"ok": False, "error": "unknown_method", "req_method": method}
            )
        if parsed.error is not None:
            return self._answer(call, {"ok": False, "error": parsed.error})
        try:
            self._check_token(parsed.token)
        except SlackError as e:
            return self._answer(call, {"ok": False, "error": e.error})

        retry_after = self._enforced_wait(method, channel, arrived)
        if retry_after is not None:
            scope = channel if self._limits[method].per_channel else "*"
            return self._ratelimited(call, method, scope, retry_after, arrived)

        try:
            body = handler(parsed.params)
        except SlackError as e:
            body = {"ok": False, "error": e.error, **e.extra}
        return self._answer(call, body)

    def _answer(self, call: RecordedCall, body: JSON) -> web.Response:
        call.status = 200
        call.ok = bool(body.get("ok"))
        call.error = None if call.ok else str(body.get("error"))
        headers = {"X-Slack-Req-Id": secrets.token_hex(16)}
        return web.json_response(body, headers=headers)

    def _check_token(self, token: str | None) -> None:
        if not token:
            raise SlackError("not_authed")
        if token in self._revoked:
            raise SlackError("token_revoked")
        if token not in self._tokens:
            raise SlackError("invalid_auth")
