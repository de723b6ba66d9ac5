"""Everything the app shows in Slack, as pure functions returning Block Kit.

Every piece of text that came from a customer, a technician's typing or GoToAssist goes
through :func:`bot.slack.escape.escape_mrkdwn` (directly or via ``link``). Blocks are built
with :mod:`bot.slack.kit` (slack_sdk's models: at most 50 blocks, section text 3000, 10 fields
of 2000 each, block_id 255).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from slack_sdk.models.blocks import Block

from bot.sessions.model import CreationState, Session, SessionKind, SessionRequest, in_utc
from bot.sessions.status import SessionStatus
from bot.slack.command_text import (
    COMMAND,
    EXAMPLE_START,
    EXAMPLE_START_URL,
    EXAMPLE_STATUS,
    EXAMPLE_UNATTENDED_COMPANY,
    EXAMPLE_UNATTENDED_NAME,
    ParseError,
)
from bot.slack.escape import (
    escape_mrkdwn,
    escape_truncated,
    link,
    slack_ago,
    slack_date,
    truncate,
)
from bot.slack.kit import (
    MAX_BLOCKS,
    MAX_BUTTON_URL,
    MAX_FIELD_TEXT,
    MAX_SECTION_TEXT,
    actions,
    button,
    context,
    field_sections,
    section,
    text_message,
)
from bot.slack.kit import (
    Message as Message,
)
from bot.slack.validators import is_http_url

MAX_LISTED_SESSIONS = 20

START_LINK_ACTION_ID = "start_link"
OPEN_START_LINK_ACTION_ID = "open_start_link"

# Budgets for outside text, in escaped characters; they keep every field under 2000.
_LINK_LIMIT = 1500
_NAME_LIMIT = 200
_EMAIL_LIMIT = 300
_TICKET_LIMIT = 100
_MACHINE_LIMIT = 200
_SHORT_ID_LEN = 8

STATUS_EMOJI: dict[SessionStatus, str] = {
    SessionStatus.NOT_STARTED: ":white_circle:",
    SessionStatus.WAITING: ":hourglass:",
    SessionStatus.ACTIVE: ":large_green_circle:",
    SessionStatus.COMPLETE: ":white_check_mark:",
    SessionStatus.ABANDONED: ":x:",
}
EXPIRED_EMOJI = ":zzz:"
FAILED_EMOJI = ":warning:"

_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{1,40}")
_SLACK_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{1,40}")


# --- Pieces of a session ---------------------------------------------------------------------


def _user_mention(user_id: str) -> str:
    if _SLACK_USER_ID.fullmatch(user_id):
        return f"<@{user_id}>"
    return escape_truncated(user_id, 50)


def _short_id(session_id: str) -> str:
    return escape_mrkdwn(session_id[:_SHORT_ID_LEN])


def _machine_label(session: Session) -> str | None:
    """The machine's name, escaped, when known. Never its UUID: that names the computer to
    GoToAssist and is as good as a key to it for anyone holding a technician's token."""
    if session.machine_name:
        return escape_truncated(session.machine_name, _MACHINE_LIMIT)
    return None


def _customer(session: Session | SessionRequest, fallback: str = "the customer") -> str:
    if session.customer_name:
        return escape_truncated(session.customer_name, _NAME_LIMIT)
    return fallback


def _subject(session: Session) -> str:
    """ "Remote support for Jane Doe" / "Remote support on PC-01", escaped."""
    machine = _machine_label(session) if session.kind is SessionKind.UNATTENDED else None
    if session.customer_name:
        subject = f"Remote support for {_customer(session)}"
        return f"{subject} on {machine}" if machine else subject
    if machine:
        return f"Remote support on {machine}"
    if session.kind is SessionKind.UNATTENDED:
        return "Unattended remote support"
    return "Remote support session"


def _status_phrase(session: Session) -> str:
    """The status in words, as the card's notification text carries it."""
    words = session.status.words
    if session.creation is CreationState.FAILED:
        return f"{words} (not created)"
    if session.expired and session.status is SessionStatus.NOT_STARTED:
        return f"{words} (expired)"
    if session.tracking_lost and not session.status.is_terminal:
        return f"{words} (no longer followed)"
    return words


def _status_emoji(session: Session) -> str:
    if session.creation is CreationState.FAILED:
        return FAILED_EMOJI
    if session.expired and session.status is SessionStatus.NOT_STARTED:
        return EXPIRED_EMOJI
    return STATUS_EMOJI[session.status]


def human_duration(delta: timedelta) -> str:
    """``45 s``, ``12 min``, ``1 h 05 min``."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _bounded_link(url: str | None, label: str, label_limit: int = _TICKET_LIMIT) -> str:
    """``link`` when it fits the budget, else just the escaped label (never a cut link)."""
    linked = link(url, label, label_limit=label_limit)
    if len(linked) <= _LINK_LIMIT:
        return linked
    return escape_truncated(label, label_limit)


def _ticket(session: Session | SessionRequest, *, linked: bool) -> str | None:
    """The ticket, escaped; linked to its URL when asked and the URL is safe."""
    url = session.partner_object_url
    if session.partner_object:
        return _bounded_link(url if linked else None, f"#{session.partner_object}")
    if url and linked:
        if is_http_url(url):
            return _bounded_link(url, "Open the ticket")
        return escape_truncated(url, _TICKET_LIMIT)
    return None


def _field(title: str, value: str) -> str:
    """``*Title*\nvalue``. Callers budget ``value``; a value that still does not fit is
    replaced rather than cut, so a link or date token is never broken."""
    text = f"*{title}*\n{value}"
    if len(text) > MAX_FIELD_TEXT:
        return f"*{title}*\n(too long to show)"
    return text


def _card_fields(session: Session, now: datetime) -> list[str]:
    fields = [_field("Technician", _user_mention(session.requester_id))]
    customer_lines = []
    if session.customer_name:
        customer_lines.append(_customer(session))
    if session.customer_email:
        customer_lines.append(escape_truncated(session.customer_email, _EMAIL_LIMIT))
    if customer_lines:
        fields.append(_field("Customer", "\n".join(customer_lines)))
    ticket = _ticket(session, linked=True)
    if ticket:
        fields.append(_field("Ticket", ticket))
    if session.kind is SessionKind.UNATTENDED:
        machine = _machine_label(session) or "a known computer"
        if session.machine_company:
            machine += f"\n{escape_truncated(session.machine_company, _MACHINE_LIMIT)}"
        fields.append(_field("Machine", machine))
    if session.expert_name:
        fields.append(_field("Expert", escape_truncated(session.expert_name, _NAME_LIMIT)))
    fields.append(_field("Created", slack_date(session.created_at)))
    if session.started_at:
        fields.append(_field("Started", slack_date(session.started_at)))
    if session.customer_joined_at:
        fields.append(_field("Customer joined", slack_date(session.customer_joined_at)))
    if session.ended_at:
        fields.append(_field("Ended", slack_date(session.ended_at)))
    if session.status.is_terminal:
        duration = session.ran_for
        if duration is not None:
            fields.append(_field("Duration", human_duration(duration)))
    elif session.status is SessionStatus.ACTIVE and session.started_at is not None:
        # Slack renders the token as "x minutes ago" when it is read, so it never goes stale
        # (a duration computed here would be frozen at the last edit).
        fields.append(_field("Running since", slack_ago(session.started_at)))
    return fields


def _terminal_sections(session: Session) -> list[Block]:
    blocks: list[Block] = []
    if session.notes and session.notes.strip():
        prefix = "*Notes*\n"
        notes = escape_truncated(session.notes.strip(), MAX_SECTION_TEXT - len(prefix))
        blocks.append(section(prefix + notes, "card_notes"))
    extras: list[str] = []
    if session.recording_url:
        if is_http_url(session.recording_url):
            recording = _bounded_link(session.recording_url, "Watch the recording")
            extras.append(_field("Recording", recording))
        else:
            extras.append(_field("Recording", escape_truncated(session.recording_url, 300)))
    collaborators = [c.strip() for c in session.collaborators if c and c.strip()]
    if collaborators:
        joined = ", ".join(escape_mrkdwn(c) for c in collaborators)
        extras.append(_field("Collaborators", truncate(joined, 1000)))  # plain: safe to cut
    if extras:
        blocks.extend(field_sections(extras, "card_extras"))
    return blocks


def _context_lines(session: Session) -> list[Block]:
    ids = [f"Session `{_short_id(session.id)}`"]
    if session.goto_session_id:
        ids.append(f"GoToAssist session `{escape_truncated(session.goto_session_id, 64)}`")
    elements = [" · ".join(ids)]
    if session.creation is CreationState.PENDING:
        elements.append("Creating the session in GoToAssist…")
    elif session.creation is CreationState.FAILED:
        elements.append("GoToAssist did not create this session; nothing is live.")
    elif (
        session.customer_join_url
        and session.kind is SessionKind.ATTENDED
        and not session.status.is_terminal
        and not session.expired
    ):
        elements.append("The customer's join link is in the thread.")
    blocks: list[Block] = [context(elements, "card_ids")]
    if session.tracking_lost and not session.status.is_terminal:
        requester = _user_mention(session.requester_id)
        blocks.append(
            context(
                [
                    ":warning: This card can no longer follow the session: the GoTo account "
                    f"that started it was unlinked or revoked. {requester} can "
                    f"link it again with `{COMMAND} login`."
                ],
                "card_tracking_lost",
            )
        )
    if session.details_removed_at is not None:
        blocks.append(
            context(
                [
                    ":wastebasket: The customer's details, notes and links were removed "
                    "from remote-support after the retention period (RETENTION_DAYS)."
                ],
                "card_details_removed",
            )
        )
    if session.shared_account:
        blocks.append(
            context(
                [":key: Started with the team's shared GoToAssist account."],
                "card_shared_account",
            )
        )
    return blocks


def _card_body(session: Session, now: datetime) -> list[Block]:
    header = f"{_status_emoji(session)} *{_subject(session)}*: {_status_phrase(session)}"
    blocks: list[Block] = [section(truncate(header, MAX_SECTION_TEXT), "card_header")]
    blocks.extend(field_sections(_card_fields(session, now), "card_fields"))
    if session.status.is_terminal:
        blocks.extend(_terminal_sections(session))
    blocks.extend(_context_lines(session))
    return blocks[:MAX_BLOCKS]


def _offers_start_link(session: Session) -> bool:
    return (
        not session.status.is_terminal
        and not session.expired
        and session.creation is not CreationState.FAILED
    )


# --- Public renderers ------------------------------------------------------------------------


def render_card(session: Session, now: datetime) -> Message:
    """The channel card for ``session``: rendered from stored state only.

    Holds no URL that could start the session: the "Start link" button carries only our
    session id, and its handler answers the requesting technician privately.
    """
    text = f"{_subject(session)}: {_status_phrase(session)}"
    blocks = _card_body(session, now)
    if _offers_start_link(session):
        blocks = blocks[: MAX_BLOCKS - 1]
        blocks.append(
            actions(
                "card_actions",
                button("Start link", START_LINK_ACTION_ID, value=session.id, style="primary"),
            )
        )
        blocks.append(
            context(
                ["Only the technician who started this session gets the start link."],
                "card_actions_hint",
            )
        )
    return Message.of(text, blocks)


def render_status_reply(session: Session, new_status: SessionStatus, now: datetime) -> Message:
    """One short thread reply for a status change."""
    unattended = session.kind is SessionKind.UNATTENDED
    machine = _machine_label(session) or "the computer"
    customer = _customer(session)
    emoji = STATUS_EMOJI[new_status]
    if new_status is SessionStatus.NOT_STARTED:
        if session.expired:
            body = f"{EXPIRED_EMOJI} Session expired: it was never started."
        else:
            body = f"{emoji} Session created; not started yet."
    elif new_status is SessionStatus.WAITING:
        if unattended:
            body = f"{emoji} Session started; connecting to {machine}."
        else:
            body = f"{emoji} Waiting for {customer} to join."
    elif new_status is SessionStatus.ACTIVE:
        if unattended:
            body = f"{emoji} Connected to {machine}; session active."
        else:
            who = customer if session.customer_name else "The customer"
            body = f"{emoji} {who} joined; session active."
    elif new_status is SessionStatus.COMPLETE:
        duration = session.ran_for
        if duration is not None:
            body = f"{emoji} Session complete ({human_duration(duration)})."
        else:
            body = f"{emoji} Session complete."
    elif unattended:
        body = f"{emoji} Session abandoned: it ended before connecting to {machine}."
    else:
        body = f"{emoji} Session abandoned: the customer never joined."
    return text_message(body)


def render_status_replies(
    session: Session, statuses: Sequence[SessionStatus], now: datetime
) -> Message:
    """One thread reply standing for several status changes owed at once: a line for each
    (each as its own reply would say it), so a reader misses none."""
    if len(statuses) == 1:
        return render_status_reply(session, statuses[0], now)
    lines = [render_status_reply(session, status, now).text for status in statuses]
    return text_message("\n".join(lines))


def render_join_url_reply(session: Session) -> Message:
    """The thread reply carrying the customer join link, for the technician to send on."""
    customer = _customer(session)
    url = session.customer_join_url
    if not url or not is_http_url(url):
        return text_message(
            f":link: The join link for {customer} is not available yet.",
        )
    text = f":link: Join link for {customer}: {escape_mrkdwn(url)}"
    shown = link(url, url, label_limit=500)
    if len(shown) > MAX_SECTION_TEXT - 500:
        # too long to link safely: show it as text (escaped), never a cut link
        shown = escape_truncated(url, MAX_SECTION_TEXT - 500)
    body = (
        f":link: *Join link for {customer}*: send this to the customer to join the session.\n"
        f"{shown}"
    )
    return Message.of(text, [section(body, "join_url")])


def render_start_link(session: Session, launch_url: str) -> Message:
    """The technician's private start link (ephemeral or DM), as a URL button."""
    subject = _subject(session)
    text = f"Your private start link: {subject}"
    warning = (
        ":lock: This link starts the session as you. It is private: only you can see it. "
        "Do not share it or paste it in a channel."
    )
    if not is_http_url(launch_url) or len(launch_url) > MAX_BUTTON_URL:
        return text_message(
            text,
            f":warning: GoToAssist gave a start link that cannot be shown safely for "
            f"*{subject}*. Start the session from the GoToAssist app instead.",
        )
    blocks: list[Block] = [
        section(f":arrow_forward: *{subject}*: your start link is ready.", "start_link_intro"),
        actions(
            "start_link_actions",
            button("Start the session", OPEN_START_LINK_ACTION_ID, url=launch_url, style="primary"),
        ),
        context([warning], "start_link_private"),
    ]
    return Message.of(text, blocks)


def render_help() -> Message:
    lines = [
        f"*How to use `{COMMAND}`*",
        f"• `{COMMAND}`: open a form to start a session.",
        f"• `{escape_mrkdwn(EXAMPLE_START)}`: start an attended session at once. The e-mail is "
        "the customer's, `#word` is the ticket id, a ticket link may be given too "
        f"(`{escape_mrkdwn(EXAMPLE_START_URL)}`); the other words are the customer's name. "
        'Quotes are allowed, e.g. for a name that starts with a command word: `"List Smith"`.',
        f"• `{escape_mrkdwn(EXAMPLE_UNATTENDED_NAME)}`: an unattended session on a computer, by "
        "its name, part of it, `company/name` in quotes "
        f"(`{escape_mrkdwn(EXAMPLE_UNATTENDED_COMPANY)}`) or its machine UUID; the customer's "
        "name is optional. Several matches: you pick one; an offline computer: you are asked "
        "first.",
        f"• `{escape_mrkdwn(EXAMPLE_STATUS)}`: where a session stands (by the id on its card).",
        f"• `{COMMAND} list`: your recent sessions.",
        f"• `{COMMAND} login` / `{COMMAND} logout`: link or unlink your GoToAssist account.",
        f"• `{COMMAND} help`: this message.",
        "• *Start remote support* in a message's `⋮` menu: the form, prefilled with its "
        "author; the card and join link go in that message's thread. From the shortcuts menu: "
        "the form, with the channel to pick.",
        "• The app's *Home* tab: your live and recent sessions, the team's week, your "
        "notification switches.",
        "The session card goes in the channel, the customer's join link in its thread, and your "
        "start link only to you.",
    ]
    return text_message(f"How to use {COMMAND}", "\n".join(lines))


def render_parse_error(err: ParseError) -> Message:
    message = escape_truncated(err.message, 1500)
    example = escape_truncated(err.example, 500)
    body = (
        f":warning: {message}\nFor example: `{example}`\n"
        f"Nothing was started. `{COMMAND} help` lists everything you can type."
    )
    return text_message(f"{message} For example: {example}", body)


def _list_line(session: Session) -> str:
    parts = [f"{_status_emoji(session)} *{_subject(session)}*: {_status_phrase(session)}"]
    ticket = _ticket(session, linked=False)
    if ticket:
        parts.append(ticket)
    parts.append(slack_date(session.created_at))
    parts.append(f"`{_short_id(session.id)}`")
    return truncate(" · ".join(parts), MAX_SECTION_TEXT)


def render_session_list(sessions: Sequence[Session], now: datetime) -> Message:
    """The caller's recent sessions, newest first, without links."""
    if not sessions:
        return text_message(
            "You have no recent remote-support sessions.",
            "You have no recent remote-support sessions. Start one with "
            f"`{escape_mrkdwn(EXAMPLE_START)}`.",
        )
    ordered = sorted(sessions, key=lambda s: in_utc(s.created_at), reverse=True)
    shown = ordered[:MAX_LISTED_SESSIONS]
    count = len(ordered)
    title = f"Your recent remote-support sessions ({count})"
    blocks: list[Block] = [section(f"*{title}*", "list_title")]
    blocks.extend(section(_list_line(s), f"list_{i}") for i, s in enumerate(shown))
    if count > len(shown):
        blocks.append(context([f"…and {count - len(shown)} older."], "list_more"))
    blocks.append(context([f"`{escape_mrkdwn(EXAMPLE_STATUS)}` shows one in full."], "list_hint"))
    return Message.of(title, blocks)


def render_session_status(session: Session, now: datetime) -> Message:
    """A session in full, for ``/remote-support status <id>`` (no buttons)."""
    text = f"Session {_short_id(session.id)}: {_subject(session)}: {_status_phrase(session)}"
    return Message.of(text, _card_body(session, now))


def _request_machine(request: SessionRequest) -> str | None:
    """The machine by name (and company) when known, else by the UUID the technician typed."""
    if request.machine_name:
        name = escape_truncated(request.machine_name, _MACHINE_LIMIT)
        if request.machine_company:
            name += f" ({escape_truncated(request.machine_company, _MACHINE_LIMIT)})"
        return name
    if request.machine_uuid:
        return f"`{escape_truncated(request.machine_uuid, _MACHINE_LIMIT)}`"
    return None


def _request_subject(request: SessionRequest) -> str:
    machine = _request_machine(request)
    if request.customer_name:
        subject = f"for {_customer(request)}"
        if machine:
            subject += f" on {machine}"
        return subject
    if machine:
        return f"on {machine}"
    return "for your customer"


def render_creation_failed(request: SessionRequest, reason: str) -> Message:
    """Tell the technician the session was not created, and why."""
    subject = _request_subject(request)
    why = escape_truncated(reason.strip() or "no reason given", 1500)
    text = f"The remote-support session {subject} was not created: {why}"
    body = (
        f":warning: The remote-support session {subject} was *not created*.\n"
        f"Reason: {why}\nNothing is live; you can try again."
    )
    return text_message(text, truncate(body, MAX_SECTION_TEXT))


def render_starting(request: SessionRequest) -> Message:
    """The instant acknowledgement while GoToAssist creates the session."""
    if request.kind is SessionKind.UNATTENDED and not request.customer_name:
        text = f"Starting an unattended remote-support session {_request_subject(request)}…"
    else:
        text = f"Starting a remote-support session {_request_subject(request)}…"
    return text_message(text, f":hourglass_flowing_sand: {text}")


def render_not_in_channel(channel_id: str, *, archived: bool = False) -> Message:
    """The bot cannot post where the command was typed: say why, and how to fix it."""
    named = bool(_SLACK_CHANNEL_ID.fullmatch(channel_id))
    where = f"<#{channel_id}>" if named else "this conversation"
    moved = (
        "I've put the session card in your DM with me instead, and I'll keep it up to date there."
    )
    if archived:
        text = f"I can't post in {where} any more because it was archived."
        return text_message(text, f":information_source: {text}\n{moved}")
    if named:
        invite = f"To use `{COMMAND}` there, invite me: type `/invite @remote-support` in {where}."
    else:
        invite = (
            f"To use `{COMMAND}` with the card in a channel, type `/invite @remote-support` in "
            "that channel and run the command there."
        )
    text = f"I can't post in {where} because I'm not a member of it."
    return text_message(text, f":information_source: {text} {invite}\n{moved}")
