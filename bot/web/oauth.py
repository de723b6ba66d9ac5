"""GET /goto/oauth/start and /goto/oauth/callback: linking a technician's GoTo account."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

from aiohttp import web

from bot.accounts.linked import LinkedAccounts
from bot.accounts.state import InvalidState, StateSigner, code_challenge
from bot.gotoassist.oauth import GoToOAuth, OAuthError
from bot.slack.account_blocks import render_linked
from bot.slack.writer import SlackWriter
from bot.store import accounts as store
from bot.store.database import Database
from bot.store.types import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OAuthRoutes:
    db: Database
    signer: StateSigner
    oauth: GoToOAuth
    accounts: LinkedAccounts
    slack: SlackWriter


OAUTH = web.AppKey("goto_oauth", OAuthRoutes)


def _page(title: str, body: str, status: int = 200) -> web.Response:
    text = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body style='font-family:sans-serif;"
        f"max-width:36em;margin:4em auto'><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(body)}</p></body></html>"
    )
    return web.Response(
        text=text,
        status=status,
        content_type="text/html",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def _refused(reason: str) -> web.Response:
    return _page("Your GoTo account was not linked", reason, status=400)


async def start(request: web.Request) -> web.StreamResponse:
    routes = request.app[OAUTH]
    state = request.query.get("state", "")
    try:
        routes.signer.verify(state, utcnow())
    except InvalidState as exc:
        return _refused(str(exc))
    challenge = code_challenge(routes.signer.code_verifier(state))
    raise web.HTTPFound(routes.oauth.authorize_url(state, challenge))


async def callback(request: web.Request) -> web.Response:
    routes = request.app[OAUTH]
    now = utcnow()
    state = request.query.get("state", "")
    try:
        claims = routes.signer.verify(state, now)
    except InvalidState as exc:
        return _refused(str(exc))
    async with routes.db.write() as db:
        fresh = await store.consume_state(db, claims, now)
    if not fresh:
        return _refused(
            "This sign-in link was used already. Run /remote-support login in Slack for a new one."
        )
    if "error" in request.query:
        return _refused("GoTo sign-in was cancelled; nothing was linked.")
    code = request.query.get("code", "")
    if not code:
        return _refused("GoTo sent no authorization code; nothing was linked.")
    try:
        tokens = await routes.oauth.exchange_code(code, routes.signer.code_verifier(state))
    except OAuthError as exc:
        log.warning("GoTo code exchange failed: %s", exc)
        return _refused(f"{exc}. Nothing was linked; try /remote-support login again.")
    await routes.accounts.link(claims.team_id, claims.user_id, tokens)
    log.info("linked a GoTo account for %s/%s", claims.team_id, claims.user_id)
    message = render_linked(tokens.who)
    # Best effort, straight to the technician's DM with the app: the page below says it too.
    await routes.slack.call(
        "chat.postMessage", channel=claims.user_id, text=message.text, blocks=message.blocks
    )
    who = f" as {tokens.who}" if tokens.who else ""
    return _page(
        "GoTo account linked", f"Linked{who}. You can close this tab and go back to Slack."
    )


def register(app: web.Application, routes: OAuthRoutes) -> None:
    app[OAUTH] = routes
    app.router.add_get("/goto/oauth/start", start)
    app.router.add_get("/goto/oauth/callback", callback)
