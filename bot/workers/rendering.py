"""Intents to Slack messages: the one place a stored intent becomes Block Kit.

Everything is rendered from the session as stored when the write goes out, by the renderers
in ``bot.slack``; nothing upstream (workflows, store) knows what a message looks like.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.sessions.delivery import covering
from bot.sessions.intents import (
    CreationFailed,
    CreationInterrupted,
    JoinLink,
    NoticeReason,
    NotInChannel,
    StatusReply,
    TrackingLost,
)
from bot.sessions.model import Session
from bot.sessions.status import SessionStatus
from bot.slack import blocks
from bot.slack.account_blocks import render_tracking_lost
from bot.slack.blocks import Message
from bot.store.sessions import request_of

INTERRUPTED = (
    "The app restarted while GoToAssist was creating the session, so it could not be "
    "followed. If a session appears in GoToAssist for this customer, end it there; then "
    "start a new one here."
)


def card(session: Session, now: datetime) -> Message:
    return blocks.render_card(session, now)


def thread_reply(session: Session, intent: StatusReply | JoinLink, now: datetime) -> Message:
    if isinstance(intent, JoinLink):
        return blocks.render_join_url_reply(session)
    return blocks.render_status_reply(session, intent.status, now)


def status_replies(session: Session, statuses: Sequence[SessionStatus], now: datetime) -> Message:
    """One reply for several status changes owed at once (``delivery.covering`` chose them)."""
    return blocks.render_status_replies(session, covering(statuses), now)


def start_link(session: Session, launch_url: str) -> Message:
    return blocks.render_start_link(session, launch_url)


def notice(session: Session, reason: NoticeReason) -> Message:
    match reason:
        case CreationFailed(reason=why):
            return blocks.render_creation_failed(request_of(session), why)
        case CreationInterrupted():
            return blocks.render_creation_failed(request_of(session), INTERRUPTED)
        case TrackingLost():
            return render_tracking_lost(session.customer_name)
        case NotInChannel(channel_id=channel, archived=archived):
            return blocks.render_not_in_channel(channel, archived=archived)
    raise AssertionError(f"unknown notice reason {reason!r}")
