"""Bolt listeners, one small module-level function per entry point, registered here.

Layout as in Bolt's starter template: ``commands/``, ``actions/``, ``views/``, ``events/``,
``shortcuts/``, ``home/``, ``functions/``.
Listeners take Bolt's injected arguments (``ack``, ``respond``, ``body``, ``context``...) and
find the app's collaborators in ``context`` (see :mod:`bot.listeners.deps`).
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners import actions, commands, events, functions, home, options, shortcuts, views
from bot.listeners.deps import ListenerDeps, provide


def register(app: AsyncApp, deps: ListenerDeps) -> None:
    provide(app, deps)
    commands.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)
    options.register(app)
    shortcuts.register(app)
    home.register(app)
    functions.register(app)
