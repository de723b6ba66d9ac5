"""The App Home tab, and the DMs a session owes its technician: pure Block Kit.

Home shows only the viewer's own sessions (plus team figures without customer details). It
never holds a start link: its "Start link" button carries our session id, and its handler
answers the session's own technician alone, in a modal only they see.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock, SectionBlock
from slack_sdk.models.views import View

from bot.sessions.model import CreationState, Session, SessionKind
from bot.sessions.status import SessionStatus
from bot.sessions.surfaces import HomeData, TeamFigures, bar, card_permalink, team_figures
from bot.slack.blocks import (
    STATUS_EMOJI,
    Message,
    human_duration,
    render_start_link,
)
from bot.slack.command_text import COMMAND
from bot.slack.escape import escape_mrkdwn, escape_truncated, link, slack_ago, truncate
from bot.slack.kit import (
    MAX_SECTION_TEXT,
    button,
    context,
    mrkdwn,
    plain,
    section,
    text_message,
)
from bot.slack.validators import is_http_url

HOME_START_LINK_ACTION = "home_start_link"
HOME_LOGIN_ACTION = "home_login"
HOME_SWITCH_ACTION = "home_switch"  # value "join_dm:off", "end_dm:on", ...
HOME_MAX_BLOCKS = 100

_OUTCOME = {
    SessionStatus.COMPLETE: ":white_check_mark: complete",
    SessionStatus.ABANDONED: ":x: abandoned",
    SessionStatus.NOT_STARTED: ":zzz: expired, never started",
}


def _customer(session: Session) -> str:
    if session.customer_name:
        return escape_truncated(session.customer_name, 100)
    if session.kind is SessionKind.UNATTENDED:
        return escape_truncated(session.machine_name or "a computer", 100)
    return "a customer"


def _card_link(session: Session, workspace_url: str, label: str = "card") -> str:
    url = card_permalink(workspace_url, session.card_channel, session.card_ts, session.card_thread)
    return link(url, label) if url else ""


def _duration(session: Session) -> str:
    ran_for = session.ran_for
    return human_duration(ran_for) if ran_for is not None else "-"


def _minutes(delta: timedelta | None) -> str:
    return human_duration(delta) if delta is not None else "-"


def _live_block(session: Session, workspace_url: str) -> SectionBlock:
    status = STATUS_EMOJI[session.status] + " " + session.status.words
    card = _card_link(session, workspace_url)
    line = f"*{_customer(session)}* · {status} · since {slack_ago(session.created_at)}"
    if card:
        line += f" · {card}"
    created = session.creation is CreationState.CREATED
    if not created:
        line += " · being created in GoToAssist"
    return SectionBlock(
        text=mrkdwn(truncate(line, MAX_SECTION_TEXT)),
        block_id=f"home_live_{session.id}",
        accessory=(
            button("Start link", HOME_START_LINK_ACTION, value=session.id) if created else None
        ),
    )


def _ended_line(session: Session, workspace_url: str) -> str:
    outcome = (
        _OUTCOME[SessionStatus.NOT_STARTED]
        if session.expired and not session.status.is_terminal
        else _OUTCOME.get(session.status, session.status.words)
    )
    parts = [f"*{_customer(session)}*", outcome, _duration(session)]
    when = session.ended_at or session.created_at
    parts.append(slack_ago(when))
    card = _card_link(session, workspace_url)
    if card:
        parts.append(card)
    return " · ".join(parts)


def _chunks(lines: list[str], limit: int = MAX_SECTION_TEXT) -> list[str]:
    chunks: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks


def _team_blocks(figures: TeamFigures) -> list[Block]:
    share = figures.active_share
    summary = [
        f"*Started:* {figures.started}",
        f"*Reached active:* {f'{share:.0%}' if share is not None else '-'}",
        f"*Median start → customer joined:* {_minutes(figures.median_to_join)}",
        f"*Median duration:* {_minutes(figures.median_duration)}",
        f"*Abandoned:* {figures.abandoned}",
    ]
    blocks: list[Block] = [section(" · ".join(summary), "home_team_summary")]
    if figures.technicians:
        rows = ["*Technician* · started · reached active · abandoned · median duration"]
        for tech in figures.technicians[:25]:
            rows.append(
                f"<@{tech.user_id}> · {tech.started} · {tech.reached_active} · "
                f"{tech.abandoned} · {_minutes(tech.median_duration)}"
            )
        for i, chunk in enumerate(_chunks(rows)):
            blocks.append(section(chunk, f"home_team_table_{i}"))
    most = max((count for _day, count in figures.per_day), default=0)
    chart = [f"{day:%a %d %b}  {bar(count, most)} {count}" for day, count in figures.per_day]
    blocks.append(
        section(
            "*Sessions per day, last 14 days*\n```\n" + "\n".join(chart) + "\n```",
            "home_team_chart",
        )
    )
    return blocks


def _switch(label: str, key: str, on: bool) -> Block:
    state = "on" if on else "off"
    return SectionBlock(
        text=mrkdwn(f"{label}: *{state}*"),
        block_id=f"home_switch_{key}",
        accessory=button(
            "Turn off" if on else "Turn on",
            HOME_SWITCH_ACTION,
            value=f"{key}:{'off' if on else 'on'}",
        ),
    )


def render_home(
    data: HomeData,
    now: datetime,
    *,
    workspace_url: str = "",
    linking: bool = False,
) -> dict[str, Any]:
    """The viewer's Home: their live and recent sessions, the team's week, their GoTo account
    and DM switches. ``linking``: per-technician GoTo accounts are configured."""
    blocks: list[Block] = [HeaderBlock(text=plain("Your live sessions"), block_id="home_live")]
    if data.live:
        blocks.extend(_live_block(s, workspace_url) for s in data.live)
        blocks.append(
            context(["The Start link button answers only you, privately."], "home_live_hint")
        )
    else:
        blocks.append(section(f"No live sessions. Start one with `{COMMAND}`.", "home_live_none"))
    blocks.append(DividerBlock())
    blocks.append(HeaderBlock(text=plain("Recent"), block_id="home_recent"))
    if data.ended:
        lines = [_ended_line(s, workspace_url) for s in data.ended]
        for i, chunk in enumerate(_chunks(lines)):
            blocks.append(section(chunk, f"home_recent_{i}"))
    else:
        blocks.append(section("No ended sessions yet.", "home_recent_none"))
    blocks.append(DividerBlock())
    blocks.append(HeaderBlock(text=plain("Team, last 7 days"), block_id="home_team"))
    blocks.extend(_team_blocks(team_figures(data.team, now)))
    blocks.append(DividerBlock())
    blocks.append(HeaderBlock(text=plain("Your GoTo account"), block_id="home_account"))
    if data.linked_as is not None:
        blocks.append(
            section(
                f":white_check_mark: Linked as *{escape_mrkdwn(data.linked_as)}*.",
                "home_account_linked",
            )
        )
    elif linking:
        blocks.append(
            SectionBlock(
                text=mrkdwn("Not linked: sessions you start need your GoTo account."),
                block_id="home_account_not_linked",
                accessory=button("Link my GoTo account", HOME_LOGIN_ACTION, style="primary"),
            )
        )
    else:
        blocks.append(
            section("Sessions start with the team's shared GoToAssist account.", "home_shared")
        )
    blocks.append(DividerBlock())
    blocks.append(HeaderBlock(text=plain("Notifications"), block_id="home_notifications"))
    blocks.append(_switch("DM me when the customer joins", "join_dm", data.switches.join_dm))
    blocks.append(_switch("DM me when a session ends", "end_dm", data.switches.end_dm))
    shown = blocks[:HOME_MAX_BLOCKS]
    return View(type="home", blocks=shown).to_dict()


def render_start_link_modal(session: Session, launch_url: str | None) -> dict[str, Any]:
    """The start link, for the session's own technician, in a modal only they see."""
    if launch_url is None:
        shown = text_message("This session's start link is no longer available.").blocks
    else:
        shown = render_start_link(session, launch_url).blocks
    return View(
        type="modal", title=plain("Start link"), close=plain("Close"), blocks=shown
    ).to_dict()


def render_notice_modal(text: str) -> dict[str, Any]:
    return View(
        type="modal",
        title=plain("Remote support"),
        close=plain("Close"),
        blocks=text_message(text).blocks,
    ).to_dict()


# -- DMs -----------------------------------------------------------------------------------------


def render_joined_dm(session: Session, workspace_url: str) -> Message:
    customer = _customer(session)
    card = _card_link(session, workspace_url, "Open the card")
    body = f":large_green_circle: *{customer}* joined your session."
    if card:
        body += f" {card}"
    return Message.of(f"{customer} joined your session.", [section(body, "dm_joined")])


def render_ended_dm(session: Session, workspace_url: str) -> Message:
    customer = _customer(session)
    outcome = _OUTCOME.get(session.status, session.status.words)
    lines = [f"*Your session with {customer} ended* ({outcome}, {_duration(session)})."]
    if session.notes and session.notes.strip():
        lines.append("*Notes*\n" + escape_truncated(session.notes.strip(), 1500))
    if session.recording_url and is_http_url(session.recording_url):
        lines.append(link(session.recording_url, "Watch the recording"))
    card = _card_link(session, workspace_url, "Open the card")
    if card:
        lines.append(card)
    return Message.of(
        f"Your session with {customer} ended.",
        [section(truncate("\n".join(lines), MAX_SECTION_TEXT), "dm_ended")],
    )
