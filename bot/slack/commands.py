"""The `/remote-support` slash command. Every branch acknowledges before any slow work."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.accounts.resolver import NoAccount, NotLinked
from bot.metrics import COMMANDS
from bot.sessions.model import SessionRequest
from bot.slack import blocks
from bot.slack.account_blocks import render_login_prompt, render_unlinked
from bot.slack.command_text import (
    Help,
    ListSessions,
    Login,
    Logout,
    OpenModal,
    ParseError,
    Start,
    Status,
    parse_command,
)
from bot.slack.deps import ListenerDeps
from bot.slack.modal import build_session_modal
from bot.store import sessions as store
from bot.store.types import utcnow

log = logging.getLogger(__name__)

COMMAND = "/remote-support"


def start_in_background(
    deps: ListenerDeps, *, team_id: str, channel_id: str, user_id: str, request: SessionRequest
) -> None:
    deps.tasks.spawn(
        deps.starter.start(
            team_id=team_id, channel_id=channel_id, user_id=user_id, request=request
        ),
        name=f"start-session-{user_id}",
    )


def register(app: AsyncApp, deps: ListenerDeps) -> None:
    @app.command(COMMAND)
    async def remote_support(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        parsed = parse_command(command.get("text") or "")
        team_id, user_id = command["team_id"], command["user_id"]
        COMMANDS.labels(command=type(parsed).__name__.lower(), outcome="received").inc()
        match parsed:
            case ParseError():
                message = blocks.render_parse_error(parsed)
                await ack(text=message.text, blocks=message.blocks)
            case Help():
                message = blocks.render_help()
                await ack(text=message.text, blocks=message.blocks)
            case Start(request=request):
                if not deps.tasks.has_room:
                    COMMANDS.labels(command="start", outcome="busy").inc()
                    await ack(text=BUSY)
                    return
                message = blocks.render_starting(request)
                await ack(text=message.text, blocks=message.blocks)
                if not await _has_account(deps, respond, team_id, user_id):
                    return
                start_in_background(
                    deps,
                    team_id=team_id,
                    channel_id=command["channel_id"],
                    user_id=user_id,
                    request=request,
                )
            case OpenModal():
                await ack()
                try:
                    await client.views_open(
                        trigger_id=command["trigger_id"],
                        view=build_session_modal(command["channel_id"]),
                    )
                except SlackApiError as exc:
                    log.warning("views.open failed: %s", exc.response.get("error"))
                    await respond(
                        text="The session form could not be opened (Slack said "
                        f"`{exc.response.get('error')}`). Try again, or type "
                        "`/remote-support Jane Doe jane@example.com #4521`.",
                        response_type="ephemeral",
                    )
            case ListSessions():
                await ack()
                async with deps.db.read() as db:
                    rows = await store.recent_for(db, team_id, user_id)
                    found = [store.to_domain(row) for row in rows]
                message = blocks.render_session_list(found, utcnow())
                await respond(text=message.text, blocks=message.blocks, response_type="ephemeral")
            case Status(ref=ref):
                await ack()
                await _status(deps, respond, team_id, ref)
            case Login():
                await ack()
                await _login(deps, respond, team_id, user_id)
            case Logout():
                await ack()
                await _logout(deps, respond, team_id, user_id)


BUSY = (
    "remote-support is busy starting other sessions (or restarting): nothing was started. "
    "Please try again in a moment."
)

NOT_CONFIGURED = (
    "Linking your own GoTo account is not set up in this workspace: sessions start with "
    'the team\'s shared GoToAssist account. (Admins: see the README, "GoTo OAuth".)'
)


async def _has_account(
    deps: ListenerDeps, respond: AsyncRespond, team_id: str, user_id: str
) -> bool:
    """False (after offering the sign-in link) when the technician has no account to use."""
    try:
        await deps.accounts.for_user(team_id, user_id)
    except NotLinked as exc:
        if deps.login is None:
            await respond(text=exc.message, response_type="ephemeral")
            return False
        url = await deps.login.issue(team_id, user_id)
        message = render_login_prompt(url, exc.message)
        await respond(text=message.text, blocks=message.blocks, response_type="ephemeral")
        return False
    except NoAccount as exc:
        await respond(text=f"No session was started: {exc.message}", response_type="ephemeral")
        return False
    return True


async def _login(deps: ListenerDeps, respond: AsyncRespond, team_id: str, user_id: str) -> None:
    if deps.login is None:
        await respond(text=NOT_CONFIGURED, response_type="ephemeral")
        return
    url = await deps.login.issue(team_id, user_id)
    principal = await deps.login.accounts.principal(team_id, user_id)
    reason = (
        f"Your GoTo account is linked as {principal}. Sign in again to replace it."
        if principal
        else None
    )
    message = render_login_prompt(url, reason)
    await respond(text=message.text, blocks=message.blocks, response_type="ephemeral")


async def _logout(deps: ListenerDeps, respond: AsyncRespond, team_id: str, user_id: str) -> None:
    if deps.login is None:
        await respond(text=NOT_CONFIGURED, response_type="ephemeral")
        return
    message = render_unlinked(await deps.login.accounts.unlink(team_id, user_id))
    await respond(text=message.text, blocks=message.blocks, response_type="ephemeral")


async def _status(deps: ListenerDeps, respond: AsyncRespond, team_id: str, ref: str) -> None:
    async with deps.db.read() as db:
        row = await store.find_for_user(db, team_id, ref)
        session = store.to_domain(row) if row is not None else None
    if session is None:
        await respond(
            text=f"No session `{ref}` was found in this workspace. "
            "`/remote-support list` shows your recent ones.",
            response_type="ephemeral",
        )
        return
    if not session.status.is_terminal:
        await deps.tracker.poll(session.id)  # fresh from GoToAssist, stored like any poll
        async with deps.db.read() as db:
            fresh = await store.get(db, session.id)
            session = store.to_domain(fresh) if fresh is not None else session
    message = blocks.render_session_status(session, utcnow())
    await respond(text=message.text, blocks=message.blocks, response_type="ephemeral")
