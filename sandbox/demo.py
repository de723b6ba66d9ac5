"""`python -m sandbox.demo` (`make demo`): the real app against both stand-ins, printed as
each person sees it.

No credentials and no network: the app, a Slack stand-in and a GoToAssist stand-in all run in
this process on 127.0.0.1, with a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from bot import logs
from sandbox.harness import Rig, wait_until
from sandbox.signing import TEAM
from sandbox.slack import StandInMessage, payloads
from sandbox.transcript import plain, render

CHANNEL = "CSUPPORT"
TECH = "UTECH1"
COMMAND_TEXT = "Jane Doe jane@example.com #4521"
UNATTENDED_TEXT = "unattended frontdesk #4522"
FRONTDESK_ACME = "a7c31f0e-5b2d-4c8e-9f61-2d4b8e0c7a15"


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


def _machines(rig: Rig) -> None:
    """GoToAssist's unattended computers, and the technician's right to open them."""
    acme = rig.goto.add_company("Acme Corp")
    globex = rig.goto.add_company("Globex")
    rig.goto.add_machine(FRONTDESK_ACME, "FRONTDESK-02", company_id=acme)
    rig.goto.add_machine("0d9e6b4a-3c1f-4a7e-8b25-6f1c9d3e2a40", "FRONTDESK-01", company_id=globex)
    rig.goto.add_machine(
        "5e2f8a1c-7d3b-4f6a-9c04-8b7e1a2d3f59", "BACKOFFICE", company_id=acme, status="OFFLINE"
    )
    rig.slack.set_usergroup("S0TIER2", "tier2", [TECH])


def _click(rig: Rig, button: dict[str, Any]) -> str:
    """The technician clicks ``button`` on their private message: the signed request body."""
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "sandbox"},
        "user": {"id": TECH, "username": "tech", "team_id": TEAM},
        "api_app_id": "A0SANDBOX",
        "token": "legacy-verification-token",
        "container": {"type": "message", "channel_id": CHANNEL, "is_ephemeral": True},
        "trigger_id": f"trigger-{time.monotonic_ns()}",
        "channel": {"id": CHANNEL, "name": "support"},
        "response_url": rig.slack.response_url(f"demo-click-{time.monotonic_ns()}"),
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": "b",
                "value": button["value"],
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


async def _unattended(rig: Rig) -> None:
    """An unattended session by machine name: several match, the technician picks one."""
    print(f"\n\nThe technician types in #support:  /remote-support {UNATTENDED_TEXT}")
    seen = len(rig.slack.responses)
    status, ack = await rig.slash(UNATTENDED_TEXT, user=TECH, channel=CHANNEL)
    if status != 200:
        raise DemoFailed(f"Slack's request was answered {status}, not 200")
    _say("Only the technician sees (the instant answer)", [plain(_text_of(ack))])
    await _step(rig, "the list of machines", lambda: len(rig.slack.responses) > seen)
    listing = rig.slack.responses[seen]
    _say("Only the technician sees (several match)", render(listing["text"], listing["blocks"]))
    picks = [
        block["accessory"]
        for block in listing["blocks"]
        if block.get("accessory", {}).get("type") == "button"
        and json.loads(block["accessory"]["value"])["m"] == FRONTDESK_ACME
    ]
    if len(picks) != 1:
        raise DemoFailed("the list does not offer Acme Corp's FRONTDESK-02 once")
    print("\n-- The technician clicks Start beside FRONTDESK-02 (Acme Corp)")
    status, _ = await rig.post_signed(_click(rig, picks[0]))
    if status != 200:
        raise DemoFailed(f"the click was answered {status}, not 200")

    def unattended_card() -> StandInMessage | None:
        found = [m for m in rig.slack.messages(CHANNEL, replies=False) if "FRONTDESK" in m.text]
        return found[0] if found else None

    dms = len(rig.slack.dms(TECH))
    await _step(rig, "the unattended session's card", lambda: unattended_card() is not None)
    await _step(rig, "its start link in the DM", lambda: len(rig.slack.dms(TECH)) > dms)
    card = unattended_card()
    assert card is not None
    _say("Everyone in #support sees the card", render(card.text, card.blocks))
    if FRONTDESK_ACME in card.text + json.dumps(card.blocks):
        raise DemoFailed("the card shows the machine's UUID")
    creates = [r for r in rig.goto.requests if r.route == "create"]
    if creates[-1].json.get("machineUuid") != FRONTDESK_ACME:
        raise DemoFailed("GoToAssist was not asked for Acme Corp's FRONTDESK-02")


async def _home(rig: Rig) -> None:
    """The technician's DMs about the session, and their App Home when they open it."""
    for dm in rig.slack.dms(TECH):
        if dm.text.endswith((" joined your session.", " ended.")):
            _say(
                "Only the technician sees (DM: a session of theirs moved)",
                render(dm.text, dm.blocks),
            )
    print("\n\nThe technician opens the app's Home tab")
    before = len(rig.slack.calls_to("views.publish"))
    status, _ = await rig.post_signed(payloads.app_home_opened(TECH))
    if status != 200:
        raise DemoFailed(f"app_home_opened answered HTTP {status}")
    await _step(rig, "the Home tab", lambda: len(rig.slack.calls_to("views.publish")) > before)
    home = rig.slack.home_views[TECH]
    _say("Only the technician sees (their Home)", render("", home["blocks"]))
    if any(s.launch_url in json.dumps(home) for s in rig.goto.list_sessions()):
        raise DemoFailed("a start link appeared in the Home tab")


def _text_of(ack: object) -> str:
    return str(ack.get("text", "")) if isinstance(ack, dict) else str(ack)


async def run_demo(*, verbose: bool = False) -> int:
    logs.configure("INFO" if verbose else "WARNING", "console", [])
    logging.getLogger("aiohttp").setLevel(logging.ERROR)
    print("remote-support demo: the real app, a Slack stand-in and a GoToAssist stand-in, on")
    print("127.0.0.1 with a temporary SQLite database. No credentials, no network.\n")
    try:
        async with Rig(unattended_user_groups="tier2") as rig:
            _machines(rig)
            await _flow(rig)
            await _unattended(rig)
            await _home(rig)
    except DemoFailed as exc:
        print(f"\nDEMO FAILED: {exc}", file=sys.stderr)
        return 1
    print("\nDemo complete: one card, edited through waiting, active and complete;")
    print("the start link went only to the technician; then an unattended session opened by")
    print("the machine's name, its card naming the machine and its company (never the UUID);")
    print("the technician's DMs when the customer joined and when it ended, and their Home tab.")
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
