from __future__ import annotations

from typing import Any

import pytest

from bot.sessions.model import SessionKind, SessionRequest
from bot.slack.modal import (
    CALLBACK_ID,
    EMAIL_ACTION,
    EMAIL_BLOCK,
    MACHINE_ACTION,
    MACHINE_BLOCK,
    NAME_ACTION,
    NAME_BLOCK,
    TICKET_ACTION,
    TICKET_BLOCK,
    TICKET_URL_ACTION,
    TICKET_URL_BLOCK,
    build_session_modal,
    parse_modal_submission,
)

UUID = "3f2a9c4e-8b1d-4e6f-a0c2-5d7e9b1f3a60"
INPUTS = {
    NAME_BLOCK: (NAME_ACTION, "plain_text_input"),
    EMAIL_BLOCK: (EMAIL_ACTION, "email_text_input"),
    TICKET_BLOCK: (TICKET_ACTION, "plain_text_input"),
    TICKET_URL_BLOCK: (TICKET_URL_ACTION, "url_text_input"),
    MACHINE_BLOCK: (MACHINE_ACTION, "external_select"),
}


def state(
    name: str | None = None,
    email: str | None = None,
    ticket: str | None = None,
    url: str | None = None,
    machine: str | None = None,
) -> dict[str, Any]:
    """``view.state.values`` as Slack sends it (empty inputs carry ``"value": None``)."""
    typed = {
        NAME_BLOCK: name,
        EMAIL_BLOCK: email,
        TICKET_BLOCK: ticket,
        TICKET_URL_BLOCK: url,
        MACHINE_BLOCK: machine,
    }
    return {
        block_id: {INPUTS[block_id][0]: _element(INPUTS[block_id][1], value)}
        for block_id, value in typed.items()
    }


def _element(kind: str, value: str | None) -> dict[str, Any]:
    if kind != "external_select":
        return {"type": kind, "value": value}
    chosen = (
        None if value is None else {"text": {"type": "plain_text", "text": "x"}, "value": value}
    )
    return {"type": kind, "selected_option": chosen}


def test_modal_shape() -> None:
    view = build_session_modal("C0123ABC")
    assert view["type"] == "modal"
    assert view["callback_id"] == CALLBACK_ID == "start_session"
    assert view["private_metadata"] == "C0123ABC"
    for key in ("title", "submit", "close"):
        assert view[key]["type"] == "plain_text"
        assert len(view[key]["text"]) <= 24
    blocks = view["blocks"]
    assert len(blocks) <= 100
    ids = [b["block_id"] for b in blocks]
    assert len(ids) == len(set(ids))
    inputs = {b["block_id"]: b for b in blocks if b["type"] == "input"}
    assert set(inputs) == set(INPUTS)
    for block_id, (action_id, element_type) in INPUTS.items():
        block = inputs[block_id]
        assert block["element"]["action_id"] == action_id
        assert block["element"]["type"] == element_type
        assert block["optional"] is True  # the name rule is enforced on submission
        assert len(block["label"]["text"]) <= 2000
    assert inputs[NAME_BLOCK]["element"]["max_length"] == 100


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            state(name="Jane Doe", email="jane@example.com", ticket="4521"),
            SessionRequest(
                kind=SessionKind.ATTENDED,
                customer_name="Jane Doe",
                customer_email="jane@example.com",
                partner_object="4521",
            ),
        ),
        (
            state(name="  Jane   Doe  ", ticket="#4521"),
            SessionRequest(
                kind=SessionKind.ATTENDED, customer_name="Jane Doe", partner_object="4521"
            ),
        ),
        (
            state(name="<!channel> & co"),
            SessionRequest(kind=SessionKind.ATTENDED, customer_name="<!channel> & co"),
        ),
        (
            state(name="Jane", url="https://help.example.com/tickets/4521"),
            SessionRequest(
                kind=SessionKind.ATTENDED,
                customer_name="Jane",
                partner_object="4521",
                partner_object_url="https://help.example.com/tickets/4521",
            ),
        ),
        (
            state(name="Jane", ticket="77", url="https://help.example.com/tickets/4521"),
            SessionRequest(
                kind=SessionKind.ATTENDED,
                customer_name="Jane",
                partner_object="77",
                partner_object_url="https://help.example.com/tickets/4521",
            ),
        ),
        (
            state(machine=UUID.upper()),
            SessionRequest(kind=SessionKind.UNATTENDED, machine_uuid=UUID),
        ),
        (
            state(name="Jane", machine=f"{{{UUID}}}", ticket="9"),
            SessionRequest(
                kind=SessionKind.UNATTENDED,
                customer_name="Jane",
                partner_object="9",
                machine_uuid=UUID,
            ),
        ),
        (
            # empty strings and whitespace count as empty
            state(name="Jane", email="", ticket="  ", url="", machine=" "),
            SessionRequest(kind=SessionKind.ATTENDED, customer_name="Jane"),
        ),
    ],
)
def test_valid_submissions(values: dict[str, Any], expected: SessionRequest) -> None:
    assert parse_modal_submission(values) == expected


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        (state(), {NAME_BLOCK: "customer's name"}),
        (state(name="   "), {NAME_BLOCK: "customer's name"}),
        ({}, {NAME_BLOCK: "customer's name"}),
        (state(name="x" * 101), {NAME_BLOCK: "limit is 100"}),
        (state(name="Jane", email="jane@"), {EMAIL_BLOCK: "not a valid e-mail"}),
        (state(name="Jane", ticket="bad id!"), {TICKET_BLOCK: "not a ticket id"}),
        (state(name="Jane", ticket="#"), {TICKET_BLOCK: "empty"}),
        (state(name="Jane", url="javascript:alert(1)"), {TICKET_URL_BLOCK: "ticket link"}),
        (state(name="Jane", url="https://x.example/a|b"), {TICKET_URL_BLOCK: "ticket link"}),
        # a (bad) machine means an unattended session: the name is not demanded on top
        (state(machine="PC-01"), {MACHINE_BLOCK: "not a machine UUID"}),
        (state(machine="-"), {MACHINE_BLOCK: "Pick a machine from the list"}),
        (
            state(name="x" * 101, email="x@", ticket="!", url="ftp://x", machine="nope"),
            {
                NAME_BLOCK: "limit is 100",
                EMAIL_BLOCK: "e-mail",
                TICKET_BLOCK: "ticket id",
                TICKET_URL_BLOCK: "link",
                MACHINE_BLOCK: "UUID",
            },
        ),
    ],
)
def test_invalid_submissions(values: dict[str, Any], errors: dict[str, str]) -> None:
    result = parse_modal_submission(values)
    assert isinstance(result, dict)
    assert set(result) == set(errors)
    for block_id, fragment in errors.items():
        assert fragment in result[block_id]
        assert result[block_id].strip()


def test_malformed_state_is_treated_as_empty() -> None:
    values: dict[str, Any] = {
        NAME_BLOCK: {NAME_ACTION: {"type": "plain_text_input", "value": "Jane"}},
        EMAIL_BLOCK: "garbage",
        TICKET_BLOCK: {TICKET_ACTION: None},
        TICKET_URL_BLOCK: {TICKET_URL_ACTION: {"value": 42}},
    }
    assert parse_modal_submission(values) == SessionRequest(
        kind=SessionKind.ATTENDED, customer_name="Jane"
    )
