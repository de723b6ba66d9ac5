"""Seeding: sessions created in the GoToAssist stand-in over its API, and the matching rows
written straight into the app's tables (bot/store/tables.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiohttp
from sqlalchemy import insert

from bench.base import BenchError
from bot.crypto import SecretBox
from bot.store.database import make_engine
from bot.store.tables import Base
from sandbox.gotoassist import GoToAssistStandIn, StandInSession
from sandbox.signing import CHANNEL, GOTO_TOKEN, TEAM


async def create_standin_sessions(
    goto: GoToAssistStandIn,
    count: int,
    *,
    callback_urls: Sequence[str | None] | None = None,
    concurrency: int = 32,
) -> list[StandInSession]:
    """``count`` sessions made with ``POST /sessions`` on the stand-in (its rate limit lifted
    while seeding); its request log is cleared afterwards so it records only the app."""
    previous_rate = goto.rate_limit_per_s
    goto.set_rate_limit(0)
    limit = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {GOTO_TOKEN}"}

    async def one(http: aiohttp.ClientSession, i: int) -> StandInSession:
        body: dict[str, Any] = {
            "sessionType": "SCREEN_SHARING",
            "customerName": f"Customer {i}",
            "customerEmail": f"customer{i}@example.com",
            "partnerObject": str(4000 + i),
        }
        if callback_urls is not None and callback_urls[i]:
            body["sessionStatusCallbackUrl"] = callback_urls[i]
        async with limit, http.post(goto.base_url + "/sessions", json=body) as resp:
            data = await resp.json()
            if resp.status != 200:
                raise BenchError(f"stand-in refused a seeded session: {resp.status} {data}")
        return goto.find(str(data["sessionToken"]))

    try:
        async with aiohttp.ClientSession(headers=headers) as http:
            return list(await asyncio.gather(*(one(http, i) for i in range(count))))
    finally:
        goto.set_rate_limit(previous_rate)
        goto.requests.clear()


def _column_defaults() -> dict[str, Any]:
    """Every column of ``sessions`` with its scalar Python default (else None)."""
    out: dict[str, Any] = {}
    for column in Base.metadata.tables["sessions"].columns:
        default = column.default
        scalar = default is not None and bool(getattr(default, "is_scalar", False))
        out[column.name] = getattr(default, "arg", None) if scalar else None
    return out


def session_row(i: int, created_at: datetime, **values: Any) -> dict[str, Any]:
    """A ``sessions`` row as the app stores a created attended session; ``values`` override.
    Columns named nowhere here get their table default, so a new column does not break it."""
    row = _column_defaults()
    mine: dict[str, Any] = {
        "id": uuid.uuid4().hex,
        "team_id": TEAM,
        "channel_id": CHANNEL,
        "requester_id": f"UTECH{i % 8}",
        "kind": "attended",
        "status": "notStarted",
        "creation": "created",
        "expired": False,
        "created_at": created_at,
        "updated_at": created_at,
        "customer_name": f"Customer {i}",
        "customer_email": f"customer{i}@example.com",
        "partner_object": str(4000 + i),
        "poll_failures": 0,
        **values,
    }
    unknown = set(mine) - set(row)
    if unknown:
        raise BenchError(f"not columns of sessions (any more?): {sorted(unknown)}")
    row.update(mine)
    return row


def live_values(session: StandInSession, box: SecretBox) -> dict[str, Any]:
    """Columns the app fills from GoToAssist's answer (and what it has learnt since)."""
    return {
        "session_token_enc": box.encrypt(session.session_token),
        "launch_url_enc": box.encrypt(session.launch_url),
        "customer_join_url": session.customer_join_url,
        "status": session.status.value,
        "goto_session_id": session.session_id,
        "expert_name": session.expert_name if session.session_id else None,
        "started_at": session.started_at,
        "customer_joined_at": session.customer_joined_at,
    }


async def insert_sessions(database_url: str, rows: Sequence[dict[str, Any]]) -> None:
    table = Base.metadata.tables["sessions"]
    engine = make_engine(database_url)
    try:
        async with engine.begin() as conn:
            for start in range(0, len(rows), 1000):
                await conn.execute(insert(table), list(rows[start : start + 1000]))
    finally:
        await engine.dispose()
