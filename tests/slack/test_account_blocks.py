from __future__ import annotations

import pytest

from bot.slack.account_blocks import (
    LOGIN_ACTION_ID,
    render_linked,
    render_login_prompt,
    render_tracking_lost,
    render_unlinked,
)
from bot.slack.kit import Message

from .blockkit import assert_mrkdwn_safe, assert_valid_message, mrkdwn_objects

NASTY = "<!channel> & <@U123>"
LOGIN_URL = "https://rs.example.com/goto/oauth/start?state=abc"


@pytest.mark.parametrize(
    "message",
    [
        render_login_prompt(LOGIN_URL),
        render_login_prompt(LOGIN_URL, NASTY),
        render_linked(NASTY),
        render_linked(None),
        render_unlinked(True, True),
        render_unlinked(True, False),
        render_unlinked(False, False),
        render_tracking_lost(NASTY),
        render_tracking_lost(None),
    ],
)
def test_account_messages_are_valid_escaped_and_verbatim(message: Message) -> None:
    assert_valid_message(message)
    assert_mrkdwn_safe(message)
    objects = list(mrkdwn_objects(message))
    assert objects
    assert all(o["verbatim"] is True for o in objects)  # as every other message of the app


def test_login_prompt_button_opens_the_sign_in_link() -> None:
    message = render_login_prompt(LOGIN_URL, "You have not linked your GoTo account yet.")
    (button,) = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert button["url"] == LOGIN_URL
    assert button["action_id"] == LOGIN_ACTION_ID
    assert message.text.startswith("You have not linked your GoTo account yet.")
