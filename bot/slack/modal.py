"""The "start a session" modal opened by a bare ``/remote-support``: build it, read it back.

Pure. Submitted values are raw text (Slack does not escape view state), validated with the
same rules as the slash command (:mod:`bot.slack.validators`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.sessions.model import SessionKind, SessionRequest
from bot.slack.account_blocks import render_login_prompt
from bot.slack.escape import escape_mrkdwn
from bot.slack.validators import (
    MAX_CUSTOMER_NAME,
    MAX_TICKET_ID,
    ValidationError,
    clean_customer_name,
    clean_email,
    clean_machine_uuid,
    clean_ticket_id,
    clean_ticket_url,
    ticket_id_from_url,
)

CALLBACK_ID = "start_session"
REFUSED_CALLBACK_ID = "start_session_refused"

NAME_BLOCK = "customer_name"
NAME_ACTION = "customer_name_input"
EMAIL_BLOCK = "customer_email"
EMAIL_ACTION = "customer_email_input"
TICKET_BLOCK = "ticket_id"
TICKET_ACTION = "ticket_id_input"
TICKET_URL_BLOCK = "ticket_url"
TICKET_URL_ACTION = "ticket_url_input"
MACHINE_BLOCK = "machine_uuid"
MACHINE_ACTION = "machine_uuid_input"

# Block Kit limits: private_metadata 3000, title/submit/close 24, label 2000, hint 2000.
_MAX_PRIVATE_METADATA = 3000


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _input(
    block_id: str,
    action_id: str,
    label: str,
    *,
    element_type: str = "plain_text_input",
    placeholder: str | None = None,
    hint: str | None = None,
    max_length: int | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": element_type, "action_id": action_id}
    if placeholder is not None:
        element["placeholder"] = _plain(placeholder)
    if max_length is not None:
        element["max_length"] = max_length
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": _plain(label),
        "element": element,
    }
    if hint is not None:
        block["hint"] = _plain(hint)
    return block


def build_session_modal(channel_id: str) -> dict[str, Any]:
    """The modal view; ``channel_id`` (where the command was typed) rides in private_metadata."""
    if len(channel_id) > _MAX_PRIVATE_METADATA:
        raise ValueError("channel id too long for private_metadata")
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": channel_id,
        "title": _plain("Remote support"),
        "submit": _plain("Start session"),
        "close": _plain("Cancel"),
        "blocks": [
            {
                "type": "section",
                "block_id": "intro",
                "text": {
                    "type": "mrkdwn",
                    "text": "Start a GoToAssist screen-sharing session. The card goes in the "
                    "channel, the customer's join link in its thread, your start link only "
                    "to you.",
                    "verbatim": True,
                },
            },
            _input(
                NAME_BLOCK,
                NAME_ACTION,
                "Customer name",
                placeholder="Jane Doe",
                hint="Required, unless you give a machine UUID below.",
                max_length=MAX_CUSTOMER_NAME,
            ),
            _input(
                EMAIL_BLOCK,
                EMAIL_ACTION,
                "Customer e-mail",
                element_type="email_text_input",
                placeholder="jane@example.com",
            ),
            _input(
                TICKET_BLOCK,
                TICKET_ACTION,
                "Ticket id",
                placeholder="4521",
                max_length=MAX_TICKET_ID + 1,  # room for a leading "#"
            ),
            _input(
                TICKET_URL_BLOCK,
                TICKET_URL_ACTION,
                "Ticket link",
                element_type="url_text_input",
                placeholder="https://helpdesk.example.com/tickets/4521",
                hint="The ticket id is taken from the link when you leave it empty.",
            ),
            _input(
                MACHINE_BLOCK,
                MACHINE_ACTION,
                "Machine UUID (unattended session)",
                placeholder="3f2a9c4e-8b1d-4e6f-a0c2-5d7e9b1f3a60",
                hint="Only for an unattended session: the computer's UUID, shown in "
                "GoToAssist's Unattended Computers list. Machine names are not looked up yet.",
                max_length=38,
            ),
        ],
    }


def build_refused_view(reason: str, login_url: str | None) -> dict[str, Any]:
    """What the form turns into when the technician cannot start a session: the reason, and
    the sign-in button when linking their GoTo account would fix it. Nothing to submit."""
    if login_url is not None:
        shown = render_login_prompt(login_url, reason).blocks
    else:
        shown = [
            {
                "type": "section",
                "block_id": "refused",
                "text": {
                    "type": "mrkdwn",
                    "text": f":warning: {escape_mrkdwn(reason)}",
                    "verbatim": True,
                },
            }
        ]
    return {
        "type": "modal",
        "callback_id": REFUSED_CALLBACK_ID,
        "title": _plain("Remote support"),
        "close": _plain("Close"),
        "blocks": shown,
    }


def _value(values: dict[str, Any], block_id: str, action_id: str) -> str:
    """The submitted text of one input, "" when absent or empty."""
    block = values.get(block_id)
    if not isinstance(block, dict):
        return ""
    element = block.get(action_id)
    if not isinstance(element, dict):
        return ""
    value = element.get("value")
    return value.strip() if isinstance(value, str) else ""


def _cleaned(
    raw: str | None, clean: Callable[[str], str], block: str, errors: dict[str, str]
) -> str | None:
    """An optional field, validated; a problem goes into ``errors`` under its block."""
    if not raw:
        return None
    try:
        return clean(raw)
    except ValidationError as exc:
        errors[block] = exc.message
        return None


def parse_modal_submission(view_state_values: dict[str, Any]) -> SessionRequest | dict[str, str]:
    """A validated request, or ``{block_id: message}`` for ``response_action: errors``."""
    errors: dict[str, str] = {}
    raw_name = _value(view_state_values, NAME_BLOCK, NAME_ACTION)
    raw_email = _value(view_state_values, EMAIL_BLOCK, EMAIL_ACTION)
    raw_ticket = _value(view_state_values, TICKET_BLOCK, TICKET_ACTION)
    raw_url = _value(view_state_values, TICKET_URL_BLOCK, TICKET_URL_ACTION)
    raw_machine = _value(view_state_values, MACHINE_BLOCK, MACHINE_ACTION)

    machine_uuid = _cleaned(raw_machine, clean_machine_uuid, MACHINE_BLOCK, errors)

    name: str | None = None
    try:
        name = clean_customer_name(raw_name, required=not raw_machine)
    except ValidationError as exc:
        if raw_name:
            errors[NAME_BLOCK] = exc.message
        else:
            errors[NAME_BLOCK] = (
                "Give the customer's name (or a machine UUID for an unattended session)."
            )

    email = _cleaned(raw_email, clean_email, EMAIL_BLOCK, errors)
    ticket = _cleaned(raw_ticket, clean_ticket_id, TICKET_BLOCK, errors)
    url = _cleaned(raw_url, clean_ticket_url, TICKET_URL_BLOCK, errors)

    if errors:
        return errors
    if ticket is None and url is not None:
        ticket = ticket_id_from_url(url)
    return SessionRequest(
        kind=SessionKind.UNATTENDED if machine_uuid else SessionKind.ATTENDED,
        customer_name=name,
        customer_email=email,
        partner_object=ticket,
        partner_object_url=url,
        machine_uuid=machine_uuid,
    )
