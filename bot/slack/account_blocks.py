"""Messages about a technician's linked GoTo account."""

from __future__ import annotations

from bot.slack.command_text import COMMAND
from bot.slack.escape import escape_mrkdwn
from bot.slack.kit import Message, actions, button, context, section, text_message

LOGIN_ACTION_ID = "goto_login"

LINKING_NOT_CONFIGURED = (
    "Linking your own GoTo account is not set up in this workspace: sessions start with "
    'the team\'s shared GoToAssist account. (Admins: see the README, "GoTo OAuth".)'
)


def render_login_prompt(start_url: str, reason: str | None = None) -> Message:
    """``reason`` is plain text (it may name the technician's GoTo account): escaped here."""
    intro = escape_mrkdwn(
        reason or "Link your GoTo account so that sessions you start are hosted by you."
    )
    return Message.of(
        f"{intro} Open the link to sign in to GoTo (it works once, for 10 minutes).",
        [
            section(f":link: {intro}"),
            actions(
                LOGIN_ACTION_ID,
                button("Link my GoTo account", LOGIN_ACTION_ID, url=start_url, style="primary"),
            ),
            context(["The link is yours alone, works once and expires in 10 minutes."]),
        ],
    )


def render_linked(principal: str | None) -> Message:
    who = f" as *{escape_mrkdwn(principal)}*" if principal else ""
    return text_message(
        f":white_check_mark: Your GoTo account is linked{who}. Sessions you start use it."
    )


def render_unlinked(was_linked: bool, revoked_at_goto: bool) -> Message:
    if not was_linked:
        return text_message("You had no linked GoTo account.")
    if revoked_at_goto:
        return text_message(
            ":wave: Your GoTo account is unlinked: its tokens are forgotten here and GoTo "
            "revoked remote-support's access."
        )
    return text_message(
        ":wave: Your GoTo account is unlinked and its tokens are forgotten here. GoTo did "
        "not confirm revoking remote-support's access; you can remove it in your GoTo "
        "account's connected apps."
    )


def render_tracking_lost(customer: str | None) -> Message:
    who = f" for {escape_mrkdwn(customer)}" if customer else ""
    return text_message(
        f":warning: The session{who} can no longer be followed: the GoTo account that "
        f"started it was unlinked or revoked. Link it again with `{COMMAND} login`; "
        "the session itself is not affected in GoToAssist."
    )
