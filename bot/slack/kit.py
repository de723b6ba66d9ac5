"""Block Kit building blocks, on slack_sdk's own models, and the :class:`Message` they make.

The one definition of each: every renderer (messages, account messages, the modal) builds
its blocks here. slack_sdk checks most of Slack's limits when a block is turned into JSON
(``to_dict``: section text, block ids, counts of fields and elements, button text, value and
URL) and raises rather than send a block Slack would refuse; the renderers budget outside text
so that this never happens, and keep the limits it does not check (a field's 2000 characters,
50 blocks a message). Every mrkdwn
text object is ``verbatim``, so Slack does not auto-link or auto-mention anything on top of
what the renderers escaped (:mod:`bot.slack.escape`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

# Slack's limits for messages (https://api.slack.com/reference/block-kit/blocks).
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_CONTEXT_ELEMENTS = 10
MAX_BUTTON_URL = 3000


@dataclass(frozen=True, slots=True)
class Message:
    """A message to post: notification ``text`` plus Block Kit ``blocks`` as JSON-ready dicts
    (what the Web API takes, and what an outbox row can store)."""

    text: str
    blocks: list[dict[str, Any]]

    @classmethod
    def of(cls, text: str, blocks: Sequence[Block]) -> Message:
        """``blocks`` (at most the first 50) checked against Slack's limits and serialised."""
        return cls(text=text, blocks=[block.to_dict() for block in blocks[:MAX_BLOCKS]])

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``chat.postMessage`` / ``chat.update`` / ``postEphemeral``."""
        return {"text": self.text, "blocks": self.blocks}


def mrkdwn(text: str) -> MarkdownTextObject:
    """A mrkdwn text object; ``text`` is mrkdwn already escaped."""
    return MarkdownTextObject(text=text, verbatim=True)


def plain(text: str) -> PlainTextObject:
    return PlainTextObject(text=text, emoji=True)


def section(text: str, block_id: str | None = None) -> SectionBlock:
    return SectionBlock(text=mrkdwn(text), block_id=block_id)


def field_sections(fields: Sequence[str], block_id: str) -> list[SectionBlock]:
    """Sections of at most 10 mrkdwn fields each, with block ids ``{block_id}_0``, ``_1``..."""
    return [
        SectionBlock(
            block_id=f"{block_id}_{start // MAX_FIELDS}",
            fields=[mrkdwn(field) for field in fields[start : start + MAX_FIELDS]],
        )
        for start in range(0, len(fields), MAX_FIELDS)
    ]


def context(elements: Sequence[str], block_id: str | None = None) -> ContextBlock:
    return ContextBlock(
        elements=[mrkdwn(text) for text in elements[:MAX_CONTEXT_ELEMENTS]], block_id=block_id
    )


def button(
    label: str,
    action_id: str,
    *,
    value: str | None = None,
    url: str | None = None,
    style: Literal["primary", "danger"] | None = None,
) -> ButtonElement:
    return ButtonElement(text=plain(label), action_id=action_id, value=value, url=url, style=style)


def actions(block_id: str, *buttons: ButtonElement) -> ActionsBlock:
    return ActionsBlock(block_id=block_id, elements=list(buttons))


def text_message(text: str, body: str | None = None) -> Message:
    """A one-section message; ``text`` and ``body`` are mrkdwn already escaped."""
    return Message.of(text, [section(body if body is not None else text)])
