"""The GoToAssist stand-in's shared state (sessions, accounts, recordings, faults), its
server's lifecycle and its configuration."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import deque
from collections.abc import Iterable
from typing import Any, Self, get_args

import aiohttp
from aiohttp import web

from sandbox.goto_oauth import GoToOAuthStandIn
from sandbox.gotoassist.records import (
    ACCOUNT_KEY,
    API_PREFIX,
    CONTROL_PREFIX,
    DEFAULT_TOKEN,
    Account,
    CallbackDelivery,
    CallbackFormat,
    Fault,
    RecordedRequest,
    Route,
    RouteSpec,
    StandInMachine,
    StandInSession,
    routes_of,
)


class GoToAssistState:
    """What the stand-in's areas (mixins of ``GoToAssistStandIn``) share."""

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
        self.machines: dict[str, str] = {}  # uuid -> name: what POST /sessions accepts
        self.companies: dict[str, str] = {}  # company id -> name, in listing order
        self.machine_records: dict[str, StandInMachine] = {}  # uuid -> machine, listing order
        self.directory_page_max = 100  # the most entries one page answers, whatever limit says
        self.directory_requests: list[RecordedRequest] = []  # kept apart from ``requests``
        self.sessions: dict[str, StandInSession] = {}  # by session token
        self.requests: list[RecordedRequest] = []
        self.deliveries: list[CallbackDelivery] = []
        self._accounts: dict[str, Account] = {}
        self._latency: dict[Route, float] = {r: 0.0 for r in get_args(Route)}
        self._faults: dict[Route, deque[Fault]] = {r: deque() for r in get_args(Route)}
        self._rate: dict[str, deque[float]] = {}
        self._rng = random.Random(seed)
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._base_url: str | None = None
        self.oauth = GoToOAuthStandIn(
            account_key=str(ACCOUNT_KEY), gate=lambda endpoint: self._gate(endpoint)
        )

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

    async def __aenter__(self) -> Self:
        if self._runner is None:
            await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _app(self) -> web.Application:
        raise NotImplementedError  # GoToAssistStandIn routes the areas

    async def _pause(self, seconds: float) -> None:
        """Sleep, cut short by stop()."""
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)

    # -- configuration and faults ------------------------------------------------------------

    def add_token(
        self, token: str, *, seat: bool = True, forbidden: bool = False, expired: bool = False
    ) -> None:
        """Accept ``token``. No seat: 401. Forbidden: 403 (role). Expired: 403 InvalidToken."""
        self.tokens.add(token)
        self._accounts[token] = Account(seat=seat, forbidden=forbidden, expired=expired)

    def add_machine(
        self, uuid: str, name: str, *, company_id: str | None = None, status: str = "ONLINE"
    ) -> None:
        """A machine sessions may open; listed under ``company_id`` (default: the first
        company, created as "Stand-in Customer" when there is none)."""
        self.machines[uuid] = name
        if company_id is None:
            company_id = next(iter(self.companies), None) or self.add_company("Stand-in Customer")
        elif company_id not in self.companies:
            self.add_company(f"Company {company_id}", company_id=company_id)
        self.machine_records[uuid] = StandInMachine(uuid, name, company_id, status)

    def add_company(self, name: str, *, company_id: str | None = None) -> str:
        """A customer company; returns its id."""
        company_id = company_id or f"c{len(self.companies) + 1:05d}"
        self.companies[company_id] = name
        return company_id

    def set_machine_status(self, uuid: str, status: str) -> None:
        self.machine_records[uuid].status = status

    def set_latency(self, route: RouteSpec, seconds: float) -> None:
        for name in routes_of(route):
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
        for name in routes_of(route):
            self._faults[name].extend(Fault(status, body, retry_after) for _ in range(count))

    def hang_next(self, route: RouteSpec, count: int = 1) -> None:
        """Accept the next ``count`` requests on ``route`` and never answer them (until stop)."""
        for name in routes_of(route):
            self._faults[name].extend(Fault(None) for _ in range(count))

    def set_rate_limit(self, per_s: float) -> None:
        """Requests per token per sliding second before 429; 0 turns the limit off."""
        self.rate_limit_per_s = per_s

    def reset(self) -> None:
        """Forget sessions, recordings, faults and latency (tokens, OAuth grants and machines
        stay)."""
        self.sessions.clear()
        self.requests.clear()
        self.directory_requests.clear()
        self.deliveries.clear()
        self.oauth.reset_records()
        self._rate.clear()
        for route in get_args(Route):
            self._faults[route].clear()
            self._latency[route] = 0.0

    async def _gate(self, route: Route) -> web.Response | None:
        raise NotImplementedError  # GoToAssistApi applies latency and injected faults

    def _emit_callback(self, session: StandInSession) -> None:
        raise NotImplementedError  # CallbackSender sends them
