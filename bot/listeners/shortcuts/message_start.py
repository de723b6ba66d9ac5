"""The "Start remote support" message shortcut: the start form, prefilled with the message's
author (name and e-mail as their profile shows them), the card to go in that message's thread.

In a Slack Connect channel the author is often the customer, from another organisation: their
profile may hide the e-mail (or more); whatever is hidden is left for the technician to type.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.modal import build_session_modal

log = logging.getLogger(__name__)

MESSAGE_SHORTCUT_ID = "start_remote_support_message"


async def message_start(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
    await ack()
    message = body.get("message") or {}
    channel_id = str((body.get("channel") or {}).get("id") or body["user"]["id"])
    # A reply's thread is its parent's; a top-level message starts its own thread.
    thread_ts = str(message.get("thread_ts") or message.get("ts") or "") or None
    name, email = await author_of(client, message)
    view = build_session_modal(
        channel_id, thread_ts=thread_ts, customer_name=name, customer_email=email
    )
    try:
        await client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as exc:
        log.warning("views.open for the message shortcut failed: %s", exc.response.get("error"))


async def author_of(
    client: AsyncWebClient, message: dict[str, Any]
) -> tuple[str | None, str | None]:
    """The author's name and e-mail as ``users.info`` shows them; (None, None) for a bot's
    message or when Slack does not say (never a reason not to open the form)."""
    author = message.get("user")
    if not isinstance(author, str) or not author:
        return None, None
    try:
        answer = await client.users_info(user=author)
    except SlackApiError as exc:
        log.info("users.info for a shortcut's author failed: %s", exc.response.get("error"))
        return None, None
    user = answer.get("user") or {}
    if not isinstance(user, dict) or user.get("is_bot"):
        return None, None
    profile = user.get("profile") if isinstance(user.get("profile"), dict) else {}
    assert isinstance(profile, dict)
    name = next(
        (
            value.strip()
            for value in (
                profile.get("real_name"),
                user.get("real_name"),
                profile.get("display_name"),
            )
            if isinstance(value, str) and value.strip()
        ),
        None,
    )
    email = profile.get("email")
    return name, (email.strip() if isinstance(email, str) and email.strip() else None)
