"""The `/remote-support` slash command: one dispatcher, one small handler per subcommand."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners.commands.remote_support import remote_support
from bot.slack.command_text import COMMAND


def register(app: AsyncApp) -> None:
    app.command(COMMAND)(remote_support)
