"""The workflow step's inputs, read with the same rules as the command and the form."""

from __future__ import annotations

import pytest

from bot.listeners.functions.start_session import request_from_inputs
from bot.sessions.model import SessionKind
from bot.slack.validators import InvalidInput


def test_a_ticket_link_gives_the_ticket_id_too() -> None:
    request = request_from_inputs(
        {
            "customer_name": " Wanda Workflow ",
            "customer_email": "wanda@example.com",
            "ticket": "https://helpdesk.example.com/tickets/8812",
        }
    )
    assert request.kind is SessionKind.ATTENDED
    assert request.customer_name == "Wanda Workflow"
    assert request.customer_email == "wanda@example.com"
    assert request.partner_object_url == "https://helpdesk.example.com/tickets/8812"
    assert request.partner_object == "8812"


def test_a_plain_ticket_id_and_no_email() -> None:
    request = request_from_inputs({"customer_name": "Wanda", "ticket": "#4521"})
    assert request.partner_object == "4521" and request.customer_email is None


@pytest.mark.parametrize(
    "inputs",
    [
        {"customer_name": ""},
        {"customer_name": "Wanda", "customer_email": "not-an-email"},
    ],
)
def test_bad_inputs_are_named(inputs: dict[str, str]) -> None:
    with pytest.raises(InvalidInput):
        request_from_inputs(inputs)
