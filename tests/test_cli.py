"""The command line, run as an operator would: real processes, real environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GOTO", "DATABASE"))}


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**BASE_ENV, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def ready_env(tmp_path: Path) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-1-2-abc",
        "SLACK_SIGNING_SECRET": "s3cret-signing",
        "GOTOASSIST_ACCESS_TOKEN": "goto-token",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
    }


def test_check_names_every_missing_setting(tmp_path: Path) -> None:
    result = run(["check"], {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}, tmp_path)
    assert result.returncode == 1
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "GOTOASSIST_ACCESS_TOKEN"):
        assert name in result.stdout
    assert "remote-support migrate" in result.stdout  # the schema is not there yet


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "eighty"),
        ("SLACK_BOT_TOKEN", "xoxp-user-token"),
        ("DATABASE_URL", "mysql://x"),
        ("UNATTENDED_ACCESS", "Acme Corp"),
        ("UNATTENDED_ACCESS", "Acme=@tier2;acme=@oncall"),
        ("MACHINES_REFRESH_S", "0"),
    ],
)
def test_malformed_setting_is_named_without_a_traceback(
    tmp_path: Path, ready_env: dict[str, str], name: str, value: str
) -> None:
    result = run(["serve"], {**ready_env, name: value}, tmp_path)
    assert result.returncode == 2
    assert f"{name}:" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_serve_refuses_an_out_of_date_schema(tmp_path: Path, ready_env: dict[str, str]) -> None:
    result = run(["serve"], ready_env, tmp_path)
    assert result.returncode == 2
    assert "remote-support migrate" in result.stderr


def test_migrate_then_check_passes(tmp_path: Path, ready_env: dict[str, str]) -> None:
    assert run(["migrate"], ready_env, tmp_path).returncode == 0
    result = run(["check"], ready_env, tmp_path)
    assert result.returncode == 0, result.stdout
    assert "polling only" in result.stdout  # PUBLIC_BASE_URL unset


def test_oauth_needs_an_encryption_key(tmp_path: Path, ready_env: dict[str, str]) -> None:
    env = {**ready_env, "GOTO_CLIENT_ID": "cid", "GOTO_CLIENT_SECRET": "csecret"}
    result = run(["serve"], env, tmp_path)
    assert result.returncode == 2
    assert "ENCRYPTION_KEY" in result.stderr and "PUBLIC_BASE_URL" in result.stderr


def test_keygen_makes_a_usable_key(tmp_path: Path, ready_env: dict[str, str]) -> None:
    key = run(["keygen"], {}, tmp_path).stdout.strip()
    assert run(["migrate"], ready_env, tmp_path).returncode == 0
    result = run(["check"], {**ready_env, "ENCRYPTION_KEY": key}, tmp_path)
    assert result.returncode == 0, result.stdout
    bad = run(["check"], {**ready_env, "ENCRYPTION_KEY": "not-a-key"}, tmp_path)
    assert bad.returncode == 1 and "keygen" in bad.stdout


async def test_check_names_configured_user_groups_slack_does_not_know(
    tmp_path: Path, ready_env: dict[str, str]
) -> None:
    import asyncio

    from sandbox.slack import SlackStandIn

    async with SlackStandIn() as slack:
        slack.set_usergroup("S0TIER2", "tier2", ["UTECH1"])
        env = {
            **BASE_ENV,
            **ready_env,
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_API_URL": slack.api_url,
            "ALLOWED_USER_GROUPS": "@tier2,@nobody",
            "UNATTENDED_USER_GROUPS": "S0TIER2",
            "UNATTENDED_ACCESS": "Acme Corp=@tier2;Globex=@globex-team",
        }
        migrated = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "migrate", env=env, cwd=tmp_path
        )
        assert await migrated.wait() == 0
        check = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "check",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output = (await check.communicate())[0].decode()
    assert check.returncode == 1, output
    assert "ALLOWED_USER_GROUPS: Slack has no user group '@nobody'" in output
    assert "UNATTENDED_ACCESS: Slack has no user group '@globex-team'" in output
    assert "tier2" not in output and "UNATTENDED_USER_GROUPS" not in output
