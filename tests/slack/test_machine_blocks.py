"""What a technician reads while choosing a machine, and the card of an unattended session:
names from GoToAssist are escaped, the UUID never shows, the button carries the choice."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.sessions.machines import MachineEntry
from bot.sessions.model import CreationState, Session, SessionKind, SessionRequest
from bot.sessions.status import SessionStatus
from bot.slack.blocks import render_card, render_creation_failed
from bot.slack.machine_blocks import (
    build_offline_view,
    choice_value,
    machine_options,
    read_choice,
    render_choices,
    render_no_match,
    render_offline_question,
    with_machine,
)

UUID = "3f2a9c4e-8b1d-4e6f-a0c2-5d7e9b1f3a60"
EVIL = MachineEntry(UUID, "<!channel> PC", "c1", "Acme & <Sons>", "OFFLINE")
GOOD = MachineEntry("u-2", "FRONTDESK-02", "c1", "Acme Corp", "ONLINE")
REQUEST = SessionRequest(
    kind=SessionKind.UNATTENDED,
    customer_name="Jane Doe",
    partner_object="4521",
    partner_object_url="https://help.example.com/t/4521",
)
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def dumped(message: object) -> str:
    return json.dumps(message, ensure_ascii=False, default=lambda m: m.__dict__)


def test_the_choice_survives_the_button_and_drops_only_an_overlong_link() -> None:
    value = choice_value(UUID, "C1", REQUEST)
    choice = read_choice(value)
    assert choice is not None
    assert (choice.uuid, choice.channel_id) == (UUID, "C1")
    assert choice.request == SessionRequest(
        kind=SessionKind.UNATTENDED,
        customer_name="Jane Doe",
        partner_object="4521",
        partner_object_url="https://help.example.com/t/4521",
        machine_uuid=UUID,
    )
    long = SessionRequest(kind=SessionKind.UNATTENDED, partner_object_url="https://x/" + "a" * 1990)
    assert len(choice_value(UUID, "C1", long)) <= 2000
    assert read_choice("not json") is None
    assert read_choice('{"x": 1}') is None


def test_listed_names_are_escaped() -> None:
    message = render_choices("pc", [EVIL, GOOD], channel_id="C1", request=REQUEST)
    text = dumped(message.blocks)
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "Acme &amp; &lt;Sons&gt;" in text
    assert ":red_circle: offline" in text and ":large_green_circle: online" in text
    none = render_no_match("<@U1>", [EVIL])
    assert "<@U1>" not in dumped(none.blocks) and "<!channel>" not in dumped(none.blocks)


def test_the_offline_question_and_the_form_question() -> None:
    offline = MachineEntry("u-3", "FRONTDESK-02", "c1", "Acme Corp", "OFFLINE")
    asked = render_offline_question(offline, channel_id="C1", request=REQUEST)
    assert asked.text == "FRONTDESK-02 is offline in GoToAssist: start anyway?"
    assert [b["text"]["text"] for b in asked.blocks[1]["elements"]] == [
        "Start anyway",
        "Don't start",
    ]
    view = build_offline_view(offline, channel_id="C1", request=REQUEST)
    assert view["submit"]["text"] == "Start anyway"
    assert read_choice(view["private_metadata"]) is not None


def test_options_say_name_company_and_status() -> None:
    answer = machine_options([GOOD, EVIL], None)
    (group,) = answer["option_groups"]
    assert group["label"]["text"] == "Machines"
    texts = [o["text"]["text"] for o in group["options"]]
    assert texts[0] == "🟢 FRONTDESK-02 · Acme Corp · online"
    assert [o["value"] for o in group["options"]] == ["u-2", UUID]
    refreshing = machine_options([], "the machine list is being refreshed")
    (group,) = refreshing["option_groups"]
    assert "being refreshed" in group["label"]["text"]
    assert group["options"][0]["value"] == "-"


def test_the_card_names_machine_and_company_never_the_uuid() -> None:
    request = with_machine(REQUEST, EVIL)
    session = Session(
        id="s1",
        team_id="T1",
        channel_id="C1",
        requester_id="U1",
        kind=SessionKind.UNATTENDED,
        status=SessionStatus.NOT_STARTED,
        creation=CreationState.CREATED,
        created_at=NOW,
        machine_uuid=request.machine_uuid,
        machine_name=request.machine_name,
        machine_company=request.machine_company,
    )
    card = dumped(render_card(session, NOW).blocks)
    assert UUID not in card
    assert "&lt;!channel&gt; PC" in card and "Acme &amp; &lt;Sons&gt;" in card
    failed = render_creation_failed(request, "GoToAssist could not find that machine")
    assert (
        UUID not in failed.text and "&lt;!channel&gt; PC (Acme &amp; &lt;Sons&gt;)" in failed.text
    )
