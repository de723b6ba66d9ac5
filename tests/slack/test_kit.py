"""The Block Kit building blocks: slack_sdk checks Slack's limits when a block becomes JSON."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import ContextBlock, SectionBlock

from bot.slack.kit import (
    MAX_BLOCKS,
    Message,
    button,
    context,
    field_sections,
    mrkdwn,
    section,
    text_message,
)


def test_text_message_is_one_verbatim_section() -> None:
    message = text_message("plain", "*body*")
    assert message == Message(
        text="plain",
        blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": "*body*", "verbatim": True}}
        ],
    )
    assert message.as_kwargs() == {"text": "plain", "blocks": message.blocks}


def test_fields_are_split_ten_to_a_section() -> None:
    sections = field_sections([f"f{i}" for i in range(23)], "card_fields")
    assert [s.block_id for s in sections] == ["card_fields_0", "card_fields_1", "card_fields_2"]
    assert [len(s.fields) for s in sections] == [10, 10, 3]


def test_context_keeps_at_most_ten_elements() -> None:
    assert len(context([str(i) for i in range(12)]).elements) == 10


def test_a_message_keeps_at_most_fifty_blocks() -> None:
    message = Message.of("many", [section(str(i)) for i in range(MAX_BLOCKS + 5)])
    assert len(message.blocks) == MAX_BLOCKS


@pytest.mark.parametrize(
    "block",
    [
        section("x" * 3001),
        section("ok", block_id="b" * 256),
        SectionBlock(fields=[mrkdwn("f")] * 11),
        ContextBlock(elements=[mrkdwn("e")] * 11),
    ],
)
def test_a_block_over_slack_limits_is_refused_rather_than_sent(block: object) -> None:
    with pytest.raises(SlackObjectFormationError):
        Message.of("too long", [block])  # type: ignore[list-item]


def test_a_button_over_slack_limits_is_refused() -> None:
    with pytest.raises(SlackObjectFormationError):
        button("x" * 76, "a", value="v").to_dict()
    with pytest.raises(SlackObjectFormationError):
        button("Open", "a", url="https://x.example/" + "a" * 3000).to_dict()
