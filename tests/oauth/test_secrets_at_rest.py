"""No secret is written in plaintext: `serve` (a real subprocess, LOG_LEVEL=DEBUG) links a
GoTo account, starts sessions with a proactive and a reactive token refresh, follows them to
the end through GoToAssist's callbacks; then the SQLite files (database, WAL, ...) and every
line the process logged are searched for each secret that went by."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import aiohttp

from bot.crypto import new_key
from sandbox.harness import StandIns, app_settings, free_port, migrate, wait_until
from sandbox.process import AppProcess
from sandbox.signing import (
    BOT_TOKEN,
    GOTO_TOKEN,
    OAUTH_CLIENT_SECRET,
    SIGNING_SECRET,
)

from .helpers import (
    OTHER,
    START_TEXT,
    TECH_EMAIL,
    Target,
    card_for,
    creates,
    grants,
    link,
    slash,
    wait_card,
)

CUSTOMERS = ("Jane Doe", "Kim Lee", "Ola Shared")


def sqlite_files(db_path: Path) -> list[Path]:
    return [db_path, *(Path(f"{db_path}{s}") for s in ("-wal", "-shm", "-journal"))]


def leaks(secrets: dict[str, list[str]], places: dict[str, bytes]) -> list[str]:
    """``kind in place`` for every secret value found in plaintext."""
    found = []
    for kind, values in secrets.items():
        for value in values:
            for place, data in places.items():
                if value.encode() in data:
                    found.append(f"{kind} {value[:12]}... in {place}")
    return found


def read_places(db_path: Path, log_path: Path) -> dict[str, bytes]:
    places = {p.name: p.read_bytes() for p in sqlite_files(db_path) if p.exists()}
    places["the log"] = log_path.read_bytes()
    return places


async def test_no_secret_in_the_database_files_or_the_logs(tmp_path: Path) -> None:
    db_path = tmp_path / "rs.db"
    database_url = f"sqlite+aiosqlite:///{db_path}"
    encryption_key = new_key()
    log_path = tmp_path / "serve.log"
    async with StandIns() as stand:
        slack, goto = stand.slack, stand.goto
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        settings = app_settings(
            stand,
            database_url,
            port=port,
            oauth=True,
            encryption_key=encryption_key,
            log_level="DEBUG",
            log_format="json",
            poll_interval_young_s=0.5,
            poll_interval_active_s=0.5,
            poll_interval_idle_s=1.0,
        )
        await migrate(database_url)

        with AppProcess(settings, log_path) as app:
            await app.wait_ready()
            async with aiohttp.ClientSession() as http:
                rig = Target(base_url, http, slack, goto)
                goto.oauth.access_token_ttl_s = 60  # stale at once: a proactive refresh
                await link(rig)
                goto.oauth.access_token_ttl_s = 3600
                await slash(rig, START_TEXT)
                await wait_card(rig, "Jane Doe")
                goto.oauth.expire_access_tokens(TECH_EMAIL)  # a rejection, then a refresh
                await slash(rig, "Kim Lee")
                await wait_card(rig, "Kim Lee")
                await slash(rig, "Ola Shared", user=OTHER)  # unlinked: the shared token
                await wait_card(rig, "Ola Shared")
                assert [r.outcome for r in grants(rig, "refresh_token")] == ["ok", "ok"]
                assert [c.account for c in creates(rig) if c.status == 200] == [
                    TECH_EMAIL,
                    TECH_EMAIL,
                    None,
                ]

                # Each session runs to its end; GoToAssist's callbacks carry the news.
                for session in goto.list_sessions():
                    goto.start_session(session.session_token)
                    goto.join_session(session.session_token)
                    goto.end_session(session.session_token, notes="fixed")
                await goto.drain_callbacks()
                assert goto.deliveries and all(d.status == 200 for d in goto.deliveries)

                def all_complete() -> bool:
                    return all(
                        (card := card_for(rig, name)) is not None and card.text.endswith("complete")
                        for name in CUSTOMERS
                    )

                await wait_until(all_complete, what="every card to say complete")
                await asyncio.sleep(1.0)  # a few more polls and outbox passes get logged

                secrets = {
                    "GoTo access token": list(goto.oauth._access),
                    "GoTo refresh token": list(goto.oauth._refresh),
                    "launch URL": [s.launch_url for s in goto.list_sessions()],
                    "callback token": [
                        (s.callback_url or "").rsplit("/", 1)[-1] for s in goto.list_sessions()
                    ],
                    "GoTo client secret": [OAUTH_CLIENT_SECRET],
                    "shared GoToAssist token": [GOTO_TOKEN],
                    "Slack bot token": [BOT_TOKEN],
                    "Slack signing secret": [SIGNING_SECRET],
                    "ENCRYPTION_KEY": [encryption_key],
                }
                assert len(secrets["GoTo access token"]) == 3  # linking and two refreshes
                assert len(secrets["GoTo refresh token"]) == 3
                assert len(secrets["launch URL"]) == 3
                assert all(len(t) >= 32 for t in secrets["callback token"])

                running = read_places(db_path, log_path)
                assert leaks(secrets, running) == []

            app.kill(signal.SIGTERM)
            assert await app.wait_exit() == 0

        stopped = read_places(db_path, log_path)
        assert leaks(secrets, stopped) == []
        # The search looked at the right bytes: what is not secret is there in plaintext,
        # and the log is a DEBUG log of this very flow.
        everything = b"".join(stopped.values())
        assert TECH_EMAIL.encode() in everything and b"Kim Lee" in everything
        log = stopped["the log"].decode(errors="replace")
        assert '"level": "DEBUG"' in log
        assert "refreshed GoTo token" in log
        assert "linked a GoTo account" in log
