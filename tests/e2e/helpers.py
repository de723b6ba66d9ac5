"""Helpers for the end-to-end tests: Slack payloads, database reads, card comparison, and the
app run as a separate `python -m bot serve` process.

Everything here talks to the app over its real HTTP surface on loopback.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

from sqlalchemy import text

from bot.store.database import make_engine
from sandbox.gotoassist import GoToAssistStandIn, StandInSession
from sandbox.harness import Rig, post_slack, wait_until
from sandbox.signing import CHANNEL, TEAM, TECH
from sandbox.slack import SlackStandIn, StandInMessage

OTHER = "UOTHER2"
START_TEXT = "Jane Doe jane@example.com #4521"
EXAMPLE = "/remote-support Jane Doe jane@example.com #4521"
STATUS_WORDS = ("not started", "waiting", "active", "complete", "abandoned")


def quiet_rig(database_url: str, **overrides: Any) -> Rig:
    """A rig whose poller waits a minute, so what Slack shows comes from the callbacks alone
    (a poll would otherwise fill in details on its own schedule)."""
    return Rig(
        database_url=database_url,
        poll_interval_young_s=60.0,
        poll_interval_active_s=60.0,
        poll_interval_idle_s=60.0,
        **overrides,
    )


# --- what Slack shows ------------------------------------------------------------------------


def rendered(message: StandInMessage, *, history: bool = True) -> str:
    """Every version of a message (text and blocks) as one string to search."""
    versions = message.versions if history else [(message.text, message.blocks)]
    return "\n".join(t + "\n" + json.dumps(b, ensure_ascii=False) for t, b in versions)


class WithStandIns(Protocol):
    """What reaches the stand-ins: a Rig, a StandIns, an OAuth test's Target."""

    slack: SlackStandIn
    goto: GoToAssistStandIn


def card_prefix(customer: str) -> str:
    """How a session card's notification text begins."""
    return f"Remote support for {customer}:"


def cards(app: WithStandIns, channel: str = CHANNEL) -> list[StandInMessage]:
    """Top-level messages the bot posted in ``channel`` (the session cards)."""
    return app.slack.messages(channel, replies=False)


def status_words(text: str) -> str | None:
    """The status words a card's notification text ends with."""
    return next((w for w in STATUS_WORDS if text.endswith(w)), None)


async def wait_card(
    rig: Rig, *, channel: str = CHANNEL, status: str | None = None, within: float = 15.0
) -> StandInMessage:
    """The one card in ``channel``, once it exists (and says ``status``, when given)."""

    def ready() -> bool:
        found = cards(rig, channel)
        return bool(found) and (status is None or found[-1].text.endswith(status))

    await wait_until(ready, within=within, what=f"the card in {channel} to say {status!r}")
    return cards(rig, channel)[-1]


async def wait_status(
    rig: Rig, card: StandInMessage, status: str, *, within: float = 15.0
) -> StandInMessage:
    """The card at ``card.ts`` once its text ends with ``status``."""

    def edited() -> bool:
        current = rig.slack.message(card.channel, card.ts)
        return current is not None and current.text.endswith(status)

    await wait_until(edited, within=within, what=f"card {card.ts} to say {status!r}")
    current = rig.slack.message(card.channel, card.ts)
    assert current is not None
    return current


async def start_and_settle(
    rig: Rig,
    text: str = START_TEXT,
    *,
    user: str = TECH,
    channel: str = CHANNEL,
    acks: list[Any] | None = None,
) -> tuple[StandInMessage, StandInSession]:
    """Run the command and wait until the card, its join-URL reply and the DM are all out.

    The command's acknowledgement body is appended to ``acks`` when given."""
    before = set(rig.goto.sessions)
    dms_before = len(rig.slack.dms(user))
    status, ack = await rig.slash(text, user=user, channel=channel)
    assert status == 200
    if acks is not None:
        acks.append(ack)

    def created() -> bool:
        return bool(set(rig.goto.sessions) - before)

    await wait_until(created, what="GoToAssist to create the session")
    (token,) = set(rig.goto.sessions) - before
    session = rig.goto.sessions[token]

    def card_with_join_link() -> StandInMessage | None:
        for message in cards(rig, channel):
            replies = rig.slack.thread(channel, message.ts)
            if any(session.customer_join_url in reply.text for reply in replies):
                return message
        return None

    def settled() -> bool:
        return card_with_join_link() is not None and len(rig.slack.dms(user)) > dms_before

    await wait_until(settled, what="the card, its join link reply and the start-link DM")
    card = card_with_join_link()
    assert card is not None
    return card, session


def session_id_on(card: StandInMessage) -> str:
    """The session id the card's ``Start link`` button carries (our id), in any version."""
    for _text, blocks in card.versions:
        for block in blocks:
            for element in block.get("elements", []):
                if element.get("action_id") == "start_link":
                    return str(element["value"])
    raise AssertionError("the card has no Start link button")


def short_id_on(card: StandInMessage) -> str:
    """The short session id shown at the bottom of the card."""
    match = re.search(r"Session `([0-9a-f]+)`", rendered(card, history=False))
    assert match, "the card shows no session id"
    return match.group(1)


def slack_params_with(rig: Rig, needle: str) -> list[tuple[str, dict[str, Any]]]:
    """(method, params) of every Web API call whose parameters contain ``needle``."""
    return [
        (call.method, call.params)
        for call in rig.slack.calls
        if needle in json.dumps(call.params, ensure_ascii=False)
    ]


# --- Slack requests ----------------------------------------------------------------------------


async def post_raw(rig: Rig, body: str, headers: dict[str, str]) -> tuple[int, Any]:
    assert rig.http is not None
    return await post_slack(rig.http, rig.base_url, body, headers)


async def post_signed(rig: Rig, body: str) -> tuple[int, Any]:
    return await rig.post_signed(body)


def interactive_body(payload: dict[str, Any]) -> str:
    """An interactivity request body: a form with one ``payload`` field of JSON."""
    return urlencode({"payload": json.dumps(payload)})


def _sent_by(user: str) -> dict[str, Any]:
    """The fields of an interactivity payload that say who sent it, from where."""
    return {
        "team": {"id": TEAM, "domain": "sandbox"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A0SANDBOX",
        "token": "legacy-verification-token",
    }


def block_action_payload(
    rig: Rig, *, user: str, card: StandInMessage, value: str, response_key: str
) -> dict[str, Any]:
    """A ``block_actions`` payload: ``user`` clicked the card's Start link button."""
    return {
        "type": "block_actions",
        **_sent_by(user),
        "container": {
            "type": "message",
            "message_ts": card.ts,
            "channel_id": card.channel,
            "is_ephemeral": False,
        },
        "trigger_id": f"trigger-{time.monotonic_ns()}",
        "channel": {"id": card.channel, "name": "support"},
        "message": {"type": "message", "ts": card.ts, "text": card.text, "blocks": card.blocks},
        "response_url": rig.slack.response_url(response_key),
        "actions": [
            {
                "type": "button",
                "action_id": "start_link",
                "block_id": "card_actions",
                "text": {"type": "plain_text", "text": "Start link", "emoji": True},
                "value": value,
                "style": "primary",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def view_submission_payload(
    *, user: str, channel: str, values: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """A ``view_submission`` of the session modal; ``values`` maps block id -> action id -> text."""
    state: dict[str, Any] = {}
    for block_id, actions in values.items():
        state[block_id] = {}
        for action_id, value in actions.items():
            state[block_id][action_id] = {"type": "plain_text_input", "value": value}
    return {
        "type": "view_submission",
        **_sent_by(user),
        "trigger_id": f"trigger-{time.monotonic_ns()}",
        "view": {
            "id": "V0MODAL1",
            "team_id": TEAM,
            "type": "modal",
            "callback_id": "start_session",
            "private_metadata": channel,
            "title": {"type": "plain_text", "text": "Remote support"},
            "blocks": [],
            "state": {"values": state},
            "hash": "1764288000.abcdef",
            "app_id": "A0SANDBOX",
            "bot_id": "B0SANDBOX",
        },
        "response_urls": [],
    }


# --- the database ------------------------------------------------------------------------------


async def query(database_url: str, sql: str, **params: Any) -> list[dict[str, Any]]:
    """Rows of one read-only SQL statement, as dicts, from a separate connection."""
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(text(sql), params)
            return [dict(row._mapping) for row in result]
    finally:
        await engine.dispose()


async def session_rows(database_url: str) -> list[dict[str, Any]]:
    return await query(database_url, "SELECT * FROM sessions ORDER BY created_at")


# Columns that background polling may touch without anything having changed for a user.
POLL_BOOKKEEPING = ("next_poll_at", "poll_lease_until", "poll_failures", "outbox_lease_until")


def meaningful(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in POLL_BOOKKEEPING}


def sqlite_files(database_url: str) -> list[Path]:
    """The SQLite database file and any journal/WAL files beside it."""
    path = Path(database_url.split(":///", 1)[1])
    return [path, *(Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal"))]


# --- comparing cards ---------------------------------------------------------------------------

_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|[^>]*>")
_DURATION = re.compile(r"\d+ (?:s|min)\b")


def normalised(message: StandInMessage, ids: Iterable[str]) -> tuple[str, list[dict[str, Any]]]:
    """Text and blocks with dates, durations and the given ids replaced by placeholders."""
    raw = json.dumps({"text": message.text, "blocks": message.blocks}, ensure_ascii=False)
    for value in sorted((i for i in ids if i), key=len, reverse=True):
        raw = raw.replace(value, "<id>")
    raw = _DATE.sub("<date>", raw)
    raw = _DURATION.sub("<duration>", raw)
    data = json.loads(raw)
    return data["text"], data["blocks"]
