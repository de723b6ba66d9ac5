"""Shortcuts: "Start remote support" on a message, and from anywhere (global)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners.shortcuts.global_start import GLOBAL_SHORTCUT_ID, global_start
from bot.listeners.shortcuts.message_start import MESSAGE_SHORTCUT_ID, message_start


def register(app: AsyncApp) -> None:
    app.shortcut(MESSAGE_SHORTCUT_ID)(message_start)
    app.shortcut(GLOBAL_SHORTCUT_ID)(global_start)
