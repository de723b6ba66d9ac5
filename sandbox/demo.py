"""`python -m sandbox.demo` (`make demo`): the real app against both stand-ins, printed as
each person sees it.

No credentials and no network: the app, a Slack stand-in and a GoToAssist stand-in all run in
this process on 127.0.0.1, with a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence

from bot import logs
from sandbox.harness import Rig, wait_until
from sandbox.slack import StandInMessage
from sandbox.transcript import plain, render

CHANNEL = "CSUPPORT"
TECH = "UTECH1"
COMMAND_TEXT = "Jane Doe jane@example.com #4521"


class DemoFailed(Exception):
    pass


def _say(title: str, lines: list[str]) -> None:
    print(f"\n== {title}")
    for line in lines:
        print(f"   {line}")


def _card(rig: Rig) -> StandInMessage | None:
    cards = rig.slack.messages(CHANNEL, replies=False)
    return cards[0] if cards else None


async def _step(rig: Rig, what: str, check: Callable[[], bool]) -> None:
    try:
        await wait_until(check, within=20, what=what)
    except TimeoutError as exc:
        raise DemoFailed(str(exc)) from None


async def _flow(rig: Rig) -> None:
    print(f"A technician (<@{TECH}>) types in #support:  /remote-support {COMMAND_TEXT}")
    status, ack = await rig.slash(COMMAND_TEXT, user=TECH, channel=CHANNEL)
    if status != 200:
        raise DemoFailed(f"Slack's request was answered {status}, not 200")
    ack_text = ack.get("text", "") if isinstance(ack, dict) else str(ack)
    _say("Only the technician sees (the instant answer)", [plain(ack_text)])

    await _step(rig, "the session card", lambda: _card(rig) is not None)
    await _step(rig, "the start link in the technician's DM", lambda: bool(rig.slack.dms(TECH)))
    card = _card(rig)
    assert card is not None
    await _step(
        rig, "the join link in the thread", lambda: bool(rig.slack.thread(CHANNEL, card.ts))
    )
    _say("Everyone in #support sees the card", render(card.text, card.blocks))
    _say(
        "In the card's thread",
        [line for m in rig.slack.thread(CHANNEL, card.ts) for line in render(m.text, m.blocks)],
    )
    for eph in rig.slack.ephemerals(CHANNEL, TECH):
        _say("Only the technician sees (ephemeral, in the thread)", render(eph.text, eph.blocks))
    for dm in rig.slack.dms(TECH):
        _say("Only the technician sees (DM from the app)", render(dm.text, dm.blocks))

    session = rig.goto.list_sessions()[0]
    steps: list[tuple[str, Callable[[], object], str]] = [
        (
            "The technician starts the session in GoToAssist",
            lambda: rig.goto.start_session(session.session_token),
            "waiting",
        ),
        ("Jane Doe joins", lambda: rig.goto.join_session(session.session_token), "active"),
        (
            "The technician ends the session",
            lambda: rig.goto.end_session(
                session.session_token, notes="Replaced the printer driver; test page printed."
            ),
            "complete",
        ),
    ]
    for title, action, words in steps:
        seen = len(rig.slack.thread(CHANNEL, card.ts))
        print(f"\n-- {title} (GoToAssist reports '{words}')")
        action()

        def updated(words: str = words, seen: int = seen) -> bool:
            current = rig.slack.message(CHANNEL, card.ts)
            return (
                current is not None
                and current.text.endswith(words)
                and len(rig.slack.thread(CHANNEL, card.ts)) > seen
            )

        await _step(rig, f"the card to say '{words}'", updated)
        current = rig.slack.message(CHANNEL, card.ts)
        assert current is not None
        _say("The same card, edited in place", render(current.text, current.blocks))
        new = rig.slack.thread(CHANNEL, card.ts)[seen:]
        _say("New in the thread", [line for m in new for line in render(m.text, m.blocks)])

    launch = session.launch_url
    public = [m for m in rig.slack.messages() if not m.channel.startswith("D")]
    if any(launch in m.text or launch in str(m.blocks) for m in public):
        raise DemoFailed("the start link appeared where others could read it")
    cards = rig.slack.messages(CHANNEL, replies=False)
    if len(cards) != 1:
        raise DemoFailed(f"expected one card in #support, found {len(cards)}")


async def run_demo(*, verbose: bool = False) -> int:
    logs.configure("INFO" if verbose else "WARNING", "console", [])
    logging.getLogger("aiohttp").setLevel(logging.ERROR)
    print("remote-support demo: the real app, a Slack stand-in and a GoToAssist stand-in, on")
    print("127.0.0.1 with a temporary SQLite database. No credentials, no network.\n")
    try:
        async with Rig() as rig:
            await _flow(rig)
    except DemoFailed as exc:
        print(f"\nDEMO FAILED: {exc}", file=sys.stderr)
        return 1
    print("\nDemo complete: one card, edited through waiting, active and complete;")
    print("the start link went only to the technician.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.demo", description="the whole flow offline against local stand-ins"
    )
    parser.add_argument("--verbose", action="store_true", help="show the app's logs too")
    args = parser.parse_args(argv)
    return asyncio.run(run_demo(verbose=args.verbose))


if __name__ == "__main__":
    sys.exit(main())
