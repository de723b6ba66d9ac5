"""Typed keys for what the aiohttp application holds."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.slack.writer import SlackWriter
from bot.workflows.tracking import Tracker

TRACKER = web.AppKey("tracker", Tracker)
ENGINE = web.AppKey("engine", AsyncEngine)
SLACK_WRITER = web.AppKey("slack_writer", SlackWriter)
METRICS_TOKEN = web.AppKey("metrics_token", str)  # "" when /metrics is open
