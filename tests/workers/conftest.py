"""The outbox worker against a real SQLite database file and the Slack stand-in on loopback.

The stand-in is imported here and nowhere else in these tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.crypto import SecretBox
from bot.slack.writer import SlackWriter
from bot.store.database import Database, make_engine
from bot.store.schema import upgrade
from sandbox.slack import SlackStandIn


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn() as standin:
        yield standin


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    await upgrade(engine)
    database = Database(engine)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def box() -> SecretBox:
    return SecretBox.derived_from("outbox-tests")


@pytest.fixture
async def writer(slack: SlackStandIn) -> AsyncIterator[SlackWriter]:
    async with aiohttp.ClientSession() as http:
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url, session=http)
        yield SlackWriter(client, timeout_s=5.0)
