"""Command line: `remote-support serve | migrate | check | keygen | rotate-key`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from aiohttp import web
from pydantic import ValidationError

from bot import logs
from bot.config import Settings, describe_validation_error, problems_for_serving
from bot.crypto import new_key
from bot.store.database import make_engine, ping
from bot.store.schema import current_revision, head_revision, upgrade


def load_settings() -> Settings:
    """Settings, or exit 2 naming each bad variable (never a traceback)."""
    try:
        return Settings()
    except ValidationError as exc:
        print("Configuration problems:", file=sys.stderr)
        for line in describe_validation_error(exc):
            print(f"  - {line}", file=sys.stderr)
        raise SystemExit(2) from None


def secrets_of(settings: Settings) -> list[str]:
    values = [
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.gotoassist_access_token,
        settings.goto_client_secret,
        settings.encryption_key,
    ]
    return [value.get_secret_value() for value in values if value is not None]


async def _migrate(url: str) -> str | None:
    engine = make_engine(url)
    try:
        await upgrade(engine)
        return await current_revision(engine)
    finally:
        await engine.dispose()


async def schema_problem(url: str) -> str | None:
    """Why the database cannot be served as it is, or None."""
    engine = make_engine(url)
    try:
        await ping(engine)
        current = await current_revision(engine)
    except Exception as exc:
        return f"the database at DATABASE_URL cannot be reached ({type(exc).__name__}: {exc})"
    finally:
        await engine.dispose()
    head = head_revision()
    if current != head:
        return (
            f"the database schema is at {current or 'nothing'} but this release needs {head}: "
            "run `remote-support migrate` (or `serve --migrate`) first"
        )
    return None


def cmd_migrate(_args: argparse.Namespace) -> int:
    settings = load_settings()
    logs.configure(settings.log_level, settings.log_format, secrets_of(settings))
    revision = asyncio.run(_migrate(settings.database_url))
    print(f"database schema is at revision {revision}")
    return 0


async def group_problems(settings: Settings) -> list[str]:
    """Configured user groups Slack does not know (each would refuse every start)."""
    from bot.sessions.machines import access_groups

    access = settings.machine_access
    named = {
        "ALLOWED_USER_GROUPS": settings.allowed_groups,
        "UNATTENDED_USER_GROUPS": settings.unattended_groups,
        "UNATTENDED_ACCESS": access_groups(access) if access else None,
    }
    if settings.slack_bot_token is None or not any(named.values()):
        return []
    import aiohttp
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.sessions.access import PeopleUnavailable
    from bot.slack.people import SlackPeople

    problems: list[str] = []
    async with aiohttp.ClientSession() as http:
        client = AsyncWebClient(
            token=settings.slack_bot_token.get_secret_value(),
            base_url=str(settings.slack_api_url),
            session=http,
        )
        people = SlackPeople(client)
        for variable, groups in named.items():
            for name in groups or ():
                try:
                    await people.groups([name])
                except PeopleUnavailable as exc:
                    problems.append(f"{variable}: {exc} (needs the usergroups:read scope).")
    return problems


def cmd_check(_args: argparse.Namespace) -> int:
    settings = load_settings()
    problems = problems_for_serving(settings)
    problems += asyncio.run(group_problems(settings))
    schema = asyncio.run(schema_problem(settings.database_url))
    if schema:
        problems.append(schema[0].upper() + schema[1:] + ".")
    if settings.encryption_key is not None:
        from bot.crypto import SecretBox

        try:
            SecretBox.from_setting(settings.encryption_key.get_secret_value())
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        print("remote-support is not ready:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    mode = "Socket Mode" if settings.socket_mode else "HTTP"
    callbacks = settings.callback_base() or "off (polling only: PUBLIC_BASE_URL is unset)"
    print(f"Configuration looks right: Slack in {mode} mode; callbacks: {callbacks}.")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    logs.configure(settings.log_level, settings.log_format, secrets_of(settings))
    problems = problems_for_serving(settings)
    if problems:
        print("remote-support cannot start:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    if args.migrate:
        asyncio.run(_migrate(settings.database_url))
    schema = asyncio.run(schema_problem(settings.database_url))
    if schema:
        print(f"remote-support cannot start: {schema}.", file=sys.stderr)
        return 2
    from bot.app import create_web_app

    _use_uvloop()
    web.run_app(
        create_web_app(settings, own_process=True),
        host=settings.host,
        port=settings.port,
        shutdown_timeout=min(5.0, settings.shutdown_grace_s / 5),
        access_log=None,
        print=lambda message: print(message, file=sys.stderr),
    )
    return 0


def _use_uvloop() -> None:
    """uvloop's event loop: the same asyncio, with a faster core (fewer CPU cycles per
    request, which is what bounds a busy single process)."""
    try:
        import uvloop
    except ImportError:  # not available on this platform: the standard loop works too
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def cmd_keygen(_args: argparse.Namespace) -> int:
    print(new_key())
    return 0


def cmd_rotate_key(_args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings.encryption_key is None:
        print("ENCRYPTION_KEY is not set: nothing to rotate to.", file=sys.stderr)
        return 2
    from bot.crypto import SecretBox
    from bot.store.database import Database
    from bot.store.rotation import rotate_secrets

    try:
        box = SecretBox.from_setting(settings.encryption_key.get_secret_value())
    except ValueError as exc:
        print(f"ENCRYPTION_KEY: {exc}", file=sys.stderr)
        return 2

    async def _run() -> dict[str, int]:
        engine = make_engine(settings.database_url)
        try:
            return await rotate_secrets(Database(engine), box)
        finally:
            await engine.dispose()

    counts = asyncio.run(_run())
    print(
        f"re-encrypted {counts['rotated']} stored secrets with the first ENCRYPTION_KEY key; "
        f"{counts['unreadable']} could not be opened with any configured key"
    )
    return 0 if counts["unreadable"] == 0 else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="remote-support", description="GoToAssist remote-support sessions from Slack."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the app (Slack, callbacks, workers)")
    serve.add_argument("--migrate", action="store_true", help="apply migrations first")
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        func=cmd_migrate
    )
    sub.add_parser("check", help="validate configuration and the database").set_defaults(
        func=cmd_check
    )
    sub.add_parser("keygen", help="print a new ENCRYPTION_KEY").set_defaults(func=cmd_keygen)
    sub.add_parser(
        "rotate-key", help="re-encrypt stored secrets with the first key in ENCRYPTION_KEY"
    ).set_defaults(func=cmd_rotate_key)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
