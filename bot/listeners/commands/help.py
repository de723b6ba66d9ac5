"""`/remote-support help`, and the answer to anything it cannot read: both in the ack."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck

from bot.slack import blocks
from bot.slack.command_text import ParseError


async def show_help(ack: AsyncAck) -> None:
    message = blocks.render_help()
    await ack(text=message.text, blocks=message.blocks)


async def bad_input(ack: AsyncAck, error: ParseError) -> None:
    """What was wrong and an example that works; nothing is created."""
    message = blocks.render_parse_error(error)
    await ack(text=message.text, blocks=message.blocks)
