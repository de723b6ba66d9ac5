from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.sessions.model import CreationState, Session, SessionKind, SessionRequest
from bot.sessions.status import SessionStatus
from bot.slack.blocks import (
    START_LINK_ACTION_ID,
    Message,
    human_duration,
    render_card,
    render_creation_failed,
    render_help,
    render_join_url_reply,
    render_not_in_channel,
    render_parse_error,
    render_session_list,
    render_session_status,
    render_start_link,
    render_starting,
    render_status_reply,
)
from bot.slack.command_text import ParseError, Start, parse_command

from .blockkit import (
    all_strings,
    assert_mrkdwn_safe,
    assert_valid_message,
    mrkdwn_objects,
    mrkdwn_texts,
)

NOW = datetime(2026, 11, 28, 14, 5, tzinfo=UTC)
UUID = "3f2a9c4e-8b1d-4e6f-a0c2-5d7e9b1f3a60"
NASTY = "<!channel> <@U123> & <b>"
NASTY_ESCAPED = "&lt;!channel&gt; &lt;@U123&gt; &amp; &lt;b&gt;"
RAW_FRAGMENTS = ("<!channel>", "<@U123>", "<b>", "<!here>", "<!everyone>", "<#C666>")
LAUNCH_URL = "https://app.gotoassist.com/launch?token=LAUNCH-SECRET-123&x=1"
ALL_STATUSES = list(SessionStatus)


def session(**changes: Any) -> Session:
    base = Session(
        id="3f2a9c4e8b1d4e6fa0c25d7e9b1f3a60",
        team_id="T1",
        channel_id="C1",
        requester_id="U999",
        kind=SessionKind.ATTENDED,
        status=SessionStatus.WAITING,
        creation=CreationState.CREATED,
        created_at=NOW - timedelta(hours=2),
        customer_name="Jane Doe",
        customer_email="jane@example.com",
        partner_object="4521",
        partner_object_url="https://help.example.com/tickets/4521",
        goto_session_id="123456789",
        session_token_enc="SESSION-TOKEN-SECRET",
        customer_join_url="https://join.example.com/j/555",
    )
    return dataclasses.replace(base, **changes)


def ended(status: SessionStatus = SessionStatus.COMPLETE, **changes: Any) -> Session:
    values: dict[str, Any] = {
        "status": status,
        "started_at": NOW - timedelta(hours=1, minutes=5),
        "customer_joined_at": NOW - timedelta(hours=1),
        "ended_at": NOW,
        "notes": "Reset the printer driver.",
        "recording_url": "https://rec.example.com/r/1",
        "collaborators": ("Bob Smith", "Ana Lee"),
        "expert_name": "Tech One",
    }
    values.update(changes)
    return session(**values)


def nasty_session(status: SessionStatus, **changes: Any) -> Session:
    """Every outside field hostile."""
    values: dict[str, Any] = {
        "status": status,
        "customer_name": NASTY,
        "customer_email": "x<!here>@example.com",
        "partner_object": "<!channel>",
        "partner_object_url": "https://evil.example/<!channel>|x",
        "machine_name": "<!everyone> PC",
        "expert_name": "<@U123> & co",
        "goto_session_id": "<!here>",
        "started_at": NOW - timedelta(minutes=30),
        "ended_at": NOW if status.is_terminal else None,
        "notes": "<!channel> call me & <https://evil.example|click>",
        "recording_url": "https://rec.example.com/<!channel>",
        "collaborators": ("<@U123>", "<#C666>", "A & B"),
        "customer_join_url": "https://join.example.com/<!here>",
    }
    values.update(changes)
    return session(**values)


def texts(message: Message) -> str:
    return "\n".join(all_strings(message.blocks)) + "\n" + message.text


def block_ids(message: Message) -> list[str]:
    return [b.get("block_id", "") for b in message.blocks]


def buttons(message: Message) -> list[dict[str, Any]]:
    return [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


def check(message: Message) -> Message:
    assert_valid_message(message)
    assert_mrkdwn_safe(message)
    return message


# --- card ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "words", "emoji"),
    [
        (SessionStatus.NOT_STARTED, "not started", ":white_circle:"),
        (SessionStatus.WAITING, "waiting", ":hourglass:"),
        (SessionStatus.ACTIVE, "active", ":large_green_circle:"),
        (SessionStatus.COMPLETE, "complete", ":white_check_mark:"),
        (SessionStatus.ABANDONED, "abandoned", ":x:"),
    ],
)
def test_card_text_and_header_name_customer_and_status(
    status: SessionStatus, words: str, emoji: str
) -> None:
    card = check(render_card(ended(status) if status.is_terminal else session(status=status), NOW))
    assert card.text == f"Remote support for Jane Doe: {words}"
    header = card.blocks[0]["text"]["text"]
    assert header.startswith(emoji)
    assert "Jane Doe" in header
    assert words in header


def test_card_fields() -> None:
    card = check(render_card(session(status=SessionStatus.WAITING), NOW))
    body = texts(card)
    assert "*Technician*\n<@U999>" in body
    assert "*Customer*\nJane Doe\njane@example.com" in body
    assert "*Ticket*\n<https://help.example.com/tickets/4521|#4521>" in body
    created = int((NOW - timedelta(hours=2)).timestamp())
    assert f"*Created*\n<!date^{created}^{{date_short_pretty}} {{time}}|2026-11-28 12:05 UTC>" in (
        body
    )
    assert "Session `3f2a9c4e`" in body
    assert "GoToAssist session `123456789`" in body
    assert "join link is in the thread" in body
    assert "Machine" not in body
    assert "Started" not in body


def test_card_times_shown_as_slack_dates() -> None:
    card = check(render_card(ended(), NOW))
    body = texts(card)
    for title, moment in [
        ("Started", NOW - timedelta(hours=1, minutes=5)),
        ("Customer joined", NOW - timedelta(hours=1)),
        ("Ended", NOW),
    ]:
        assert f"*{title}*\n<!date^{int(moment.timestamp())}^" in body


@pytest.mark.parametrize("status", [SessionStatus.COMPLETE, SessionStatus.ABANDONED])
def test_terminal_card_shows_duration_notes_recording_collaborators(status: SessionStatus) -> None:
    card = check(render_card(ended(status), NOW))
    body = texts(card)
    assert "*Duration*\n1 h 05 min" in body
    assert "*Notes*\nReset the printer driver." in body
    assert "<https://rec.example.com/r/1|Watch the recording>" in body
    assert "*Collaborators*\nBob Smith, Ana Lee" in body
    assert "*Expert*\nTech One" in body
    assert buttons(card) == []
    assert "join link is in the thread" not in body


@pytest.mark.parametrize("status", [SessionStatus.WAITING, SessionStatus.ACTIVE])
def test_live_card_hides_end_of_session_fields(status: SessionStatus) -> None:
    card = check(render_card(ended(status, ended_at=None), NOW))
    body = texts(card)
    for absent in ("Duration", "Notes", "Recording", "Collaborators"):
        assert f"*{absent}*" not in body


def test_active_card_shows_running_time() -> None:
    card = check(
        render_card(
            session(status=SessionStatus.ACTIVE, started_at=NOW - timedelta(minutes=12)), NOW
        )
    )
    started = int((NOW - timedelta(minutes=12)).timestamp())
    assert f"<!date^{started}^{{ago}}|" in texts(card)
    assert "so far" not in texts(card)  # nothing computed at render time, frozen at the edit


@pytest.mark.parametrize(
    "status", [SessionStatus.NOT_STARTED, SessionStatus.WAITING, SessionStatus.ACTIVE]
)
def test_live_card_has_start_link_button_without_url(status: SessionStatus) -> None:
    card = check(render_card(session(status=status), NOW))
    (button,) = buttons(card)
    assert button["action_id"] == START_LINK_ACTION_ID == "start_link"
    assert button["value"] == "3f2a9c4e8b1d4e6fa0c25d7e9b1f3a60"
    assert button["text"]["text"] == "Start link"
    assert "url" not in button


@pytest.mark.parametrize(
    "card_session",
    [
        session(status=SessionStatus.NOT_STARTED, expired=True),
        session(status=SessionStatus.NOT_STARTED, creation=CreationState.FAILED),
        ended(SessionStatus.COMPLETE),
        ended(SessionStatus.ABANDONED),
    ],
)
def test_no_start_link_button_when_over(card_session: Session) -> None:
    card = check(render_card(card_session, NOW))
    assert buttons(card) == []
    assert not any(b["type"] == "actions" for b in card.blocks)


def test_expired_card() -> None:
    card = check(render_card(session(status=SessionStatus.NOT_STARTED, expired=True), NOW))
    assert card.text == "Remote support for Jane Doe: not started (expired)"
    assert card.blocks[0]["text"]["text"].startswith(":zzz:")


def test_failed_creation_card() -> None:
    card = check(
        render_card(session(status=SessionStatus.NOT_STARTED, creation=CreationState.FAILED), NOW)
    )
    assert "not started" in card.text
    assert "nothing is live" in texts(card)


def test_pending_card_says_it_is_being_created() -> None:
    card = check(
        render_card(session(status=SessionStatus.NOT_STARTED, creation=CreationState.PENDING), NOW)
    )
    assert "Creating the session" in texts(card)


def test_unattended_card_without_customer() -> None:
    card = check(
        render_card(
            session(
                kind=SessionKind.UNATTENDED,
                status=SessionStatus.ACTIVE,
                customer_name=None,
                customer_email=None,
                machine_uuid=UUID,
                machine_name="PC-01",
            ),
            NOW,
        )
    )
    assert card.text == "Remote support on PC-01: active"
    assert "*Machine*\nPC-01" in texts(card)
    assert UUID not in texts(card)
    assert "*Customer*" not in texts(card)


def test_unattended_card_never_shows_the_machine_uuid() -> None:
    card = check(
        render_card(
            session(kind=SessionKind.UNATTENDED, customer_name=None, machine_uuid=UUID), NOW
        )
    )
    assert card.text == "Unattended remote support: waiting"
    assert UUID not in card.text + texts(card)
    card = check(render_card(session(kind=SessionKind.UNATTENDED, machine_uuid=UUID), NOW))
    assert card.text == "Remote support for Jane Doe: waiting"
    assert "*Machine*\na known computer" in texts(card)
    assert UUID not in card.text + texts(card)


def test_shared_account_context() -> None:
    with_shared = texts(check(render_card(session(shared_account=True), NOW)))
    without = texts(check(render_card(session(shared_account=False), NOW)))
    assert "shared GoToAssist account" in with_shared
    assert "shared GoToAssist account" not in without


def test_card_without_goto_session_id() -> None:
    body = texts(check(render_card(session(goto_session_id=None), NOW)))
    assert "GoToAssist session" not in body
    assert "Session `3f2a9c4e`" in body


@pytest.mark.parametrize(
    "bad_url",
    [
        "javascript:alert(1)",
        "https://help.example.com/t|<!channel>",
        "https://help.example.com/t>x",
        "ftp://help.example.com/t",
    ],
)
def test_ticket_with_unsafe_url_is_not_linked(bad_url: str) -> None:
    card = check(render_card(session(partner_object_url=bad_url), NOW))
    assert "*Ticket*\n#4521" in texts(card)
    assert "javascript" not in "".join(mrkdwn_texts(card)).replace("&", "")


def test_ticket_url_without_id_is_linked_generically() -> None:
    card = check(render_card(session(partner_object=None), NOW))
    assert "*Ticket*\n<https://help.example.com/tickets/4521|Open the ticket>" in texts(card)


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_card_never_contains_secrets(status: SessionStatus) -> None:
    card_session = ended(status) if status.is_terminal else session(status=status)
    for message in (render_card(card_session, NOW), render_session_status(card_session, NOW)):
        body = texts(message)
        assert "LAUNCH-SECRET" not in body
        assert "SESSION-TOKEN-SECRET" not in body
        assert "https://join.example.com" not in body  # the join URL goes to the thread
        for element in (e for b in message.blocks for e in b.get("elements", [])):
            assert "url" not in element


# --- escaping everywhere ---------------------------------------------------------------------


def every_rendering(status: SessionStatus) -> list[Message]:
    attended = nasty_session(status)
    unattended = nasty_session(status, kind=SessionKind.UNATTENDED, machine_uuid=UUID)
    request = SessionRequest(
        kind=SessionKind.ATTENDED,
        customer_name=NASTY,
        partner_object="4521",
    )
    messages = []
    for s in (attended, unattended, dataclasses.replace(attended, expired=True)):
        messages += [
            render_card(s, NOW),
            render_session_status(s, NOW),
            render_join_url_reply(s),
            render_join_url_reply(dataclasses.replace(s, customer_join_url="https://j.example/1")),
            render_start_link(s, LAUNCH_URL),
            render_session_list([s, attended, unattended], NOW),
        ]
        messages += [render_status_reply(s, new, NOW) for new in ALL_STATUSES]
    messages += [
        render_creation_failed(request, NASTY),
        render_starting(request),
        render_starting(dataclasses.replace(request, kind=SessionKind.UNATTENDED)),
        render_parse_error(ParseError(NASTY, NASTY)),
        render_not_in_channel(NASTY),
    ]
    return messages


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_outside_text_is_escaped_in_every_rendering(status: SessionStatus) -> None:
    for message in every_rendering(status):
        check(message)
        for text in [message.text, *all_strings(message.blocks)]:
            for fragment in RAW_FRAGMENTS:
                assert fragment not in text, (fragment, text)


def test_nasty_customer_appears_escaped() -> None:
    card = check(render_card(nasty_session(SessionStatus.COMPLETE), NOW))
    assert NASTY_ESCAPED in card.text
    assert f"*Customer*\n{NASTY_ESCAPED}" in texts(card)
    assert "call me &amp; &lt;https://evil.example|click&gt;" in texts(card)
    assert "*Collaborators*\n&lt;@U123&gt;, &lt;#C666&gt;, A &amp; B" in texts(card)
    # the unsafe recording URL is shown as text, not linked
    assert "https://rec.example.com/&lt;!channel&gt;" in texts(card)


def test_parse_then_render_round_trip_escapes_mentions() -> None:
    parsed = parse_command("<!channel> <@U123> &amp; &lt;b&gt; #4521")
    assert isinstance(parsed, Start)
    message = check(render_starting(parsed.request))
    assert NASTY_ESCAPED in message.text


def test_all_mrkdwn_is_verbatim() -> None:
    for message in every_rendering(SessionStatus.ACTIVE):
        for obj in mrkdwn_objects(message):
            assert obj.get("verbatim") is True, obj


# --- limits ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "notes",
    ["n" * 10_000, "&" * 10_000, "<!channel>" * 1_000, "word " * 2_000, "é\n" * 5_000],
)
def test_huge_notes_still_make_a_valid_card(notes: str) -> None:
    card = check(render_card(ended(notes=notes), NOW))
    (notes_block,) = [b for b in card.blocks if b.get("block_id") == "card_notes"]
    text = notes_block["text"]["text"]
    assert len(text) <= 3000
    assert text.startswith("*Notes*\n")
    assert text.endswith("…")


def test_everything_huge_still_valid() -> None:
    huge = ended(
        customer_name="N" * 5_000,
        customer_email="e" * 3_000,
        partner_object="&" * 3_000,
        partner_object_url="https://help.example.com/" + "a" * 1_900,
        expert_name="<" * 3_000,
        machine_name="M" * 5_000,
        machine_uuid=UUID,
        kind=SessionKind.UNATTENDED,
        notes="&" * 10_000,
        recording_url="https://rec.example.com/" + "&" * 1_900,
        collaborators=tuple("<@U123>" * 100 for _ in range(100)),
        goto_session_id="9" * 5_000,
        shared_account=True,
    )
    for message in (
        render_card(huge, NOW),
        render_session_status(huge, NOW),
        render_session_list([huge] * 100, NOW),
        render_join_url_reply(huge),
        render_start_link(huge, LAUNCH_URL),
        *(render_status_reply(huge, s, NOW) for s in ALL_STATUSES),
    ):
        check(message)


def test_session_list_caps_blocks() -> None:
    sessions = [session(id=f"{i:032x}", created_at=NOW - timedelta(minutes=i)) for i in range(200)]
    message = check(render_session_list(sessions, NOW))
    assert len(message.blocks) <= 50
    assert "older" in texts(message)


# --- thread replies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply_session", "new_status", "expected"),
    [
        (session(), SessionStatus.WAITING, ":hourglass: Waiting for Jane Doe to join."),
        (session(), SessionStatus.ACTIVE, ":large_green_circle: Jane Doe joined; session active."),
        (
            ended(started_at=NOW - timedelta(minutes=12, seconds=40)),
            SessionStatus.COMPLETE,
            ":white_check_mark: Session complete (12 min).",
        ),
        (ended(started_at=None), SessionStatus.COMPLETE, ":white_check_mark: Session complete."),
        (
            ended(SessionStatus.ABANDONED),
            SessionStatus.ABANDONED,
            ":x: Session abandoned: the customer never joined.",
        ),
        (
            session(status=SessionStatus.NOT_STARTED, expired=True),
            SessionStatus.NOT_STARTED,
            ":zzz: Session expired: it was never started.",
        ),
        (
            session(customer_name=None),
            SessionStatus.ACTIVE,
            ":large_green_circle: The customer joined; session active.",
        ),
        (
            session(kind=SessionKind.UNATTENDED, machine_name="PC-01", machine_uuid=UUID),
            SessionStatus.ACTIVE,
            ":large_green_circle: Connected to PC-01; session active.",
        ),
    ],
)
def test_status_replies(reply_session: Session, new_status: SessionStatus, expected: str) -> None:
    reply = check(render_status_reply(reply_session, new_status, NOW))
    assert reply.text == expected
    assert len(reply.blocks) == 1
    assert reply.blocks[0]["text"]["text"] == expected


def test_join_url_reply() -> None:
    reply = check(
        render_join_url_reply(session(customer_join_url="https://join.example.com/j/5?a=1&b=2"))
    )
    body = texts(reply)
    assert "Jane Doe" in reply.text
    assert (
        "<https://join.example.com/j/5?a=1&amp;b=2|https://join.example.com/j/5?a=1&amp;b=2>"
        in (body)
    )


@pytest.mark.parametrize(
    "url", [None, "javascript:alert(1)", "https://join.example.com/<!channel>", "not a url"]
)
def test_join_url_reply_without_a_safe_url(url: str | None) -> None:
    reply = check(render_join_url_reply(session(customer_join_url=url)))
    assert "not available yet" in reply.text
    assert "javascript" not in texts(reply)


# --- start link ------------------------------------------------------------------------------


def test_start_link_is_a_url_button_with_a_privacy_warning() -> None:
    message = check(render_start_link(session(), LAUNCH_URL))
    (button,) = buttons(message)
    assert button["url"] == LAUNCH_URL
    assert "LAUNCH-SECRET" not in message.text  # not in the notification preview
    body = texts(message).lower()
    assert "private" in body
    assert "do not share" in body


@pytest.mark.parametrize(
    "bad", ["javascript:alert(1)", "http://x/<y>", "https://x.example/" + "a" * 3000]
)
def test_start_link_refuses_unsafe_urls(bad: str) -> None:
    message = check(render_start_link(session(), bad))
    assert buttons(message) == []
    assert bad not in texts(message)


# --- other messages --------------------------------------------------------------------------


def test_help_lists_every_subcommand() -> None:
    body = texts(check(render_help()))
    for word in ("status", "list", "login", "logout", "unattended", "help", "#4521"):
        assert word in body


def test_parse_error_message() -> None:
    err = parse_command("Jane a@example.com b@example.com")
    assert isinstance(err, ParseError)
    message = check(render_parse_error(err))
    body = texts(message)
    assert "Two e-mail addresses" in body
    assert "`/remote-support Jane Doe jane@example.com #4521`" in body
    assert "Nothing was started" in body


def test_session_list_newest_first_and_link_free() -> None:
    old = session(id="a" * 32, customer_name="Old Customer", created_at=NOW - timedelta(days=2))
    new = session(id="b" * 32, customer_name="New Customer", created_at=NOW - timedelta(hours=1))
    mid = ended(id="c" * 32, customer_name="Mid Customer", created_at=NOW - timedelta(days=1))
    message = check(render_session_list([old, new, mid], NOW))
    body = texts(message)
    assert body.index("New Customer") < body.index("Mid Customer") < body.index("Old Customer")
    assert "<http" not in body
    assert "complete" in body and "waiting" in body
    assert "#4521" in body
    assert "`bbbbbbbb`" in body


def test_empty_session_list() -> None:
    message = check(render_session_list([], NOW))
    assert "no recent" in message.text


def test_session_status_is_the_card_without_buttons() -> None:
    message = check(render_session_status(session(status=SessionStatus.ACTIVE), NOW))
    assert "active" in message.text
    assert "3f2a9c4e" in message.text
    assert buttons(message) == []
    assert "*Technician*" in texts(message)


def test_creation_failed() -> None:
    request = SessionRequest(kind=SessionKind.ATTENDED, customer_name="Jane Doe")
    message = check(render_creation_failed(request, "GoToAssist said 401 <no seat>"))
    body = texts(message)
    assert "not created" in body
    assert "Jane Doe" in body
    assert "401 &lt;no seat&gt;" in body


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (
            SessionRequest(kind=SessionKind.ATTENDED, customer_name="Jane Doe"),
            "Starting a remote-support session for Jane Doe…",
        ),
        (
            SessionRequest(kind=SessionKind.UNATTENDED, machine_uuid=UUID),
            f"Starting an unattended remote-support session on `{UUID}`…",
        ),
    ],
)
def test_starting(request_: SessionRequest, expected: str) -> None:
    assert check(render_starting(request_)).text == expected


def test_not_in_channel() -> None:
    body = texts(check(render_not_in_channel("C0123ABC")))
    assert "<#C0123ABC>" in body
    assert "/invite @remote-support" in body
    assert "DM" in body


def test_not_in_channel_for_a_dm() -> None:
    body = texts(check(render_not_in_channel("D0123ABC")))
    assert "<#D0123ABC>" not in body
    assert "this conversation" in body
    assert "/invite @remote-support" in body


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "0 s"),
        (45, "45 s"),
        (59, "59 s"),
        (60, "1 min"),
        (12 * 60 + 59, "12 min"),
        (3600 + 5 * 60, "1 h 05 min"),
        (26 * 3600 + 3 * 60, "26 h 03 min"),
        (-5, "0 s"),
    ],
)
def test_human_duration(seconds: int, expected: str) -> None:
    assert human_duration(timedelta(seconds=seconds)) == expected
