"""Composition root: builds the Bolt app, the aiohttp application and the workers."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.accounts.linked import LinkedAccounts
from bot.accounts.login import LoginLinks
from bot.accounts.resolver import AccountResolver, SharedAccount
from bot.accounts.state import StateSigner
from bot.config import Settings
from bot.crypto import SecretBox
from bot.gotoassist.client import GoToAssistClient
from bot.gotoassist.directory import MachineDirectory
from bot.gotoassist.oauth import GoToOAuth
from bot.listeners import register as register_listeners
from bot.listeners.deps import ListenerDeps
from bot.metrics import observe_goto
from bot.sessions.limits import StartLimits, UserWindow
from bot.sessions.machines import access_groups
from bot.sessions.transition import PollSchedule
from bot.slack import response_url
from bot.slack.pacing import Pacer
from bot.slack.people import SlackPeople
from bot.slack.writer import SlackWriter
from bot.store.database import Database, make_engine
from bot.tasks import BackgroundTasks
from bot.web import callbacks, health, oauth
from bot.web.keys import ENGINE, SLACK_WRITER, TRACKER
from bot.web.oauth import OAuthRoutes
from bot.workers.outbox import OutboxWorker
from bot.workers.poller import Poller
from bot.workers.retention import RetentionSweeper
from bot.workers.surfaces import Surfaces
from bot.workflows.access import AccessCheck
from bot.workflows.machines import MachineFinder
from bot.workflows.starting import SessionStarter
from bot.workflows.tracking import Tracker

log = logging.getLogger(__name__)

CLIENT_MAX_SIZE = 256 * 1024  # Slack payloads and callbacks are small


def secret_box(settings: Settings) -> SecretBox:
    """ENCRYPTION_KEY, or a key derived from the signing secret when it is unset."""
    if settings.encryption_key is not None:
        return SecretBox.from_setting(settings.encryption_key.get_secret_value())
    seed = settings.slack_signing_secret or settings.slack_app_token or settings.slack_bot_token
    if seed is None:
        raise ValueError("ENCRYPTION_KEY is not set and there is no Slack secret to derive one")
    return SecretBox.derived_from(seed.get_secret_value())


@dataclass
class Runtime:
    """Everything `serve` runs, built once per process."""

    settings: Settings
    engine: AsyncEngine
    db: Database
    http: aiohttp.ClientSession
    writer: SlackWriter
    bolt: AsyncApp
    outbox: OutboxWorker
    poller: Poller
    retention: RetentionSweeper
    tracker: Tracker
    tasks: BackgroundTasks
    oauth_routes: OAuthRoutes | None
    machines: MachineFinder | None = None
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    workers: list[asyncio.Task[None]] = field(default_factory=list)

    def start_workers(self) -> None:
        self.workers = [
            asyncio.create_task(self.outbox.run(self.stopping), name="outbox"),
            asyncio.create_task(self.poller.run(self.stopping), name="poller"),
            asyncio.create_task(self.retention.run(self.stopping), name="retention"),
        ]
        if self.machines is not None:
            directory = self.machines.directory
            self.workers.append(
                asyncio.create_task(
                    directory.run(self.machines.background_token, self.stopping),
                    name="machine-directory",
                )
            )

    async def close(self) -> None:
        """Stop taking work, let what is in flight finish within the grace period, close."""
        grace = self.settings.shutdown_grace_s
        cut = await self.tasks.drain(grace * 0.6)
        if cut:  # their rows stay pending; the next start tells each technician
            log.warning("shutdown: %d session starts were cut short", cut)
        self.stopping.set()
        if self.workers:
            _done, pending = await asyncio.wait(self.workers, timeout=grace * 0.3)
            for task in pending:
                task.cancel()  # leases run out and another replica (or restart) takes over
        if self.machines is not None:
            await self.machines.directory.close()
        await self.http.close()
        await self.db.dispose()  # the async engine and, on a SQLite file, the in-place one


def build_runtime(settings: Settings) -> Runtime:
    """Wire the parts together. Must run inside the event loop (it opens an HTTP pool)."""
    engine = make_engine(settings.database_url, pool_size=settings.database_pool_size)
    db = Database(engine)
    http = aiohttp.ClientSession()
    box = secret_box(settings)
    bot_token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    api_url = str(settings.slack_api_url)
    # One HTTP pool for every Slack call (slack_sdk opens a new one per call otherwise).
    pacer = Pacer(scale=settings.slack_rate_scale, replicas=settings.slack_replicas)
    writer = SlackWriter(
        AsyncWebClient(token=bot_token, base_url=api_url, session=http), pacer=pacer
    )
    goto = GoToAssistClient(
        http,
        str(settings.gotoassist_api_url).rstrip("/"),
        auth_scheme=settings.gotoassist_auth_scheme,
        timeout_s=settings.gotoassist_timeout_s,
        rate_per_s=settings.gotoassist_rate_per_s,
        observer=observe_goto,
    )
    people = SlackPeople(
        AsyncWebClient(token=bot_token, base_url=api_url, session=http),
        ttl_s=settings.people_cache_s,
    )
    shared = (
        settings.gotoassist_access_token.get_secret_value()
        if settings.gotoassist_access_token
        else None
    )
    accounts: AccountResolver = SharedAccount(shared)
    login: LoginLinks | None = None
    oauth_routes: OAuthRoutes | None = None
    if settings.goto_client_id is not None and settings.goto_client_secret is not None:
        base = str(settings.public_base_url or "").rstrip("/")
        goto_oauth = GoToOAuth(
            http,
            str(settings.goto_auth_url),
            settings.goto_client_id,
            settings.goto_client_secret.get_secret_value(),
            f"{base}/goto/oauth/callback",
            timeout_s=settings.gotoassist_timeout_s,
        )
        linked = LinkedAccounts(db, box, goto_oauth, shared_token=shared)
        signer = StateSigner(state_key(settings))
        accounts, login = linked, LoginLinks(db, signer, linked, base)
        oauth_routes = OAuthRoutes(
            db=db,
            signer=signer,
            oauth=goto_oauth,
            accounts=linked,
            slack=writer,
            people=people,
            any_email=settings.goto_link_any_email,
        )
    surfaces = Surfaces(
        db,
        writer,
        every=timedelta(seconds=settings.home_refresh_s),
        linking=login is not None,
    )
    worker = OutboxWorker(
        db,
        writer,
        box,
        lease=timedelta(seconds=settings.outbox_lease_s),
        max_attempts=settings.outbox_max_attempts,
        parked_retry=timedelta(seconds=settings.outbox_parked_retry_s),
        surfaces=surfaces,
    )
    schedule = PollSchedule(
        young=timedelta(seconds=settings.poll_interval_young_s),
        active=timedelta(seconds=settings.poll_interval_active_s),
        idle=timedelta(seconds=settings.poll_interval_idle_s),
        young_for=timedelta(seconds=settings.poll_young_for_s),
        expire_after=timedelta(seconds=settings.session_expiry_s),
    )
    tracker = Tracker(db, goto, accounts, schedule, box=box, on_queued=worker.wake)
    machine_access = settings.machine_access
    machines = MachineFinder(
        MachineDirectory(
            goto,
            refresh_s=settings.machines_refresh_s,
            rate_per_s=settings.directory_rate_per_s,
        ),
        accounts,
        people,
        rules=machine_access,
        shared_token=shared,
    )
    starter = SessionStarter(
        db,
        goto,
        accounts,
        box,
        callback_base=settings.callback_base(),
        schedule=schedule,
        on_queued=worker.wake,
        login=login,
        access=AccessCheck(
            people,
            allowed=settings.allowed_groups,
            # UNATTENDED_ACCESS alone: its groups are who may open machines at all
            unattended=settings.unattended_groups
            or (access_groups(machine_access) if machine_access else None),
        ),
        limits=StartLimits(
            per_minute=settings.user_starts_per_min,
            max_open=settings.max_open_sessions_per_user,
        ),
        machine_check=machines.denial,
    )
    tasks = BackgroundTasks()
    bolt = build_bolt(settings, bot_token, api_url, http)
    deps = ListenerDeps(
        db=db,
        starter=starter,
        tracker=tracker,
        box=box,
        tasks=tasks,
        login=login,
        writer=writer,
        status_window=UserWindow(settings.user_status_per_min),
        machines=machines,
        surfaces=surfaces,
    )
    register_listeners(bolt, deps)
    return Runtime(
        settings=settings,
        engine=engine,
        db=db,
        http=http,
        writer=writer,
        bolt=bolt,
        outbox=worker,
        poller=Poller(
            db,
            tracker,
            starter,
            lease=timedelta(seconds=settings.poll_lease_s),
            interrupted_after=timedelta(seconds=settings.gotoassist_timeout_s + 30),
        ),
        retention=RetentionSweeper(
            db,
            schedule,
            keep_for=timedelta(days=settings.retention_days),
            every_s=settings.retention_sweep_s,
            on_queued=worker.wake,
        ),
        tracker=tracker,
        tasks=tasks,
        oauth_routes=oauth_routes,
        machines=machines,
    )


def state_key(settings: Settings) -> bytes:
    """Key for signing OAuth states: from ENCRYPTION_KEY (required with GoTo OAuth)."""
    secret = settings.encryption_key or settings.slack_signing_secret
    return secret.get_secret_value().encode() if secret else b""


def build_bolt(
    settings: Settings, bot_token: str, api_url: str, http: aiohttp.ClientSession
) -> AsyncApp:
    async def authorize(**kwargs: Any) -> AuthorizeResult:
        # Single workspace: the token is known; no auth.test call sits before any ack.
        return AuthorizeResult(
            enterprise_id=kwargs.get("enterprise_id"),
            team_id=kwargs.get("team_id"),
            bot_token=bot_token,
        )

    secret = settings.slack_signing_secret
    bolt = AsyncApp(
        # Socket Mode without a signing secret: requests arrive only over the app's own
        # WebSocket to Slack, and no Slack route is served over HTTP (create_web_app).
        signing_secret=secret.get_secret_value() if secret else "socket-mode-unsigned",
        authorize=authorize,
        client=AsyncWebClient(base_url=api_url, session=http),
        request_verification_enabled=secret is not None,
        logger=logging.getLogger("slack_bolt"),
    )
    bolt.middleware(refuse_foreign_response_urls(api_url))
    return bolt


def refuse_foreign_response_urls(api_url: str) -> Callable[..., Awaitable[BoltResponse | None]]:
    """Middleware: a request whose ``response_url`` points anywhere but Slack is refused
    before any listener runs, so no answer (a start link, say) is ever POSTed elsewhere."""

    async def check(
        body: dict[str, Any], next: Callable[[], Awaitable[BoltResponse | None]]
    ) -> BoltResponse | None:
        urls = [body.get("response_url")] + [
            item.get("response_url")
            for item in body.get("response_urls") or []
            if isinstance(item, dict)
        ]
        for url in urls:
            if url is not None and not (
                isinstance(url, str) and response_url.is_allowed(url, api_url)
            ):
                log.warning("refused a Slack request whose response_url is not Slack's")
                return BoltResponse(status=400, body="response_url must be Slack's")
        return await next()

    return check


def tune_gc() -> None:
    """For a process that is only this app: what exists after start-up lives as long as the
    process, so keep it out of the collector's way (full collections showed as ack latency),
    and collect the young generation every 50k allocations instead of 700 (requests allocate
    short-lived objects in bulk; the default thresholds spend CPU tracing them)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


async def create_web_app(
    settings: Settings, *, workers: bool = True, own_process: bool = False
) -> web.Application:
    """The aiohttp application: Slack, callback, OAuth and health routes. ``own_process``:
    the app is all this process runs (`serve`), so process-wide tuning is allowed."""
    runtime = build_runtime(settings)
    app = web.Application(client_max_size=CLIENT_MAX_SIZE)
    app[TRACKER] = runtime.tracker
    app[ENGINE] = runtime.engine
    app[SLACK_WRITER] = runtime.writer

    async def slack_events(request: web.Request) -> web.Response:
        bolt_request = await to_bolt_request(request)
        bolt_response = await runtime.bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    if not settings.socket_mode:  # in Socket Mode Slack's requests come over the WebSocket
        app.router.add_post("/slack/events", slack_events)
    callbacks.register(app)
    health.register(
        app,
        metrics_token=settings.metrics_token.get_secret_value() if settings.metrics_token else None,
    )
    if runtime.oauth_routes is not None:
        oauth.register(app, runtime.oauth_routes)

    async def lifetime(_app: web.Application) -> AsyncIterator[None]:
        socket_mode = None
        if workers:
            runtime.start_workers()
        if own_process:
            tune_gc()
        if settings.slack_app_token is not None:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            socket_mode = AsyncSocketModeHandler(
                runtime.bolt, settings.slack_app_token.get_secret_value()
            )
            await socket_mode.connect_async()  # type: ignore[no-untyped-call]
        yield
        if socket_mode is not None:
            await socket_mode.close_async()  # type: ignore[no-untyped-call]
        await runtime.close()

    app.cleanup_ctx.append(lifetime)
    return app
