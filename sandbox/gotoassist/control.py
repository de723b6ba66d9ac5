"""``/_control/``: the stand-in read and driven over HTTP by an app in another process."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, ValidationError

from sandbox.gotoassist.api import error_response
from sandbox.gotoassist.callbacks import CallbackSender
from sandbox.gotoassist.records import CallbackFormat, Handler, RouteSpec, StandInSession, dumps
from sandbox.gotoassist.sessions import SessionControl


class _ControlModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _ConfigBody(_ControlModel):
    callbacks_enabled: bool | None = None
    callback_duplicates: int | None = None
    callback_delay_s: float | None = None
    callback_shuffle: bool | None = None
    callback_format: CallbackFormat | None = None
    include_join_url_in_create: bool | None = None
    rate_limit_per_s: float | None = None
    directory_page_max: int | None = None


class _LatencyBody(_ControlModel):
    route: RouteSpec
    seconds: float


class _FailBody(_ControlModel):
    route: RouteSpec
    status: int
    count: int = 1
    body: Any = None
    retry_after: float | None = None


class _HangBody(_ControlModel):
    route: RouteSpec
    count: int = 1


class _MachineBody(_ControlModel):
    uuid: str
    name: str
    company_id: str | None = None
    status: str = "ONLINE"


class _CompanyBody(_ControlModel):
    name: str
    company_id: str | None = None


class _TokenBody(_ControlModel):
    token: str
    seat: bool = True
    forbidden: bool = False
    expired: bool = False


class _EndBody(_ControlModel):
    notes: str | None = None
    recording_url: str | None = None
    collaborators: list[Any] | None = None


class ControlRoutes(SessionControl, CallbackSender):
    """Inspection, transitions and configuration over HTTP."""

    async def _c_sessions(self, request: web.Request) -> web.Response:
        return web.json_response([control_view(s) for s in self.sessions.values()])

    async def _c_transition(self, request: web.Request) -> web.Response:
        ref, action = request.match_info["ref"], request.match_info["action"]
        if action == "start":
            session = self.start_session(ref)
        elif action == "join":
            session = self.join_session(ref)
        elif action == "end":
            end = _EndBody.model_validate(await json_or_empty(request))
            session = self.end_session(
                ref,
                notes=end.notes,
                recording_url=end.recording_url,
                collaborators=end.collaborators,
            )
        else:
            raise web.HTTPNotFound(text=f"unknown action {action!r}")
        return web.json_response(control_view(session))

    async def _c_requests(self, request: web.Request) -> web.Response:
        return web.json_response([asdict(r) for r in self.requests], dumps=dumps)

    async def _c_callbacks(self, request: web.Request) -> web.Response:
        return web.json_response([asdict(d) for d in self.deliveries], dumps=dumps)

    async def _c_config(self, request: web.Request) -> web.Response:
        if request.method == "POST":
            changes = _ConfigBody.model_validate(await request.json())
            for key, value in changes.model_dump(exclude_none=True).items():
                setattr(self, key, value)
        return web.json_response({key: getattr(self, key) for key in _ConfigBody.model_fields})

    async def _c_latency(self, request: web.Request) -> web.Response:
        body = _LatencyBody.model_validate(await request.json())
        self.set_latency(body.route, body.seconds)
        return ok_response()

    async def _c_fail(self, request: web.Request) -> web.Response:
        body = _FailBody.model_validate(await request.json())
        self.fail_next(body.route, body.status, body.count, body.body, body.retry_after)
        return ok_response()

    async def _c_hang(self, request: web.Request) -> web.Response:
        body = _HangBody.model_validate(await request.json())
        self.hang_next(body.route, body.count)
        return ok_response()

    async def _c_machine(self, request: web.Request) -> web.Response:
        body = _MachineBody.model_validate(await request.json())
        self.add_machine(body.uuid, body.name, company_id=body.company_id, status=body.status)
        return ok_response()

    async def _c_company(self, request: web.Request) -> web.Response:
        body = _CompanyBody.model_validate(await request.json())
        return web.json_response(
            {"companyId": self.add_company(body.name, company_id=body.company_id)}
        )

    async def _c_token(self, request: web.Request) -> web.Response:
        body = _TokenBody.model_validate(await request.json())
        self.add_token(body.token, seat=body.seat, forbidden=body.forbidden, expired=body.expired)
        return ok_response()

    async def _c_drain(self, request: web.Request) -> web.Response:
        await self.drain_callbacks()
        return ok_response()

    async def _c_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return ok_response()


def control_view(session: StandInSession) -> dict[str, Any]:
    return session.info() | {
        "sessionToken": session.session_token,
        "owner": session.owner,
        "callbackUrl": session.callback_url,
    }


def ok_response() -> web.Response:
    return web.json_response({"ok": True})


async def json_or_empty(request: web.Request) -> Any:
    return await request.json() if request.can_read_body else {}


def control_errors(handler: Handler) -> Handler:
    """Control mistakes answer 400 (bad body), 404 (no session) or 409 (wrong state)."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ValidationError as exc:
            return error_response(400, "BadControlRequest", str(exc.errors(include_url=False)))
        except json.JSONDecodeError:
            return error_response(400, "BadControlRequest", "The body must be JSON")
        except KeyError as exc:
            return error_response(404, "NoSuchSession", str(exc.args[0] if exc.args else exc))
        except ValueError as exc:
            return error_response(409, "WrongState", str(exc))

    return wrapped
