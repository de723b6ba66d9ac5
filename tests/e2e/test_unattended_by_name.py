"""Unattended sessions by machine name, over real HTTP: the command, its buttons, the form's
machine field (``block_suggestion``), per-company access, and the directory's paging.

The GoToAssist stand-in lists companies and machines; the app reads them into its directory at
start-up and answers from there.
"""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
import pytest

from sandbox.harness import Rig, send_slash, wait_until
from sandbox.signing import sign
from tests.e2e.helpers import (
    CHANNEL,
    OTHER,
    TEAM,
    TECH,
    cards,
    interactive_body,
    rendered,
    session_rows,
    wait_card,
)

ACME_01 = "aaaaaaaa-0000-4000-8000-000000000001"
ACME_02 = "aaaaaaaa-0000-4000-8000-000000000002"
ACME_VAULT = "aaaaaaaa-0000-4000-8000-000000000003"
GLOBEX_02 = "bbbbbbbb-0000-4000-8000-000000000002"
GLOBEX_PC = "bbbbbbbb-0000-4000-8000-000000000010"
UNKNOWN = "cccccccc-0000-4000-8000-000000000099"


def company_rig(database_url: str, **overrides: Any) -> Rig:
    """A rig whose GoToAssist lists two companies; TECH may open unattended machines."""
    settings: dict[str, Any] = {"unattended_user_groups": "tier2", "machines_rate_per_s": 10.0}
    rig = Rig(database_url=database_url, **(settings | overrides))
    goto = rig.goto
    acme = goto.add_company("Acme Corp")
    globex = goto.add_company("Globex")
    goto.add_machine(ACME_01, "FRONTDESK-01", company_id=acme)
    goto.add_machine(ACME_02, "FRONTDESK-02", company_id=acme, status="OFFLINE")
    goto.add_machine(ACME_VAULT, "VAULT", company_id=acme, status="BLOCKED")
    goto.add_machine(GLOBEX_02, "FRONTDESK-02", company_id=globex)
    goto.add_machine(GLOBEX_PC, "PC-1", company_id=globex)
    rig.slack.set_usergroup("S0TIER2", "tier2", [TECH, OTHER])
    return rig


async def command(rig: Rig, text: str, key: str, *, user: str = TECH) -> dict[str, Any]:
    """Run `/remote-support text`; the first private answer on its response_url."""
    assert rig.http is not None
    status, _ack = await send_slash(rig.http, rig.base_url, rig.slack, text, user=user, key=key)
    assert status == 200
    await wait_until(lambda: bool(rig.slack.responses_to(key)), within=20, what=f"answer to {text}")
    return rig.slack.responses_to(key)[0]


def creates(rig: Rig) -> list[Any]:
    return [r for r in rig.goto.requests if r.route == "create"]


async def wait_create(rig: Rig, count: int = 1) -> Any:
    await wait_until(lambda: len(creates(rig)) >= count, within=20, what="the create")
    return creates(rig)[count - 1]


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for block in message.get("blocks", []):
        if block.get("accessory", {}).get("type") == "button":
            found.append(block["accessory"])
        found.extend(e for e in block.get("elements", []) if e.get("type") == "button")
    return found


async def click(rig: Rig, button: dict[str, Any], key: str, *, user: str = TECH) -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "sandbox"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "api_app_id": "A0SANDBOX",
        "token": "legacy-verification-token",
        "container": {"type": "message", "channel_id": CHANNEL, "is_ephemeral": True},
        "trigger_id": f"trigger-{time.monotonic_ns()}",
        "channel": {"id": CHANNEL, "name": "support"},
        "response_url": rig.slack.response_url(key),
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": "b",
                "value": button.get("value", ""),
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    status, _ = await rig.post_signed(interactive_body(payload))
    assert status == 200


async def suggestions(rig: Rig, query: str, *, user: str = TECH) -> dict[str, Any]:
    """The app's answer to the form's machine field, as Slack would wait for it: 3 s at most."""
    payload = {
        "type": "block_suggestion",
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "team": {"id": TEAM, "domain": "sandbox"},
        "api_app_id": "A0SANDBOX",
        "token": "legacy-verification-token",
        "container": {"type": "view", "view_id": "V0MODAL1"},
        "action_id": "machine_uuid_input",
        "block_id": "machine_uuid",
        "value": query,
        "view": {"id": "V0MODAL1", "type": "modal", "callback_id": "start_session"},
    }
    body = interactive_body(payload)
    assert rig.http is not None
    async with rig.http.post(
        f"{rig.base_url}/slack/events",
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", **sign(body)},
        timeout=aiohttp.ClientTimeout(total=3.0),  # Slack gives up after 3 seconds
    ) as response:
        assert response.status == 200
        answer: dict[str, Any] = json.loads(await response.text())
        return answer


async def loaded(rig: Rig) -> None:
    """Wait until the app's directory holds the stand-in's machines (its first load)."""

    async def listed() -> bool:
        return any("FRONTDESK-01" in o for o in options(await suggestions(rig, "frontdesk-01")))

    await wait_until(listed, what="the first directory load")


def options(answer: dict[str, Any]) -> list[str]:
    return [o["text"]["text"] for g in answer["option_groups"] for o in g["options"]]


def group_labels(answer: dict[str, Any]) -> list[str]:
    return [g["label"]["text"] for g in answer["option_groups"]]


async def test_exact_partial_and_company_names_start_the_right_machine(database_url: str) -> None:
    async with company_rig(database_url) as rig:
        await command(rig, "unattended FRONTDESK-01 Jane Doe #4521", "exact")
        assert (await wait_create(rig, 1)).json["machineUuid"] == ACME_01

        await command(rig, "unattended pc-", "partial")
        assert (await wait_create(rig, 2)).json["machineUuid"] == GLOBEX_PC

        await command(rig, 'unattended "Globex/FRONTDESK-02"', "company")
        assert (await wait_create(rig, 3)).json["machineUuid"] == GLOBEX_02

        # The card names the machine and its company, never the UUID.
        await wait_until(lambda: len(cards(rig)) == 3, within=20, what="three cards")
        first = next(c for c in cards(rig) if "FRONTDESK-01" in rendered(c))
        assert "Acme Corp" in rendered(first)
        assert "Jane Doe" in rendered(first)
        for card in cards(rig):
            for uuid in (ACME_01, GLOBEX_PC, GLOBEX_02):
                assert uuid not in rendered(card)
        rows = await session_rows(database_url)
        assert {(r["machine_name"], r["machine_company"]) for r in rows} == {
            ("FRONTDESK-01", "Acme Corp"),
            ("PC-1", "Globex"),
            ("FRONTDESK-02", "Globex"),
        }


async def test_the_card_takes_the_machine_name_from_the_sessions_get(sqlite_url: str) -> None:
    async with company_rig(sqlite_url) as rig:
        await command(rig, "unattended FRONTDESK-01", "start")
        create = await wait_create(rig)
        (session,) = rig.goto.sessions.values()
        assert create.json["machineUuid"] == ACME_01
        session.machine_name = "FRONTDESK-01 (renamed)"  # what GoToAssist's GET now says
        rig.goto.start_session(session.session_token)
        card = await wait_card(rig, status="waiting", within=20)
        assert "FRONTDESK-01 (renamed)" in rendered(card, history=False)
        assert ACME_01 not in rendered(card)


async def test_several_matches_are_listed_and_a_button_starts_the_one_chosen(
    sqlite_url: str,
) -> None:
    async with company_rig(sqlite_url) as rig:
        listing = await command(rig, "unattended frontdesk Jane Doe", "list")
        assert listing["response_type"] == "ephemeral"
        text = rendered_answer(listing)
        for name in ("FRONTDESK-01", "FRONTDESK-02", "Acme Corp", "Globex", "online", "offline"):
            assert name in text
        assert "VAULT" not in text  # BLOCKED: never offered
        assert creates(rig) == []
        choices = buttons(listing)
        assert len(choices) == 3
        globex = next(b for b in choices if json.loads(b["value"])["m"] == GLOBEX_02)
        await click(rig, globex, "pick")
        create = await wait_create(rig)
        assert create.json["machineUuid"] == GLOBEX_02
        assert create.json["customerName"] == "Jane Doe"
        card = await wait_card(rig, within=20)
        assert "Globex" in rendered(card)


def rendered_answer(message: dict[str, Any]) -> str:
    return str(message.get("text", "")) + json.dumps(message.get("blocks", []), ensure_ascii=False)


async def test_an_unknown_name_names_the_closest_and_starts_nothing(sqlite_url: str) -> None:
    async with company_rig(sqlite_url) as rig:
        answer = await command(rig, "unattended FRONTDESK-03", "none")
        text = rendered_answer(answer)
        assert "No machine you can open matches" in text
        assert "FRONTDESK-01" in text  # the closest names
        assert buttons(answer) == []
        # BLOCKED machines are never offered, not even by their exact name.
        blocked = rendered_answer(await command(rig, "unattended VAULT", "blocked"))
        assert "No machine you can open matches" in blocked
        assert "VAULT" not in blocked.replace("“VAULT”", "")
        everything = await command(rig, 'unattended "Acme Corp/"', "company")
        assert len(buttons(everything)) == 2  # FRONTDESK-01 and -02, not the blocked VAULT
        assert "VAULT" not in rendered_answer(everything)
        assert not any("VAULT" in o for o in options(await suggestions(rig, "")))
        assert not any("VAULT" in o for o in options(await suggestions(rig, "vault")))
        assert creates(rig) == []
        assert await session_rows(sqlite_url) == []


@pytest.mark.parametrize("answer", ["yes", "no"])
async def test_an_offline_machine_is_asked_about_first(sqlite_url: str, answer: str) -> None:
    async with company_rig(sqlite_url) as rig:
        question = await command(rig, 'unattended "acme/FRONTDESK-02" Jane Doe', "ask")
        assert "FRONTDESK-02 is offline in GoToAssist: start anyway?" in question["text"]
        assert creates(rig) == []
        yes, no = buttons(question)
        await click(rig, yes if answer == "yes" else no, "answer")
        await wait_until(lambda: bool(rig.slack.responses_to("answer")), what="the answer")
        if answer == "yes":
            assert (await wait_create(rig)).json["machineUuid"] == ACME_02
        else:
            assert "Nothing was started" in rig.slack.responses_to("answer")[0]["text"]
            assert creates(rig) == []
            assert await session_rows(sqlite_url) == []


async def test_an_unknown_uuid_is_explained_in_words(sqlite_url: str) -> None:
    async with company_rig(sqlite_url) as rig:
        assert rig.http is not None
        status, ack = await send_slash(
            rig.http, rig.base_url, rig.slack, f"unattended {UNKNOWN}", key="uuid"
        )
        assert status == 200 and "Starting" in json.dumps(ack)
        await wait_create(rig)

        def notices() -> list[str]:
            return [rendered(m) for m in rig.slack.ephemerals(user=TECH)] + [
                rendered(m) for m in rig.slack.dms(TECH)
            ]

        await wait_until(lambda: any("not created" in n for n in notices()), what="the notice")
        (notice,) = [n for n in notices() if "not created" in n]
        assert "could not find that machine" in notice


async def test_the_form_is_answered_from_the_cache_while_gotoassist_is_slow_or_failing(
    sqlite_url: str,
) -> None:
    async with company_rig(sqlite_url, machines_refresh_s=1.0) as rig:
        await loaded(rig)
        first = await suggestions(rig, "front")
        assert {
            "🟢 FRONTDESK-01 · Acme Corp · online",
            "🔴 FRONTDESK-02 · Acme Corp · offline",
        } <= set(options(first))
        assert not any("VAULT" in o for o in options(first))

        # GoToAssist turns slow: the next refresh hangs on it, the form answers from memory.
        rig.goto.set_latency("directory", 30.0)
        await wait_until(
            lambda: any(r.status is None for r in rig.goto.directory_requests),
            what="a slow refresh in flight",
        )
        slow = await suggestions(rig, "front")
        assert "FRONTDESK-01" in " ".join(options(slow))
        assert "being refreshed" in " ".join(group_labels(slow))

    async with company_rig(sqlite_url.replace(".db", "-2.db"), machines_refresh_s=1.0) as rig:
        await loaded(rig)
        rig.goto.fail_next("directory", 500, count=1000)
        await wait_until(
            lambda: (
                any(r.status == 500 for r in rig.goto.directory_requests)
                and sum(r.status == 500 for r in rig.goto.directory_requests) >= 4
            ),
            what="a failed refresh",
        )
        failing = await suggestions(rig, "")
        assert "FRONTDESK-01" in " ".join(options(failing))
        assert "could not be read" in " ".join(group_labels(failing))


async def test_a_technician_sees_only_the_companies_of_their_groups(sqlite_url: str) -> None:
    access = "Acme Corp=@acme-tier2;Globex=@tier2"
    async with company_rig(
        sqlite_url, unattended_user_groups=None, unattended_access=access
    ) as rig:
        rig.slack.set_usergroup("S0ACME", "acme-tier2", [TECH])
        rig.slack.set_usergroup("S0TIER2", "tier2", [OTHER])

        # TECH is only in Acme's group: Globex's PC-1 is as unknown as a made-up name.
        none = rendered_answer(await command(rig, "unattended PC-1", "globex-pc"))
        assert "No machine you can open matches" in none
        assert "Globex" not in none
        made_up = rendered_answer(await command(rig, "unattended PC-1x", "made-up"))
        assert "Globex" not in made_up and "PC-1 " not in made_up
        # FRONTDESK-02 exists in both companies; TECH is offered Acme's only (one match).
        question = await command(rig, "unattended frontdesk-02", "frontdesk")
        assert "offline" in question["text"]
        assert "Globex" not in rendered_answer(question)
        # By UUID: another company's machine is not found either.
        by_uuid = rendered_answer(await command(rig, f"unattended {GLOBEX_PC}", "uuid"))
        assert "No machine you can open" in by_uuid
        # The form lists Acme's machines only.
        listed = options(await suggestions(rig, ""))
        assert listed and all("Acme Corp" in o for o in listed)
        assert creates(rig) == []

        # OTHER (Globex's group) opens PC-1.
        await command(rig, "unattended PC-1", "other", user=OTHER)
        assert (await wait_create(rig)).json["machineUuid"] == GLOBEX_PC
        # Someone in neither group cannot open unattended machines at all.
        refused = await command(rig, "unattended PC-1", "nobody", user="UNOBODY1")
        assert "@acme-tier2" in refused["text"]
        nothing = await suggestions(rig, "", user="UNOBODY1")
        assert options(nothing) == ["You cannot open unattended machines"]


async def test_the_directory_pages_through_companies_and_machines(sqlite_url: str) -> None:
    rig = company_rig(sqlite_url)
    rig.goto.directory_page_max = 2  # every answer holds 2 entries at most
    extra = rig.goto.add_company("Initech")
    for n in range(5):
        rig.goto.add_machine(
            f"dddddddd-0000-4000-8000-00000000000{n}", f"INI-{n}", company_id=extra
        )
    async with rig:
        await command(rig, "unattended INI-4", "last")
        assert (await wait_create(rig)).json[
            "machineUuid"
        ] == "dddddddd-0000-4000-8000-000000000004"
        paths = [r.path for r in rig.goto.directory_requests]
        assert paths.count("/G2A/rest/v1/companies") >= 2
        assert paths.count(f"/G2A/rest/v1/companies/{extra}/machines") >= 3


def submission(view: dict[str, Any], *, user: str = TECH) -> str:
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "sandbox"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "api_app_id": "A0SANDBOX",
        "token": "legacy-verification-token",
        "trigger_id": f"trigger-{time.monotonic_ns()}",
        "view": {"id": "V0MODAL1", "team_id": TEAM, "type": "modal", **view},
        "response_urls": [],
    }
    return interactive_body(payload)


def chosen(uuid: str | None, name: str = "") -> dict[str, Any]:
    """``state.values`` of the session form with the machine field set to ``uuid``."""
    option = None if uuid is None else {"text": {"type": "plain_text", "text": "x"}, "value": uuid}
    return {
        "customer_name": {"customer_name_input": {"type": "plain_text_input", "value": name}},
        "machine_uuid": {
            "machine_uuid_input": {"type": "external_select", "selected_option": option}
        },
    }


async def test_the_form_starts_the_machine_picked_and_asks_about_an_offline_one(
    sqlite_url: str,
) -> None:
    access = "Acme Corp=@tier2"
    async with company_rig(sqlite_url, unattended_access=access) as rig:
        await loaded(rig)
        form = {"callback_id": "start_session", "private_metadata": CHANNEL}

        # Online: the form closes and the session starts, named on its card.
        status, answer = await rig.post_signed(
            submission(form | {"state": {"values": chosen(ACME_01, "Jane Doe")}})
        )
        assert status == 200 and not answer
        assert (await wait_create(rig)).json["machineUuid"] == ACME_01
        card = await wait_card(rig, within=20)
        assert "FRONTDESK-01" in rendered(card) and "Acme Corp" in rendered(card)

        # Offline: the form turns into the question; "Start anyway" starts it.
        status, answer = await rig.post_signed(
            submission(form | {"state": {"values": chosen(ACME_02)}})
        )
        assert answer["response_action"] == "update"
        question = answer["view"]
        assert "FRONTDESK-02" in json.dumps(question) and "offline" in json.dumps(question)
        assert question["submit"]["text"] == "Start anyway"
        assert len(creates(rig)) == 1
        confirm = {
            "callback_id": question["callback_id"],
            "private_metadata": question["private_metadata"],
            "state": {"values": {}},
        }
        status, answer = await rig.post_signed(submission(confirm))
        assert status == 200 and not answer
        assert (await wait_create(rig, 2)).json["machineUuid"] == ACME_02

        # Another company's machine (a forged or stale choice) is refused on the field.
        status, answer = await rig.post_signed(
            submission(form | {"state": {"values": chosen(GLOBEX_PC)}})
        )
        assert answer["response_action"] == "errors"
        assert "not one you may open" in answer["errors"]["machine_uuid"]
        assert len(creates(rig)) == 2


async def test_an_offline_machine_started_from_a_messages_form_keeps_the_card_in_its_thread(
    sqlite_url: str,
) -> None:
    """The message shortcut's form (the card to go in that message's thread) with an offline
    machine: the question, "Start anyway", and the card is still a reply in that thread."""
    async with company_rig(sqlite_url, unattended_access="Acme Corp=@tier2") as rig:
        await loaded(rig)
        parent = rig.slack.add_user_message(CHANNEL, "UASKER1", "the front desk PC is down")
        form = {"callback_id": "start_session", "private_metadata": f"{CHANNEL}/{parent}"}
        status, answer = await rig.post_signed(
            submission(form | {"state": {"values": chosen(ACME_02, "Front Desk")}})
        )
        assert status == 200 and answer["response_action"] == "update"
        question = answer["view"]
        confirm = {
            "callback_id": question["callback_id"],
            "private_metadata": question["private_metadata"],
            "state": {"values": {}},
        }
        status, answer = await rig.post_signed(submission(confirm))
        assert status == 200 and not answer
        assert (await wait_create(rig)).json["machineUuid"] == ACME_02

        def in_thread() -> list[Any]:
            return [m for m in rig.slack.thread(CHANNEL, parent) if "FRONTDESK-02" in m.text]

        await wait_until(lambda: bool(in_thread()), within=20, what="the card in the thread")
        (card,) = in_thread()
        assert card.thread_ts == parent
        top = [m for m in rig.slack.messages(CHANNEL) if m.thread_ts in (None, m.ts)]
        assert [m.ts for m in top] == [parent]  # nothing at the top but the asker's message
