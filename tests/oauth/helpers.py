"""Helpers for the per-technician GoTo account tests.

Everything goes through the app's real HTTP surface on loopback: signed slash commands, the
sign-in link the app posts to the command's ``response_url``, the app's
``/goto/oauth/start`` and ``/goto/oauth/callback`` routes and the GoToAssist stand-in's OAuth
server (``/oauth/authorize``, ``/oauth/token``) in between, followed one redirect at a time.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from bot.app import create_web_app
from sandbox.goto_oauth import TokenRequest
from sandbox.gotoassist import GoToAssistStandIn, RecordedRequest, StandInSession
from sandbox.harness import Rig, free_port, send_slash, wait_until
from sandbox.signing import CHANNEL, OAUTH_CLIENT_ID, TECH
from sandbox.slack import SlackStandIn, StandInMessage
from tests.e2e.helpers import OTHER as OTHER
from tests.e2e.helpers import START_TEXT as START_TEXT
from tests.e2e.helpers import card_prefix, cards, query, session_rows

TECH_EMAIL = "sam.tech@example.test"
OTHER_EMAIL = "olly.other@example.test"
SHARED_BLOCK = "card_shared_account"
TRACKING_LOST_BLOCK = "card_tracking_lost"


def oauth_rig(database_url: str, **overrides: Any) -> Rig:
    """The app in-process with GoTo OAuth wired to the GoToAssist stand-in's OAuth server;
    the technicians' Slack profiles carry the e-mails of their GoTo accounts."""
    rig = Rig(database_url=database_url, oauth=True, **overrides)
    same_emails(rig.slack)
    return rig


def same_emails(slack: SlackStandIn) -> None:
    """TECH and OTHER have the same e-mail in Slack as in GoTo (a sign-in links only then)."""
    slack.set_user(TECH, email=TECH_EMAIL)
    slack.set_user(OTHER, email=OTHER_EMAIL)


@dataclass
class Target:
    """A running app and the stand-ins it talks to (a Rig, or a `serve` subprocess)."""

    base_url: str
    http: aiohttp.ClientSession
    slack: SlackStandIn
    goto: GoToAssistStandIn


def target(rig: Rig) -> Target:
    assert rig.http is not None
    return Target(rig.base_url, rig.http, rig.slack, rig.goto)


@asynccontextmanager
async def replica(rig: Rig) -> AsyncIterator[Target]:
    """A second replica of the rig's app: same settings and database, its own port and
    process-local state (its own refresh lock), with its workers running."""
    assert rig.settings is not None and rig.http is not None
    port = free_port()
    settings = rig.settings.model_copy(update={"port": port})
    runner = web.AppRunner(await create_web_app(settings), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield Target(f"http://127.0.0.1:{port}", rig.http, rig.slack, rig.goto)
    finally:
        await runner.cleanup()


# --- slash commands ---------------------------------------------------------------------------


@dataclass
class Command:
    key: str  # the response_url key: what the app posts there is in slack.responses_to(key)
    status: int
    ack: Any


async def slash(
    app: Rig | Target, text_: str, *, user: str = TECH, channel: str = CHANNEL
) -> Command:
    """A signed `/remote-support text_` from ``user``; its response_url key is known."""
    app = target(app) if isinstance(app, Rig) else app
    key = f"{user}-{uuid.uuid4().hex}"
    status, ack = await send_slash(
        app.http, app.base_url, app.slack, text_, user=user, channel=channel, key=key
    )
    return Command(key=key, status=status, ack=ack)


async def wait_response(
    app: Rig | Target, command: Command, *, within: float = 10.0
) -> dict[str, Any]:
    """The (first) message the app posted to the command's response_url."""
    slack = app.slack
    await wait_until(
        lambda: bool(slack.responses_to(command.key)),
        within=within,
        what=f"a response_url message for {command.key}",
    )
    return slack.responses_to(command.key)[0]


def as_text(message: dict[str, Any] | StandInMessage) -> str:
    """Everything a message shows (text and blocks), as one searchable string."""
    if isinstance(message, StandInMessage):
        return "\n".join(t + "\n" + json.dumps(b) for t, b in message.versions)
    return json.dumps(message, ensure_ascii=False)


def login_button_url(message: dict[str, Any]) -> str | None:
    """The URL of the sign-in button (to /goto/oauth/start) in a message, if there is one."""
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            url = element.get("url") if isinstance(element, dict) else None
            if url and "/goto/oauth/start" in url:
                return str(url)
    return None


# --- the browser ------------------------------------------------------------------------------


@dataclass
class Hop:
    url: str
    status: int
    location: str | None
    text: str


async def get(app: Rig | Target, url: str) -> Hop:
    """One GET without following redirects (the browser, one step at a time)."""
    http = app.http
    assert http is not None
    async with http.get(url, allow_redirects=False) as response:
        return Hop(url, response.status, response.headers.get("Location"), await response.text())


@dataclass
class Walk:
    """The steps of following a sign-in link to the end."""

    start: Hop
    authorize: Hop
    callback: Hop

    @property
    def callback_url(self) -> str:
        return self.callback.url


async def to_callback(app: Rig | Target, start_url: str) -> tuple[Hop, Hop]:
    """Follow the sign-in link through GoTo's consent (auto-approved) up to, not into, the
    app's callback: (start hop, authorize hop); the authorize hop's Location is the callback."""
    start = await get(app, start_url)
    assert start.status == 302, f"/goto/oauth/start answered {start.status}: {start.text[:300]}"
    assert start.location is not None
    auth_url = app.goto.auth_url
    assert start.location.startswith(f"{auth_url}/oauth/authorize?"), start.location
    authorize = await get(app, start.location)
    assert authorize.status == 302, f"authorize answered {authorize.status}: {authorize.text}"
    assert authorize.location is not None
    assert authorize.location.startswith(f"{app.base_url}/goto/oauth/callback?")
    return start, authorize


async def walk(app: Rig | Target, start_url: str) -> Walk:
    start, authorize = await to_callback(app, start_url)
    assert authorize.location is not None
    return Walk(start, authorize, await get(app, authorize.location))


async def link(
    app: Rig | Target, *, user: str = TECH, email: str = TECH_EMAIL, channel: str = CHANNEL
) -> Walk:
    """`/remote-support login`, then follow the button's link signed in to GoTo as ``email``
    (the user's own account: their Slack profile carries the same e-mail)."""
    app.slack.set_user(user, email=email)
    oauth = app.goto.oauth
    if email not in oauth.users:
        oauth.add_user(email)
    oauth.approve_as(email, auto_approve=True)
    dms_before = len(app.slack.dms(user))
    command = await slash(app, "login", user=user, channel=channel)
    assert command.status == 200
    prompt = await wait_response(app, command)
    url = login_button_url(prompt)
    assert url is not None, f"no sign-in button in {prompt}"
    assert url.startswith(f"{app.base_url}/goto/oauth/start?state=")
    steps = await walk(app, url)
    assert steps.callback.status == 200, steps.callback.text
    assert "GoTo account linked" in steps.callback.text
    await wait_until(
        lambda: len(app.slack.dms(user)) > dms_before, what=f"the 'linked' DM to {user}"
    )
    return steps


def authorize_url(app: Rig | Target, state: str) -> str:
    """The authorize URL the app would send a browser to, for any ``state``."""
    query = {
        "client_id": OAUTH_CLIENT_ID,
        "response_type": "code",
        "redirect_uri": f"{app.base_url}/goto/oauth/callback",
        "state": state,
    }
    return f"{app.goto.auth_url}/oauth/authorize?{urlencode(query)}"


def callback_with_code(app: Rig | Target, state: str, email: str) -> str:
    """A callback URL carrying ``state`` and a fresh, valid code for ``email`` (as GoTo would
    redirect after that user approved an authorize request naming ``state``)."""
    return app.goto.oauth.consent(authorize_url(app, state), user=email)


def state_claims(state: str) -> dict[str, Any]:
    """The JSON body of a state (what it says, signature unchecked)."""
    body = state.partition(".")[0]
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


# --- what the stand-ins saw ------------------------------------------------------------------


def creates(app: Rig | Target) -> list[RecordedRequest]:
    return [r for r in app.goto.requests if r.route == "create"]


def gets(app: Rig | Target) -> list[RecordedRequest]:
    return [r for r in app.goto.requests if r.route == "get"]


def grants(app: Rig | Target, grant_type: str) -> list[TokenRequest]:
    return [
        r
        for r in app.goto.oauth.token_requests
        if r.endpoint == "token" and r.grant_type == grant_type
    ]


def session_for(app: Rig | Target, customer: str) -> StandInSession | None:
    found = [s for s in app.goto.sessions.values() if s.customer_name == customer]
    assert len(found) <= 1, f"{len(found)} GoToAssist sessions for {customer}"
    return found[0] if found else None


async def wait_session(app: Rig | Target, customer: str, within: float = 15.0) -> StandInSession:
    await wait_until(
        lambda: session_for(app, customer) is not None,
        within=within,
        what=f"GoToAssist to create the session for {customer}",
    )
    found = session_for(app, customer)
    assert found is not None
    return found


def card_for(app: Rig | Target, customer: str, channel: str = CHANNEL) -> StandInMessage | None:
    found = [m for m in cards(app, channel) if m.text.startswith(card_prefix(customer))]
    assert len(found) <= 1, f"{len(found)} cards for {customer}"
    return found[0] if found else None


async def wait_card(
    app: Rig | Target, customer: str, *, says: str | None = None, within: float = 15.0
) -> StandInMessage:
    def ready() -> bool:
        card = card_for(app, customer)
        return card is not None and (says is None or card.text.endswith(says))

    await wait_until(ready, within=within, what=f"the card for {customer} (saying {says!r})")
    card = card_for(app, customer)
    assert card is not None
    return card


def block_ids(message: StandInMessage) -> set[str]:
    """Block ids of every version of a message."""
    return {str(b.get("block_id")) for _t, blocks in message.versions for b in blocks}


def private_to(app: Rig | Target, user: str, channel: str = CHANNEL) -> list[StandInMessage]:
    """What only ``user`` saw: ephemerals in ``channel`` and the app's DMs."""
    return [*app.slack.ephemerals(channel, user), *app.slack.dms(user)]


def public_messages(app: Rig | Target) -> list[StandInMessage]:
    """Messages other people can read: everything but DMs and ephemerals."""
    return [m for m in app.slack.messages() if not m.channel.startswith("D")]


# --- the database ----------------------------------------------------------------------------


async def accounts(database_url: str) -> list[dict[str, Any]]:
    return await query(database_url, "SELECT * FROM goto_accounts ORDER BY user_id")


sessions = session_rows  # what the OAuth tests call the sessions table's rows
