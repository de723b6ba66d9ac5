"""Test helpers: walk rendered Block Kit and check it against Slack's limits and escaping."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bot.slack.blocks import Message

# The only <...> sequences the app itself may put in mrkdwn: our technician mention, channel
# links, date tokens and validated http(s) links.
ALLOWED_TOKEN = re.compile(
    r"<@[UW][A-Z0-9]+>"
    r"|<#[CG][A-Z0-9]+>"
    r"|<!date\^\d+\^[^|<>^]*\|[^<>]*>"
    r"|<https?://[^\s|<>]+\|[^<>|]*>"
)


def all_strings(value: Any) -> Iterator[str]:
    """Every string in a nested structure of dicts and lists (keys excluded)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from all_strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from all_strings(item)


def mrkdwn_objects(message: Message) -> Iterator[dict[str, Any]]:
    """Every mrkdwn text object of the blocks."""

    def walk(value: Any) -> Iterator[dict[str, Any]]:
        if isinstance(value, dict):
            if value.get("type") == "mrkdwn":
                yield value
            for item in value.values():
                yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    yield from walk(message.blocks)


def mrkdwn_texts(message: Message) -> Iterator[str]:
    """The notification text and every mrkdwn text object's text."""
    yield message.text
    for obj in mrkdwn_objects(message):
        yield obj["text"]


def stray_angle_brackets(text: str) -> str:
    """What is left of ``<``/``>`` once the app's own allowed tokens are removed."""
    return "".join(ch for ch in ALLOWED_TOKEN.sub("", text) if ch in "<>")


def assert_mrkdwn_safe(message: Message) -> None:
    for text in mrkdwn_texts(message):
        assert stray_angle_brackets(text) == "", text
        # every "&" starts one of the three entities escape_mrkdwn produces
        assert re.search(r"&(?!amp;|lt;|gt;)", ALLOWED_TOKEN.sub("", text)) is None, text


def assert_valid_message(message: Message) -> None:
    """Slack's published Block Kit limits for a message
    (https://api.slack.com/reference/block-kit/blocks)."""
    assert message.text.strip()
    assert len(message.text) <= 40_000
    blocks = message.blocks
    assert 1 <= len(blocks) <= 50
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(block_ids) == len(set(block_ids)), block_ids
    for block in blocks:
        assert len(block.get("block_id", "")) <= 255
        kind = block["type"]
        if kind == "section":
            assert "text" in block or "fields" in block
            if "text" in block:
                assert 1 <= len(block["text"]["text"]) <= 3000
            if "fields" in block:
                assert 1 <= len(block["fields"]) <= 10
                for field in block["fields"]:
                    assert 1 <= len(field["text"]) <= 2000
        elif kind == "header":
            assert block["text"]["type"] == "plain_text"
            assert len(block["text"]["text"]) <= 150
        elif kind == "context":
            assert 1 <= len(block["elements"]) <= 10
            for element in block["elements"]:
                assert 1 <= len(element["text"]) <= 3000
        elif kind == "actions":
            assert 1 <= len(block["elements"]) <= 25
            for element in block["elements"]:
                assert element["type"] == "button"
                assert len(element["text"]["text"]) <= 75
                assert len(element.get("value", "")) <= 2000
                assert len(element.get("url", "")) <= 3000
                assert len(element["action_id"]) <= 255
        else:
            raise AssertionError(f"unexpected block type {kind}")
