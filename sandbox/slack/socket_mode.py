"""Socket Mode: ``apps.connections.open`` (app-level token) -> a WebSocket URL on this server;
the stand-in sends ``hello`` and then envelopes, and the app acknowledges each one on the
socket by its ``envelope_id`` (with an optional response ``payload``), as Slack's protocol has it.

``await standin.send_envelope("slash_commands", payload)`` delivers one and returns the app's
acknowledgement (raises TimeoutError when none comes).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from typing import Any

from aiohttp import WSMsgType, web

from sandbox.slack.records import APP_TOKEN as APP_TOKEN
from sandbox.slack.records import JSON, SlackError
from sandbox.slack.state import SlackState


class SocketModeMethods(SlackState):
    """The app's WebSocket connections and the envelopes sent over them."""

    _sockets: list[web.WebSocketResponse]
    _acks: dict[str, asyncio.Future[dict[str, Any]]]

    def _socket_state(self) -> None:
        if not hasattr(self, "_sockets"):
            self._sockets, self._acks = [], {}

    def _apps_connections_open(self, _params: dict[str, Any]) -> JSON:
        self._socket_state()
        ticket = secrets.token_hex(8)
        base = self.base_url.replace("http://", "ws://", 1)
        return {"ok": True, "url": f"{base}socket-mode/link?ticket={ticket}"}

    async def _handle_socket(self, request: web.Request) -> web.WebSocketResponse:
        self._socket_state()
        socket = web.WebSocketResponse(heartbeat=None)
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "debug_info": {"host": "sandbox", "approximate_connection_time": 3600},
                "connection_info": {"app_id": "A0SANDBOX"},
            }
        )
        try:
            async for message in socket:
                if message.type != WSMsgType.TEXT:
                    continue
                try:
                    ack = json.loads(message.data)
                except ValueError:
                    continue
                waiting = self._acks.pop(str(ack.get("envelope_id")), None)
                if waiting is not None and not waiting.done():
                    waiting.set_result(ack)
        finally:
            self._sockets.remove(socket)
        return socket

    @property
    def socket_connections(self) -> int:
        self._socket_state()
        return len(self._sockets)

    async def send_envelope(
        self, kind: str, payload: dict[str, Any], *, within: float = 5.0
    ) -> dict[str, Any]:
        """Deliver one envelope (``slash_commands``, ``interactive``, ``events_api``) on the
        newest connection; the app's acknowledgement."""
        self._socket_state()
        if not self._sockets:
            raise SlackError("no_socket_mode_connection")
        envelope_id = str(uuid.uuid4())
        acked: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = acked
        await self._sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        return await asyncio.wait_for(acked, within)

    async def close_sockets(self) -> None:
        self._socket_state()
        for socket in list(self._sockets):
            await socket.close()
