"""Home's "Link my GoTo account" button: a single-use sign-in link, issued on the click and
shown in a modal only the clicker sees (never stored in their published Home)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.listeners.deps import deps_of
from bot.slack.account_blocks import LINKING_NOT_CONFIGURED, render_login_prompt
from bot.slack.home import render_notice_modal
from bot.slack.kit import plain

log = logging.getLogger(__name__)


async def home_login(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    deps = deps_of(context)
    user = body["user"]
    team_id = str(user.get("team_id") or (body.get("team") or {}).get("id") or "")
    if deps.login is None:
        view = render_notice_modal(LINKING_NOT_CONFIGURED)
    else:
        url = await deps.login.issue(team_id, user["id"])
        view = View(
            type="modal",
            title=plain("GoTo account"),
            close=plain("Close"),
            blocks=render_login_prompt(url).blocks,
        ).to_dict()
    try:
        await client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as exc:
        log.warning("views.open for the Home sign-in failed: %s", exc.response.get("error"))
