"""App Home: publish it when opened; its buttons (start link, GoTo sign-in, DM switches)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners.home.login import home_login
from bot.listeners.home.opened import app_home_opened
from bot.listeners.home.start_link import home_start_link
from bot.listeners.home.switches import home_switch
from bot.slack.home import HOME_LOGIN_ACTION, HOME_START_LINK_ACTION, HOME_SWITCH_ACTION


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(app_home_opened)
    app.action(HOME_START_LINK_ACTION)(home_start_link)
    app.action(HOME_LOGIN_ACTION)(home_login)
    app.action(HOME_SWITCH_ACTION)(home_switch)
