"""``/_control/``: the stand-in read and driven over HTTP by an app in another process."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from sandbox.slack.faults import FaultInjection
from sandbox.slack.workspace import WorkspaceControl


class ControlRoutes(WorkspaceControl, FaultInjection):
    """Inspection and the fault/state operations, by name."""

    async def _ctl_calls(self, request: web.Request) -> web.Response:
        method = request.query.get("method")
        calls = self.calls if method is None else self.calls_to(method)
        return web.json_response([c.to_dict() for c in calls])

    async def _ctl_messages(self, request: web.Request) -> web.Response:
        msgs = self.messages(request.query.get("channel"))
        return web.json_response([m.to_dict() for m in msgs])

    async def _ctl_thread(self, request: web.Request) -> web.Response:
        channel, ts = request.query.get("channel"), request.query.get("ts")
        if not channel or not ts:
            return web.json_response({"ok": False, "error": "channel and ts required"}, status=400)
        return web.json_response([m.to_dict() for m in self.thread(channel, ts)])

    async def _ctl_ephemerals(self, request: web.Request) -> web.Response:
        msgs = self.ephemerals(request.query.get("channel"), request.query.get("user"))
        return web.json_response([m.to_dict() for m in msgs])

    async def _ctl_responses(self, request: web.Request) -> web.Response:
        key = request.query.get("key")
        return web.json_response(self.responses if key is None else self.responses_to(key))

    async def _ctl_views(self, request: web.Request) -> web.Response:
        return web.json_response(list(self.views.values()))

    async def _ctl_violations(self, request: web.Request) -> web.Response:
        return web.json_response([v.to_dict() for v in self.retry_after_violations])

    def _control_ops(self) -> dict[str, Callable[..., Any]]:
        return {
            "rate_limit": self.rate_limit,
            "fail_next": self.fail_next,
            "fail_next_error": self.fail_next_error,
            "set_latency": self.set_latency,
            "hang_next": self.hang_next,
            "release_hung": self.release_hung,
            "clear_faults": self.clear_faults,
            "enforce_rate_limits": self.enforce_rate_limits,
            "add_channel": self.add_channel,
            "archive": self.archive,
            "unarchive": self.unarchive,
            "remove_bot": self.remove_bot,
            "invite_bot": self.invite_bot,
            "delete_channel": self.delete_channel,
            "delete_message": self.delete_message,
            "add_user_message": self.add_user_message,
            "revoke_token": self.revoke_token,
            "add_token": self.add_token,
            "set_user_not_in_channel": self.set_user_not_in_channel,
            "set_user": self.set_user,
            "remove_user": self.remove_user,
            "issue_trigger": self.issue_trigger,
            "expire_trigger": self.expire_trigger,
            "expire_response_url": self.expire_response_url,
        }

    async def _ctl_fault(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.text())
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("op"), str):
            return web.json_response({"ok": False, "error": "expected {op, args}"}, status=400)
        op = self._control_ops().get(body["op"])
        if op is None:
            return web.json_response({"ok": False, "error": f"unknown op {body['op']}"}, status=400)
        args = body.get("args", {})
        if not isinstance(args, dict):
            return web.json_response({"ok": False, "error": "args must be an object"}, status=400)
        try:
            result = op(**args)
        except (TypeError, ValueError, KeyError) as e:
            return web.json_response({"ok": False, "error": str(e)}, status=400)
        return web.json_response({"ok": True, "result": result})

    async def _ctl_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"ok": True})
