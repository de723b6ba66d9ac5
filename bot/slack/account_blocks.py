"""Messages about a technician's linked GoTo account."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks import Message
from bot.slack.escape import escape_mrkdwn

LOGIN_ACTION_ID = "goto_login"

LINKING_NOT_CONFIGURED = (
    "Linking your own GoTo account is not set up in this workspace: sessions start with "
    'the team\'s shared GoToAssist account. (Admins: see the README, "GoTo OAuth".)'
)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def render_login_prompt(start_url: str, reason: str | None = None) -> Message:
    intro = reason or "Link your GoTo account so that sessions you start are hosted by you."
    return Message(
        text=f"{intro} Open the link to sign in to GoTo (it works once, for 10 minutes).",
        blocks=[
            _section(f":link: {escape_mrkdwn(intro)}"),
            {
                "type": "actions",
                "block_id": LOGIN_ACTION_ID,
                "elements": [
                    {
                        "type": "button",
                        "action_id": LOGIN_ACTION_ID,
                        "text": {"type": "plain_text", "text": "Link my GoTo account"},
                        "url": start_url,
                        "style": "primary",
                    }
                ],
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "The link is yours alone, works once and expires in 10 minutes.",
                    }
                ],
            },
        ],
    )


def render_linked(principal: str | None) -> Message:
    who = f" as *{escape_mrkdwn(principal)}*" if principal else ""
    text = f":white_check_mark: Your GoTo account is linked{who}. Sessions you start use it."
    return Message(text=text, blocks=[_section(text)])


def render_unlinked(was_linked: bool) -> Message:
    text = (
        ":wave: Your GoTo account is unlinked and its tokens are forgotten."
        if was_linked
        else "You had no linked GoTo account."
    )
    return Message(text=text, blocks=[_section(text)])


def render_tracking_lost(customer: str | None) -> Message:
    who = f" for {escape_mrkdwn(customer)}" if customer else ""
    text = (
        f":warning: The session{who} can no longer be followed: the GoTo account that "
        "started it was unlinked or revoked. Link it again with `/remote-support login`; "
        "the session itself is not affected in GoToAssist."
    )
    return Message(text=text, blocks=[_section(text)])
