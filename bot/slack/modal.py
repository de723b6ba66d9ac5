"""The "start a session" modal opened by a bare ``/remote-support``: build it, read it back.

Pure. Submitted values are raw text (Slack does not escape view state), validated with the
same rules as the slash command (:mod:`bot.slack.validators`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk.models.blocks import (
    ConversationFilter,
    ConversationSelectElement,
    EmailInputElement,
    ExternalDataSelectElement,
    InputBlock,
    InputInteractiveElement,
    PlainTextInputElement,
    UrlInputElement,
)
from slack_sdk.models.views import View

from bot.sessions.model import SessionKind, SessionRequest
from bot.slack.account_blocks import render_login_prompt
from bot.slack.escape import escape_mrkdwn
from bot.slack.kit import plain, section, text_message
from bot.slack.validators import (
    MAX_CUSTOMER_NAME,
    MAX_TICKET_ID,
    InvalidInput,
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
CHANNEL_BLOCK = "card_channel"
CHANNEL_ACTION = "card_channel_input"
NO_MACHINE_VALUE = "-"  # the placeholder option of an empty machine list: not a machine

_MAX_PRIVATE_METADATA = 3000  # Slack's limit


def _input(
    block_id: str,
    label: str,
    element: InputInteractiveElement,
    *,
    hint: str | None = None,
) -> InputBlock:
    """An optional input: the rules (a name unless a machine is given) are checked on
    submission, where the message can say which rule."""
    return InputBlock(
        block_id=block_id,
        label=plain(label),
        element=element,
        hint=plain(hint) if hint is not None else None,
        optional=True,
    )


def target_metadata(channel_id: str, thread_ts: str | None = None) -> str:
    """Where the card goes, as the form's private_metadata: ``C123`` or ``C123/1712.0001``
    (a reply in that message's thread)."""
    return f"{channel_id}/{thread_ts}" if thread_ts else channel_id


def read_target(view: dict[str, Any]) -> tuple[str | None, str | None]:
    """(channel, thread_ts) the submitted form says the card goes to: the channel picked in
    it (a global shortcut), else the one in its private_metadata."""
    picked = _value(view.get("state", {}).get("values", {}), CHANNEL_BLOCK, CHANNEL_ACTION)
    if picked:
        return picked, None
    channel, _, thread = str(view.get("private_metadata") or "").partition("/")
    return (channel or None), (thread or None)


def build_session_modal(
    channel_id: str,
    *,
    thread_ts: str | None = None,
    customer_name: str | None = None,
    customer_email: str | None = None,
    pick_channel: bool = False,
) -> dict[str, Any]:
    """The modal view; ``channel_id`` (where the command was typed) rides in private_metadata,
    with ``thread_ts`` when the card goes in a message's thread (a message shortcut, which
    also prefills the customer from the message's author). ``pick_channel``: a field asks
    where the card goes (a global shortcut, opened from nowhere in particular)."""
    metadata = target_metadata(channel_id, thread_ts)
    if len(metadata) > _MAX_PRIVATE_METADATA:
        raise ValueError("channel id too long for private_metadata")
    where: list[InputBlock] = []
    if pick_channel:
        where.append(
            InputBlock(
                block_id=CHANNEL_BLOCK,
                label=plain("Post the card in"),
                element=ConversationSelectElement(
                    action_id=CHANNEL_ACTION,
                    placeholder=plain("Pick a channel"),
                    filter=ConversationFilter(
                        include=["public", "private"], exclude_bot_users=True
                    ),
                ),
                hint=plain("The customer's join link goes in the card's thread there."),
            )
        )
    intro = (
        "Start a GoToAssist screen-sharing session. The card goes in the message's thread, "
        "the customer's join link under it, your start link only to you."
        if thread_ts
        else "Start a GoToAssist screen-sharing session. The card goes in the channel, the "
        "customer's join link in its thread, your start link only to you."
    )
    return View(
        type="modal",
        callback_id=CALLBACK_ID,
        private_metadata=metadata,
        title=plain("Remote support"),
        submit=plain("Start session"),
        close=plain("Cancel"),
        blocks=[
            section(intro, "intro"),
            *where,
            _input(
                NAME_BLOCK,
                "Customer name",
                PlainTextInputElement(
                    action_id=NAME_ACTION,
                    placeholder=plain("Jane Doe"),
                    max_length=MAX_CUSTOMER_NAME,
                    initial_value=(customer_name or "")[:MAX_CUSTOMER_NAME] or None,
                ),
                hint="Required, unless you pick a machine below.",
            ),
            _input(
                EMAIL_BLOCK,
                "Customer e-mail",
                EmailInputElement(
                    action_id=EMAIL_ACTION,
                    placeholder=plain("jane@example.com"),
                    initial_value=customer_email or None,
                ),
            ),
            _input(
                TICKET_BLOCK,
                "Ticket id",
                PlainTextInputElement(
                    action_id=TICKET_ACTION,
                    placeholder=plain("4521"),
                    max_length=MAX_TICKET_ID + 1,  # room for a leading "#"
                ),
            ),
            _input(
                TICKET_URL_BLOCK,
                "Ticket link",
                UrlInputElement(
                    action_id=TICKET_URL_ACTION,
                    placeholder=plain("https://helpdesk.example.com/tickets/4521"),
                ),
                hint="The ticket id is taken from the link when you leave it empty.",
            ),
            _input(
                MACHINE_BLOCK,
                "Machine (unattended session)",
                ExternalDataSelectElement(
                    action_id=MACHINE_ACTION,
                    placeholder=plain("Type a computer or company name"),
                    min_query_length=0,
                ),
                hint="Only for an unattended session: search GoToAssist's unattended computers "
                "by name, company or UUID.",
            ),
        ],
    ).to_dict()


def build_refused_view(reason: str, login_url: str | None) -> dict[str, Any]:
    """What the form turns into when the technician cannot start a session: the reason, and
    the sign-in button when linking their GoTo account would fix it. Nothing to submit."""
    if login_url is not None:
        shown = render_login_prompt(login_url, reason).blocks
    else:
        shown = text_message(f":warning: {escape_mrkdwn(reason)}").blocks
    return View(
        type="modal",
        callback_id=REFUSED_CALLBACK_ID,
        title=plain("Remote support"),
        close=plain("Close"),
        blocks=shown,
    ).to_dict()


def _value(values: dict[str, Any], block_id: str, action_id: str) -> str:
    """The submitted text of one input (or a select's chosen value), "" when absent or empty."""
    block = values.get(block_id)
    if not isinstance(block, dict):
        return ""
    element = block.get(action_id)
    if not isinstance(element, dict):
        return ""
    value = element.get("value")
    selected = element.get("selected_option")
    if value is None and isinstance(selected, dict):
        value = selected.get("value")
    if value is None:
        value = element.get("selected_conversation") or element.get("selected_channel")
    return value.strip() if isinstance(value, str) else ""


def _machine(raw: str) -> str:
    """The chosen machine's UUID (what each option of the machine field carries)."""
    if raw == NO_MACHINE_VALUE:
        raise InvalidInput("Pick a machine from the list, or leave the field empty.")
    return clean_machine_uuid(raw)


def _cleaned(
    raw: str | None, clean: Callable[[str], str], block: str, errors: dict[str, str]
) -> str | None:
    """An optional field, validated; a problem goes into ``errors`` under its block."""
    if not raw:
        return None
    try:
        return clean(raw)
    except InvalidInput as exc:
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

    machine_uuid = _cleaned(raw_machine, _machine, MACHINE_BLOCK, errors)

    name: str | None = None
    try:
        name = clean_customer_name(raw_name, required=not raw_machine)
    except InvalidInput as exc:
        if raw_name:
            errors[NAME_BLOCK] = exc.message
        else:
            errors[NAME_BLOCK] = (
                "Give the customer's name (or pick a machine for an unattended session)."
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
