"""`/remote-support ...`: parse what was typed and hand it to that subcommand's handler.

Every handler acknowledges before any slow work (Slack waits 3 seconds for the ack).
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.listeners.commands import (
    help,
    list_sessions,
    login,
    logout,
    open_modal,
    start,
    status,
    unattended,
)
from bot.listeners.deps import deps_of
from bot.metrics import COMMANDS
from bot.sessions.model import SessionKind
from bot.slack.command_text import (
    FindMachine,
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


async def remote_support(
    ack: AsyncAck,
    command: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    context: AsyncBoltContext,
) -> None:
    deps = deps_of(context)
    parsed = parse_command(command.get("text") or "")
    team_id, user_id = command["team_id"], command["user_id"]
    COMMANDS.labels(command=type(parsed).__name__.lower(), outcome="received").inc()
    match parsed:
        case ParseError():
            await help.bad_input(ack, parsed)
        case Help():
            await help.show_help(ack)
        case Start(request=request) if request.kind is SessionKind.UNATTENDED:
            await unattended.find_machine(
                ack,
                respond,
                deps,
                team_id=team_id,
                channel_id=command["channel_id"],
                user_id=user_id,
                query=request.machine_uuid or "",
                request=request,
            )
        case FindMachine(query=query, request=request):
            await unattended.find_machine(
                ack,
                respond,
                deps,
                team_id=team_id,
                channel_id=command["channel_id"],
                user_id=user_id,
                query=query,
                request=request,
            )
        case Start(request=request):
            await start.start_session(
                ack,
                respond,
                deps,
                team_id=team_id,
                channel_id=command["channel_id"],
                user_id=user_id,
                request=request,
            )
        case OpenModal():
            await open_modal.open_modal(
                ack,
                respond,
                client,
                trigger_id=command["trigger_id"],
                channel_id=command["channel_id"],
            )
        case ListSessions():
            await list_sessions.list_sessions(ack, respond, deps, team_id=team_id, user_id=user_id)
        case Status(ref=ref):
            await status.show_status(
                ack,
                respond,
                deps,
                team_id=team_id,
                user_id=user_id,
                channel_id=command["channel_id"],
                ref=ref,
            )
        case Login():
            await login.login(ack, respond, deps, team_id=team_id, user_id=user_id)
        case Logout():
            await logout.logout(ack, respond, deps, team_id=team_id, user_id=user_id)
