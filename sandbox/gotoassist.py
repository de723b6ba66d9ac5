"""A GoToAssist Remote Support stand-in: a real aiohttp server on loopback.

It answers ``POST /sessions`` and ``GET /sessions/{id or token}`` the way the documentation says
GoToAssist does, fires status callbacks (to loopback only), injects faults, and records what it
saw. Tests drive it through Python methods or, from another process, through ``/_control/``.
It is also the GoTo OAuth server (``stand_in.oauth``, see :mod:`sandbox.goto_oauth`): its
``/oauth/*`` routes sit at the server root (``stand_in.auth_url``) and the access tokens they
issue work on the API alongside the static ``tokens``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import ipaddress
import json
import logging
import math
import random
import secrets
import signal
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal, get_args

import aiohttp
from aiohttp import web
from pydantic import BaseModel, ConfigDict, ValidationError
from yarl import URL

from bot.sessions.status import SessionStatus
from sandbox.goto_oauth import GoToOAuth

__all__ = [
    "DEFAULT_TOKEN",
    "CallbackDelivery",
    "GoToAssistStandIn",
    "RecordedRequest",
    "StandInSession",
    "is_loopback_url",
    "main",
    "token_fingerprint",
]

log = logging.getLogger(__name__)

Route = Literal["create", "get", "token"]  # "token": the OAuth token endpoint
RouteSpec = Literal["create", "get", "token", "all"]  # "all": the API routes, create and get
CallbackFormat = Literal["json", "form"]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

API_PREFIX = "/G2A/rest/v1"
CONTROL_PREFIX = "/_control"
DEFAULT_TOKEN = "goto-test-token"  # noqa: S105 - a stand-in credential
PUBLIC_HOST = "https://stand-in.invalid"
ACCOUNT_KEY = 4_200_000_001
ACCOUNT_NAME = "Stand-in Support"


def token_fingerprint(token: str) -> str:
    """A short, stable, non-reversible name for a token (what the stand-in records)."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def is_loopback_url(url: str) -> bool:
    """True for http(s) URLs whose host is localhost, 127.0.0.0/8 or ::1."""
    try:
        parsed = URL(url)
    except (TypeError, ValueError):
        return False
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return False
    if parsed.host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(parsed.host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class RecordedRequest:
    """One API request as the stand-in saw it. ``time`` is ``time.monotonic()`` at arrival."""

    method: str
    path: str
    route: Route
    headers: dict[str, str]  # Authorization shows only the scheme and a token fingerprint
    auth_scheme: str | None
    token_fingerprint: str | None
    json: Any
    time: float
    received_at: datetime
    status: int | None = None  # the status answered (None while pending or hung)
    account: str | None = None  # the OAuth user (email) the token was issued to; None: static


@dataclass
class CallbackDelivery:
    """One status callback attempt. ``status`` is the receiver's answer, if any."""

    url: str
    body: dict[str, Any]
    format: CallbackFormat
    time: float
    status: int | None = None
    refused: bool = False
    error: str | None = None


@dataclass
class StandInSession:
    """A session the stand-in holds; ``owner`` is the creating account: a static token's
    fingerprint, or the OAuth user's ``user_key``."""

    session_token: str
    owner: str
    launch_url: str
    customer_join_url: str
    created_at: datetime
    expert_name: str
    session_type: str = "SCREEN_SHARING"
    status: SessionStatus = SessionStatus.NOT_STARTED
    session_id: str | None = None
    callback_url: str | None = None
    customer_name: str | None = None
    customer_email: str | None = None
    partner_object: str | None = None
    partner_object_url: str | None = None
    machine_uuid: str | None = None
    machine_name: str | None = None
    started_at: datetime | None = None
    customer_joined_at: datetime | None = None
    ended_at: datetime | None = None
    notes: str | None = None
    recording_url: str | None = None
    collaborators: list[Any] = field(default_factory=list)
    held_callbacks: list[dict[str, Any]] = field(default_factory=list)
    expert_email: str = "technician@stand-in.invalid"

    def info(self) -> dict[str, Any]:
        """The ``GET /sessions/{id}`` body; optional fields only when they apply."""
        optional: dict[str, Any] = {
            "sessionId": self.session_id,
            "customerName": self.customer_name,
            "customerEmail": self.customer_email,
            "partnerObject": _as_number(self.partner_object),
            "partnerObjectUrl": self.partner_object_url,
            "startedAt": _iso(self.started_at),
            "customerJoinedAt": _iso(self.customer_joined_at),
            "endedAt": _iso(self.ended_at),
            "notes": self.notes,
            "sessionRecordingUrl": self.recording_url,
            "collaborators": list(self.collaborators) or None,
        }
        if self.machine_uuid:
            optional |= {
                "unattendedMachineUuid": self.machine_uuid,
                "unattendedMachineName": self.machine_name,
                "accountName": ACCOUNT_NAME,
            }
        return {
            "sessionType": self.session_type,
            "status": self.status.value,
            "accountKey": ACCOUNT_KEY,
            "expertName": self.expert_name,
            "expertEmail": self.expert_email,
            "expertUserKey": self.owner,
            "customerJoinUrl": self.customer_join_url,
        } | {key: value for key, value in optional.items() if value is not None}


@dataclass
class _Fault:
    status: int | None  # None: hang until stop
    body: Any = None
    retry_after: float | None = None


@dataclass
class _Account:
    seat: bool = True
    forbidden: bool = False
    expired: bool = False
    expert_name: str = "Stand-in Technician"


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


class _TokenBody(_ControlModel):
    token: str
    seat: bool = True
    forbidden: bool = False
    expired: bool = False


class _EndBody(_ControlModel):
    notes: str | None = None
    recording_url: str | None = None
    collaborators: list[Any] | None = None


class GoToAssistStandIn:
    """The stand-in server. Use ``async with GoToAssistStandIn() as g2a: g2a.base_url``."""

    def __init__(
        self,
        *,
        tokens: Iterable[str] = (DEFAULT_TOKEN,),
        include_join_url_in_create: bool = True,
        rate_limit_per_s: float = 10.0,
        seed: int | None = None,
    ) -> None:
        self.tokens: set[str] = set(tokens)
        self.include_join_url_in_create = include_join_url_in_create
        self.rate_limit_per_s = rate_limit_per_s
        self.callbacks_enabled = True
        self.callback_duplicates = 0
        self.callback_delay_s = 0.0
        self.callback_shuffle = False
        self.callback_format: CallbackFormat = "json"
        self.machines: dict[str, str] = {}
        self.sessions: dict[str, StandInSession] = {}  # by session token
        self.requests: list[RecordedRequest] = []
        self.deliveries: list[CallbackDelivery] = []
        self._accounts: dict[str, _Account] = {}
        self._latency: dict[Route, float] = {"create": 0.0, "get": 0.0, "token": 0.0}
        self._faults: dict[Route, deque[_Fault]] = {r: deque() for r in get_args(Route)}
        self._rate: dict[str, deque[float]] = {}
        self._rng = random.Random(seed)
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._base_url: str | None = None
        self.oauth = GoToOAuth(account_key=str(ACCOUNT_KEY), gate=lambda: self._gate("token"))

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host:port`` (0 picks a free port)."""
        if self._runner is not None:
            raise RuntimeError("the GoToAssist stand-in is already running")
        self._stopping = asyncio.Event()
        self._client = aiohttp.ClientSession()
        runner = web.AppRunner(self._app(), shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        self._runner = runner
        bound_port = runner.addresses[0][1]
        url_host = f"[{host}]" if ":" in host else host
        self._base_url = f"http://{url_host}:{bound_port}{API_PREFIX}"

    async def stop(self) -> None:
        """Release hung requests, drop undelivered callbacks, close the server."""
        self._stopping.set()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._client is not None:
            await self._client.close()
            self._client = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/G2A/rest/v1``."""
        if self._base_url is None:
            raise RuntimeError("the GoToAssist stand-in is not started")
        return self._base_url

    @property
    def auth_url(self) -> str:
        """``http://127.0.0.1:PORT``: the app's GOTO_AUTH_URL (``/oauth/authorize``, ``/token``)."""
        return self.base_url.removesuffix(API_PREFIX)

    @property
    def control_url(self) -> str:
        """``http://127.0.0.1:PORT/_control``."""
        return self.base_url.removesuffix(API_PREFIX) + CONTROL_PREFIX

    async def __aenter__(self) -> GoToAssistStandIn:
        if self._runner is None:
            await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- configuration and faults ------------------------------------------------------------

    def add_token(
        self, token: str, *, seat: bool = True, forbidden: bool = False, expired: bool = False
    ) -> None:
        """Accept ``token``. No seat: 401. Forbidden: 403 (role). Expired: 403 InvalidToken."""
        self.tokens.add(token)
        self._accounts[token] = _Account(seat=seat, forbidden=forbidden, expired=expired)

    def add_machine(self, uuid: str, name: str) -> None:
        self.machines[uuid] = name

    def set_latency(self, route: RouteSpec, seconds: float) -> None:
        for name in _routes(route):
            self._latency[name] = max(0.0, seconds)

    def fail_next(
        self,
        route: RouteSpec,
        status: int,
        count: int = 1,
        body: Any = None,
        retry_after: float | None = None,
    ) -> None:
        """Answer the next ``count`` requests on ``route`` with ``status`` (and Retry-After)."""
        for name in _routes(route):
            self._faults[name].extend(_Fault(status, body, retry_after) for _ in range(count))

    def hang_next(self, route: RouteSpec, count: int = 1) -> None:
        """Accept the next ``count`` requests on ``route`` and never answer them (until stop)."""
        for name in _routes(route):
            self._faults[name].extend(_Fault(None) for _ in range(count))

    def set_rate_limit(self, per_s: float) -> None:
        """Requests per token per sliding second before 429; 0 turns the limit off."""
        self.rate_limit_per_s = per_s

    def reset(self) -> None:
        """Forget sessions, recordings, faults and latency (tokens, OAuth grants and machines
        stay)."""
        self.sessions.clear()
        self.requests.clear()
        self.deliveries.clear()
        self.oauth.reset_records()
        self._rate.clear()
        for route in get_args(Route):
            self._faults[route].clear()
            self._latency[route] = 0.0

    # -- session control -----------------------------------------------------------------------

    def find(self, ref: str) -> StandInSession:
        """The session with this session token or id (any owner); KeyError if none."""
        session = self.sessions.get(ref)
        if session is None:
            session = next((s for s in self.sessions.values() if s.session_id == ref), None)
        if session is None:
            raise KeyError(f"no stand-in session {ref!r}")
        return session

    def list_sessions(self) -> list[StandInSession]:
        return list(self.sessions.values())

    def start_session(self, ref: str) -> StandInSession:
        """The technician starts the session: waiting, with a session id."""
        session = self._expect(ref, SessionStatus.NOT_STARTED)
        session.session_id = self._new_session_id()
        session.started_at = datetime.now(UTC)
        return self._move(session, SessionStatus.WAITING)

    def join_session(self, ref: str) -> StandInSession:
        """The customer joins: active."""
        session = self._expect(ref, SessionStatus.WAITING)
        session.customer_joined_at = datetime.now(UTC)
        return self._move(session, SessionStatus.ACTIVE)

    def end_session(
        self,
        ref: str,
        *,
        notes: str | None = None,
        recording_url: str | None = None,
        collaborators: list[Any] | None = None,
    ) -> StandInSession:
        """The session ends: complete if the customer joined, else abandoned."""
        session = self._expect(ref, SessionStatus.WAITING, SessionStatus.ACTIVE)
        session.ended_at = datetime.now(UTC)
        session.notes = notes
        session.recording_url = recording_url
        session.collaborators = list(collaborators or [])
        joined = session.customer_joined_at is not None
        return self._move(session, SessionStatus.COMPLETE if joined else SessionStatus.ABANDONED)

    def _expect(self, ref: str, *allowed: SessionStatus) -> StandInSession:
        session = self.find(ref)
        if session.status not in allowed:
            raise ValueError(f"session is {session.status.value}, not {allowed[0].value}")
        return session

    def _move(self, session: StandInSession, status: SessionStatus) -> StandInSession:
        session.status = status
        self._emit_callback(session)
        return session

    def _new_session_id(self) -> str:
        taken = {s.session_id for s in self.sessions.values()}
        while (candidate := str(self._rng.randrange(10**8, 10**9))) in taken:
            pass
        return candidate

    # -- status callbacks ----------------------------------------------------------------------

    async def drain_callbacks(self) -> None:
        """Wait until every scheduled callback is delivered (held shuffled ones are not)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _emit_callback(self, session: StandInSession) -> None:
        if not session.callback_url or session.session_id is None or not self.callbacks_enabled:
            return
        batch = [session.info()] * (1 + max(0, self.callback_duplicates))
        if self.callback_shuffle or session.held_callbacks:
            session.held_callbacks.extend(batch)
            if not session.status.is_terminal:
                return
            batch, session.held_callbacks = session.held_callbacks, []
            self._rng.shuffle(batch)
        coro = self._deliver(
            session.callback_url, batch, self.callback_format, self.callback_delay_s
        )
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(
        self, url: str, bodies: list[dict[str, Any]], fmt: CallbackFormat, delay_s: float
    ) -> None:
        await self._pause(delay_s)
        for body in bodies:
            delivery = CallbackDelivery(url=url, body=body, format=fmt, time=time.monotonic())
            self.deliveries.append(delivery)
            if not is_loopback_url(url):
                delivery.refused = True
                log.warning("stand-in refused a status callback to a non-loopback host")
                continue
            await self._post_callback(delivery)

    async def _post_callback(self, delivery: CallbackDelivery) -> None:
        if self._client is None:
            delivery.error = "stand-in not running"
            return
        payload: dict[str, Any]
        if delivery.format == "json":
            payload = {"json": delivery.body}
        else:
            payload = {"data": _form_fields(delivery.body)}
        try:
            async with self._client.post(
                delivery.url,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=5.0),
                **payload,
            ) as resp:
                await resp.read()
                delivery.status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            delivery.error = type(exc).__name__

    # -- the GoToAssist API --------------------------------------------------------------------

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", f"{API_PREFIX}/sessions", self._api("create", "POST"))
        app.router.add_route("*", f"{API_PREFIX}/sessions/{{ref}}", self._api("get", "GET"))
        control = [
            ("GET", "/sessions", self._c_sessions),
            ("POST", "/sessions/{ref}/{action}", self._c_transition),
            ("GET", "/requests", self._c_requests),
            ("GET", "/callbacks", self._c_callbacks),
            ("GET", "/config", self._c_config),
            ("POST", "/config", self._c_config),
            ("POST", "/latency", self._c_latency),
            ("POST", "/fail", self._c_fail),
            ("POST", "/hang", self._c_hang),
            ("POST", "/machines", self._c_machine),
            ("POST", "/tokens", self._c_token),
            ("POST", "/drain", self._c_drain),
            ("POST", "/reset", self._c_reset),
            *self.oauth.control_routes(),
        ]
        for method, path, handler in control:
            app.router.add_route(method, CONTROL_PREFIX + path, _control_errors(handler))
        for method, path, handler in self.oauth.routes():
            app.router.add_route(method, path, handler)
        return app

    def _api(self, route: Route, method: str) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            record = await self._record(request, route)
            response = await self._answer(request, record, route, method)
            record.status = response.status
            return response

        return handle

    async def _record(self, request: web.Request, route: Route) -> RecordedRequest:
        arrived = time.monotonic()
        scheme, token = _parse_auth(request.headers.get("Authorization"))
        fingerprint = token_fingerprint(token) if token else None
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            route=route,
            headers=_recordable_headers(request, scheme, fingerprint),
            auth_scheme=scheme,
            token_fingerprint=fingerprint,
            json=body,
            time=arrived,
            received_at=datetime.now(UTC),
            account=self.oauth.principal_of(token),
        )
        self.requests.append(record)
        return record

    async def _answer(
        self, request: web.Request, record: RecordedRequest, route: Route, method: str
    ) -> web.StreamResponse:
        if request.method != method:
            return _error(405, "MethodNotAllowed", f"Use {method}", headers={"Allow": method})
        wait = self._over_rate(record.token_fingerprint or "-", record.time)
        if wait is not None:
            retry = str(max(1, math.ceil(wait)))
            return _error(429, "TooManyRequests", "Rate limit exceeded", {"Retry-After": retry})
        injected = await self._gate(route)
        if injected is not None:
            return injected
        _, token = _parse_auth(request.headers.get("Authorization"))
        denied = self._authorize(token)
        if denied is not None:
            return denied
        assert token is not None
        if route == "create":
            return self._create(record.json, token)
        return self._get(request.match_info["ref"], token)

    async def _gate(self, route: Route) -> web.Response | None:
        """Latency, then an injected fault (or a hang until stop) for ``route``, if any."""
        await self._pause(self._latency[route])
        if self._faults[route]:
            fault = self._faults[route].popleft()
            if fault.status is None:
                await self._stopping.wait()
                return _error(503, "ShuttingDown", "The stand-in is stopping")
            return _fault_response(fault)
        return None

    def _authorize(self, token: str | None) -> web.Response | None:
        if token is not None and token not in self.tokens:
            return self._authorize_oauth(token)
        if token is None:
            return _error(401, "AuthFailure", "Invalid or missing access token")
        account = self._accounts.get(token, _Account())
        if account.expired:
            return _invalid_token(403)
        if not account.seat:
            return _error(401, "NoSeat", "The technician has no Remote Support seat")
        if account.forbidden:
            return _error(403, "Forbidden", "User does not have the required roles")
        return None

    def _authorize_oauth(self, token: str) -> web.Response | None:
        check = self.oauth.identify(token)
        if check is None or check.state == "revoked":
            return _error(401, "AuthFailure", "Invalid or missing access token")
        if check.state == "expired":
            return _invalid_token(self.oauth.expired_token_status)
        if not check.user.seat:
            return _error(401, "NoSeat", "The technician has no Remote Support seat")
        return None

    def _expert(self, token: str) -> tuple[str, str, str]:
        """(owner, name, email) of the account behind a token that passed ``_authorize``."""
        check = None if token in self.tokens else self.oauth.identify(token)
        if check is not None:
            return check.user.user_key, check.user.name, check.user.email
        account = self._accounts.get(token, _Account())
        return token_fingerprint(token), account.expert_name, "technician@stand-in.invalid"

    def _over_rate(self, key: str, now: float) -> float | None:
        """Seconds until a slot frees when over the per-token limit, else None (and count it)."""
        if self.rate_limit_per_s <= 0:
            return None
        window = self._rate.setdefault(key, deque())
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= self.rate_limit_per_s:
            return window[0] + 1.0 - now
        window.append(now)
        return None

    def _create(self, body: Any, token: str) -> web.Response:
        if not isinstance(body, dict):
            return _error(400, "InvalidRequest", "The body must be a JSON object")
        session_type = body.get("sessionType")
        if not isinstance(session_type, str) or session_type.upper() != "SCREEN_SHARING":
            return _error(400, "InvalidRequest", "sessionType is required: SCREEN_SHARING")
        fields = {key: body.get(key) for key in _CREATE_FIELDS}
        if body.get("partnerObject") is not None and not isinstance(body["partnerObject"], bool):
            fields["partnerObject"] = _scalar_str(body["partnerObject"])
        bad = [
            key for key, value in fields.items() if value is not None and not isinstance(value, str)
        ]
        if bad:
            return _error(400, "InvalidRequest", f"Not a string: {', '.join(bad)}")
        machine = fields["machineUuid"]
        if machine and machine not in self.machines:
            return _error(404, "NotFound", "Machine not found")
        owner, expert_name, expert_email = self._expert(token)
        session = StandInSession(
            session_token=secrets.token_urlsafe(18),
            owner=owner,
            launch_url=f"{PUBLIC_HOST}/launch/{secrets.token_urlsafe(16)}",
            customer_join_url=f"{PUBLIC_HOST}/join/{self._rng.randrange(10**8, 10**9)}",
            created_at=datetime.now(UTC),
            expert_name=expert_name,
            expert_email=expert_email,
            session_type=session_type.upper(),
            callback_url=fields["sessionStatusCallbackUrl"] or None,
            customer_name=fields["customerName"],
            customer_email=fields["customerEmail"],
            partner_object=fields["partnerObject"],
            partner_object_url=fields["partnerObjectUrl"],
            machine_uuid=machine or None,
            machine_name=self.machines.get(machine) if machine else None,
        )
        self.sessions[session.session_token] = session
        answer: dict[str, Any] = {
            "sessionToken": session.session_token,
            "startScreenSharing": {"launchUrl": session.launch_url},
        }
        if self.include_join_url_in_create:
            answer["customerJoinUrl"] = session.customer_join_url
        return web.json_response(answer)

    def _get(self, ref: str, token: str) -> web.Response:
        owner, _, _ = self._expert(token)
        try:
            session = self.find(ref)
        except KeyError:
            session = None
        if session is None or session.owner != owner:
            return _error(404, "NotFound", "The session could not be found")
        return web.json_response(session.info())

    async def _pause(self, seconds: float) -> None:
        """Sleep, cut short by stop()."""
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)

    # -- control HTTP ----------------------------------------------------------------------------

    async def _c_sessions(self, request: web.Request) -> web.Response:
        return web.json_response([_control_view(s) for s in self.sessions.values()])

    async def _c_transition(self, request: web.Request) -> web.Response:
        ref, action = request.match_info["ref"], request.match_info["action"]
        if action == "start":
            session = self.start_session(ref)
        elif action == "join":
            session = self.join_session(ref)
        elif action == "end":
            end = _EndBody.model_validate(await _json_or_empty(request))
            session = self.end_session(
                ref,
                notes=end.notes,
                recording_url=end.recording_url,
                collaborators=end.collaborators,
            )
        else:
            raise web.HTTPNotFound(text=f"unknown action {action!r}")
        return web.json_response(_control_view(session))

    async def _c_requests(self, request: web.Request) -> web.Response:
        return web.json_response([asdict(r) for r in self.requests], dumps=_dumps)

    async def _c_callbacks(self, request: web.Request) -> web.Response:
        return web.json_response([asdict(d) for d in self.deliveries], dumps=_dumps)

    async def _c_config(self, request: web.Request) -> web.Response:
        if request.method == "POST":
            changes = _ConfigBody.model_validate(await request.json())
            for key, value in changes.model_dump(exclude_none=True).items():
                setattr(self, key, value)
        return web.json_response({key: getattr(self, key) for key in _ConfigBody.model_fields})

    async def _c_latency(self, request: web.Request) -> web.Response:
        body = _LatencyBody.model_validate(await request.json())
        self.set_latency(body.route, body.seconds)
        return _ok()

    async def _c_fail(self, request: web.Request) -> web.Response:
        body = _FailBody.model_validate(await request.json())
        self.fail_next(body.route, body.status, body.count, body.body, body.retry_after)
        return _ok()

    async def _c_hang(self, request: web.Request) -> web.Response:
        body = _HangBody.model_validate(await request.json())
        self.hang_next(body.route, body.count)
        return _ok()

    async def _c_machine(self, request: web.Request) -> web.Response:
        body = _MachineBody.model_validate(await request.json())
        self.add_machine(body.uuid, body.name)
        return _ok()

    async def _c_token(self, request: web.Request) -> web.Response:
        body = _TokenBody.model_validate(await request.json())
        self.add_token(body.token, seat=body.seat, forbidden=body.forbidden, expired=body.expired)
        return _ok()

    async def _c_drain(self, request: web.Request) -> web.Response:
        await self.drain_callbacks()
        return _ok()

    async def _c_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return _ok()


_CREATE_FIELDS = (
    "sessionStatusCallbackUrl",
    "partnerObject",
    "partnerObjectUrl",
    "customerName",
    "customerEmail",
    "machineUuid",
)


def _routes(route: RouteSpec) -> tuple[Route, ...]:
    if route == "all":
        return ("create", "get")
    if route not in get_args(Route):
        raise ValueError(f"route must be 'create', 'get', 'token' or 'all', not {route!r}")
    return (route,)


def _parse_auth(header: str | None) -> tuple[str | None, str | None]:
    """(scheme, token) from ``Bearer <t>`` or ``OAuth oauth_token=<t>``."""
    if not header:
        return None, None
    scheme, _, rest = header.strip().partition(" ")
    rest = rest.strip()
    if scheme.lower() == "bearer":
        return "Bearer", rest or None
    if scheme.lower() == "oauth":
        for part in rest.split(","):
            key, _, value = part.strip().partition("=")
            if key == "oauth_token":
                return "OAuth", value.strip('"') or None
        return "OAuth", None
    return scheme, None


def _recordable_headers(
    request: web.Request, scheme: str | None, fingerprint: str | None
) -> dict[str, str]:
    headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
    if scheme is not None:
        headers["Authorization"] = f"{scheme} <token {fingerprint or 'unreadable'}>"
    return headers


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(
        {"errorCode": code, "message": message}, status=status, headers=headers
    )


def _invalid_token(status: int) -> web.Response:
    """The gateway's answer to an expired token."""
    return web.json_response(
        {"int_err_code": "InvalidToken", "msg": "Invalid token passed"}, status=status
    )


def _fault_response(fault: _Fault) -> web.Response:
    assert fault.status is not None
    headers = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = f"{fault.retry_after:g}"
    if fault.body is None:
        return _error(fault.status, "InjectedFault", "Injected failure", headers)
    if isinstance(fault.body, str):
        return web.Response(status=fault.status, text=fault.body, headers=headers)
    return web.json_response(fault.body, status=fault.status, headers=headers)


def _as_number(text: str | None) -> str | int | None:
    """``partnerObject`` is documented as a number: digits that round-trip become one."""
    if text and text.isdigit() and len(text) < 16 and text == str(int(text)):
        return int(text)
    return text


def _scalar_str(value: object) -> object:
    return str(value) if isinstance(value, int | float) else value


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _form_fields(body: dict[str, Any]) -> dict[str, str]:
    """A callback body as form fields: lists and objects JSON-encoded, the rest as text."""
    return {
        key: json.dumps(value) if isinstance(value, list | dict) else str(value)
        for key, value in body.items()
        if value is not None
    }


def _control_view(session: StandInSession) -> dict[str, Any]:
    return session.info() | {
        "sessionToken": session.session_token,
        "owner": session.owner,
        "callbackUrl": session.callback_url,
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, default=str)


def _ok() -> web.Response:
    return web.json_response({"ok": True})


async def _json_or_empty(request: web.Request) -> Any:
    return await request.json() if request.can_read_body else {}


def _control_errors(handler: Handler) -> Handler:
    """Control mistakes answer 400 (bad body), 404 (no session) or 409 (wrong state)."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ValidationError as exc:
            return _error(400, "BadControlRequest", str(exc.errors(include_url=False)))
        except json.JSONDecodeError:
            return _error(400, "BadControlRequest", "The body must be JSON")
        except KeyError as exc:
            return _error(404, "NoSuchSession", str(exc.args[0] if exc.args else exc))
        except ValueError as exc:
            return _error(409, "WrongState", str(exc))

    return wrapped


async def _serve(port: int, tokens: Sequence[str]) -> None:
    stand_in = GoToAssistStandIn(tokens=tokens or (DEFAULT_TOKEN,))
    await stand_in.start(port=port)
    print(stand_in.base_url, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
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


if __name__ == "__main__":
    main()
