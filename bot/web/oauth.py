"""GET /goto/oauth/start and /goto/oauth/callback: linking a technician's GoTo account."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

from aiohttp import web

from bot.accounts.linked import LinkedAccounts
from bot.accounts.state import InvalidState, StateSigner, code_challenge
from bot.gotoassist.oauth import GoToOAuth, OAuthError
from bot.sessions.access import PeopleUnavailable
from bot.slack.account_blocks import render_linked
from bot.slack.people import SlackPeople
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
    people: SlackPeople
    any_email: bool = False  # GOTO_LINK_ANY_EMAIL: link whatever GoTo account signs in


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
    mismatch = await _not_theirs(routes, claims.user_id, tokens.who)
    if mismatch is not None:
        log.warning("GoTo sign-in for %s refused: %s", claims.user_id, mismatch)
        await routes.slack.call(
            "chat.postMessage",
            channel=claims.user_id,
            text=f"Your GoTo account was not linked: {mismatch}. Run `/remote-support login` "
            "and sign in to GoTo as yourself.",
        )
        return _refused(f"{mismatch}. Nothing was linked.")
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


async def _not_theirs(routes: OAuthRoutes, user_id: str, who: str | None) -> str | None:
    """Why the GoTo account that signed in may not be linked to ``user_id``, or None. A
    sign-in link sent to someone else must not link *their* GoTo account under the sender:
    the GoTo account's e-mail has to be the Slack user's (unless GOTO_LINK_ANY_EMAIL)."""
    if routes.any_email:
        return None
    try:
        slack_email = await routes.people.email(user_id)
    except PeopleUnavailable:
        return "Slack could not confirm your e-mail address just now"
    if not who or not slack_email or who.strip().lower() != slack_email.strip().lower():
        return (
            "the GoTo account that signed in is not the one with your Slack e-mail address "
            "(a sign-in link works only for the person who asked for it)"
        )
    return None


def register(app: web.Application, routes: OAuthRoutes) -> None:
    app[OAUTH] = routes
    app.router.add_get("/goto/oauth/start", start)
    app.router.add_get("/goto/oauth/callback", callback)
