"""Key rotation: everything stored under key A (a linked account's tokens, sessions' start
links) is re-encrypted by `remote-support rotate-key` with ENCRYPTION_KEY="B,A", after
which the app runs on key B alone and the technician carries on without linking again."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

from pydantic import SecretStr

from bot.crypto import SecretBox, new_key
from sandbox.harness import Rig
from sandbox.process import settings_env

from .helpers import (
    START_TEXT,
    TECH,
    TECH_EMAIL,
    accounts,
    as_text,
    creates,
    grants,
    link,
    oauth_rig,
    private_to,
    sessions,
    slash,
    wait_card,
)


async def stored_secrets(database_url: str) -> list[str]:
    """Every encrypted value in the database."""
    values: list[Any] = []
    for row in await accounts(database_url):
        values += [row["access_token_enc"], row["refresh_token_enc"]]
    for row in await sessions(database_url):
        values += [row["launch_url_enc"], row["session_token_enc"]]
    return [v for v in values if v]


async def rotate_key(rig: Rig, keys: str) -> tuple[int, str]:
    """`python -m bot rotate-key` in its own process, configured like the rig's app."""
    assert rig.settings is not None
    env = {**os.environ, **settings_env(rig.settings), "ENCRYPTION_KEY": keys}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "rotate-key",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, output.decode(errors="replace")


async def test_rotate_key_re_encrypts_everything(database_url: str) -> None:
    key_a, key_b = new_key(), new_key()
    async with oauth_rig(database_url, gotoassist_access_token=None, encryption_key=key_a) as rig:
        await link(rig)
        await slash(rig, START_TEXT)
        await wait_card(rig, "Jane Doe")
        await slash(rig, "Kim Lee")
        await wait_card(rig, "Kim Lee")
        await rig.stop_app()

        stored = await stored_secrets(database_url)
        # access token, refresh token, two start links, two GoToAssist session tokens
        assert len(stored) == 6
        only_a, only_b = SecretBox.from_setting(key_a), SecretBox.from_setting(key_b)
        assert all(only_a.decrypt(v) is not None for v in stored)
        assert all(only_b.decrypt(v) is None for v in stored)

        code, output = await rotate_key(rig, f"{key_b},{key_a}")
        assert code == 0, output
        assert "re-encrypted 6 " in output, output

        rotated = await stored_secrets(database_url)
        assert len(rotated) == 6
        assert all(only_b.decrypt(v) is not None for v in rotated), "not all re-encrypted"
        assert sorted(only_b.decrypt(v) or "" for v in rotated) == sorted(
            only_a.decrypt(v) or "" for v in stored
        )

        # Key A is gone: the app runs on B alone, and Sam needs no new sign-in.
        assert rig.settings is not None
        rig.settings = rig.settings.model_copy(update={"encryption_key": SecretStr(key_b)})
        await rig.start_app()
        command = await slash(rig, "Lee Park")
        await wait_card(rig, "Lee Park")
        assert creates(rig)[-1].account == TECH_EMAIL
        assert creates(rig)[-1].status == 200
        assert not rig.slack.responses_to(command.key)

        # ...and the stored refresh token still opens: GoTo drops the access token, the app
        # refreshes with the re-encrypted refresh token and retries.
        rig.goto.oauth.expire_access_tokens(TECH_EMAIL)
        await slash(rig, "Max Roe")
        await wait_card(rig, "Max Roe")
        assert [r.outcome for r in grants(rig, "refresh_token")] == ["ok"]
        assert creates(rig)[-1].account == TECH_EMAIL
        assert creates(rig)[-1].status == 200
        assert len(grants(rig, "authorization_code")) == 1  # linked once, never again
        for message in private_to(rig, TECH):
            assert "not created" not in as_text(message)
            assert "cannot be read" not in as_text(message)
