"""What a technician sees while choosing an unattended machine: the list of several matches,
the closest names when nothing matches, the question about an offline machine, and the
modal's option list. Pure; names and companies come from GoToAssist and are escaped.

A button carries the chosen machine and the rest of the request (customer, ticket, channel) as
JSON in its ``value`` (:func:`choice_value`), so any replica can act on the click; the click
is checked again (access, the machine still offered) before anything starts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk.models.blocks import Block, Option, OptionGroup, SectionBlock
from slack_sdk.models.views import View

from bot.sessions.machines import MachineEntry
from bot.sessions.model import SessionKind, SessionRequest
from bot.slack.command_text import COMMAND
from bot.slack.escape import escape_truncated
from bot.slack.kit import (
    Message,
    actions,
    button,
    context,
    mrkdwn,
    plain,
    section,
    text_message,
)
from bot.slack.modal import NO_MACHINE_VALUE

PICK_ACTION_PREFIX = "machine_pick_"  # one per listed machine: machine_pick_0, machine_pick_1...
START_ANYWAY_ACTION = "machine_start_anyway"
DONT_START_ACTION = "machine_dont_start"
MAX_LISTED = 10
MAX_OPTIONS = 100  # Slack's limit per option list
_VALUE_MAX = 2000  # Slack's limit for a button value
_NAME = 120
_PLAIN_OPTION = 75  # Slack's limit for an option's text

STATUS_MARK = {"ONLINE": ":large_green_circle: online", "OFFLINE": ":red_circle: offline"}


def status_words(machine: MachineEntry) -> str:
    """``online``, ``offline``, or GoToAssist's own word for a status it did not document."""
    if machine.status in ("ONLINE", "OFFLINE"):
        return machine.status.lower()
    return machine.status.lower() or "status unknown"


def _mark(machine: MachineEntry) -> str:
    return STATUS_MARK.get(machine.status, f":grey_question: {status_words(machine)}")


def _name(machine: MachineEntry) -> str:
    return escape_truncated(machine.name, _NAME)


def _company(machine: MachineEntry) -> str:
    return escape_truncated(machine.company, _NAME)


def _query(query: str) -> str:
    return escape_truncated(query, 100)


# -- the button value: the machine and the request, as JSON ----------------------------------


@dataclass(frozen=True, slots=True)
class Choice:
    """What a button click asks for: open ``uuid`` for ``request``, the card in ``channel``."""

    uuid: str
    channel_id: str
    request: SessionRequest
    thread_ts: str | None = None  # the card goes in that message's thread (a message shortcut)


def choice_value(
    uuid: str, channel_id: str, request: SessionRequest, thread_ts: str | None = None
) -> str:
    data: dict[str, Any] = {
        "m": uuid,
        "c": channel_id,
        "h": thread_ts,
        "n": request.customer_name,
        "e": request.customer_email,
        "t": request.partner_object,
        "u": request.partner_object_url,
    }
    value = json.dumps({k: v for k, v in data.items() if v is not None}, separators=(",", ":"))
    if len(value) > _VALUE_MAX:  # only a very long ticket link can do this: keep the ticket id
        data.pop("u")
        value = json.dumps({k: v for k, v in data.items() if v is not None}, separators=(",", ":"))
    return value


def read_choice(value: str) -> Choice | None:
    """The choice a button carries; None when it is not one of ours."""
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("m"), str):
        return None
    text = {k: v for k, v in data.items() if isinstance(v, str)}
    return Choice(
        uuid=text["m"],
        channel_id=text.get("c", ""),
        thread_ts=text.get("h") or None,
        request=SessionRequest(
            kind=SessionKind.UNATTENDED,
            customer_name=text.get("n"),
            customer_email=text.get("e"),
            partner_object=text.get("t"),
            partner_object_url=text.get("u"),
            machine_uuid=text["m"],
        ),
    )


def with_machine(request: SessionRequest, machine: MachineEntry) -> SessionRequest:
    """``request`` aimed at ``machine``, by UUID, with its name and company for the card."""
    return replace(
        request,
        kind=SessionKind.UNATTENDED,
        machine_uuid=machine.uuid,
        machine_name=machine.name,
        machine_company=machine.company,
    )


# -- messages ----------------------------------------------------------------------------------


def _note_line(note: str | None) -> list[Block]:
    return (
        [context([f":hourglass: {escape_truncated(note, 300)}."], "machines_note")] if note else []
    )


def render_choices(
    query: str,
    machines: Sequence[MachineEntry],
    *,
    channel_id: str,
    request: SessionRequest,
    note: str | None = None,
) -> Message:
    """Several machines match: each with its company, online or not, and a Start button."""
    shown = list(machines[:MAX_LISTED])
    title = f"Several machines match “{_query(query)}”: which one?"
    blocks: list[Block] = [section(f":mag: *{title}*", "machines_title")]
    for i, machine in enumerate(shown):
        blocks.append(
            SectionBlock(
                block_id=f"machine_{i}",
                text=mrkdwn(f"*{_name(machine)}* · {_company(machine)} · {_mark(machine)}"),
                accessory=button(
                    "Start",
                    f"{PICK_ACTION_PREFIX}{i}",
                    value=choice_value(machine.uuid, channel_id, request),
                ),
            )
        )
    if len(machines) > len(shown):
        blocks.append(
            context(
                [
                    f"…and {len(machines) - len(shown)} more. Narrow it down with "
                    f'`{COMMAND} unattended "company/name"`.'
                ],
                "machines_more",
            )
        )
    blocks.extend(_note_line(note))
    return Message.of(title, blocks)


def render_no_match(
    query: str, closest: Sequence[MachineEntry], *, note: str | None = None
) -> Message:
    """Nothing the technician may open matches: the closest names, if any."""
    text = f"No machine you can open matches “{_query(query)}”. Nothing was started."
    lines = [f":mag: {text}"]
    if closest:
        names = ", ".join(f"*{_name(m)}* ({_company(m)})" for m in closest)
        lines.append(f"Closest: {names}.")
    lines.append(
        f"Type part of the name, `company/name`, or the machine UUID: `{COMMAND} unattended "
        "FRONTDESK`."
    )
    return Message.of(text, [section("\n".join(lines), "machines_none"), *_note_line(note)])


def render_offline_question(
    machine: MachineEntry, *, channel_id: str, request: SessionRequest
) -> Message:
    """The machine is not online in GoToAssist: ask before starting a session that may hang."""
    text = f"{machine.name} is {status_words(machine)} in GoToAssist: start anyway?"
    shown = f"*{_name(machine)}* ({_company(machine)}) is {status_words(machine)} in GoToAssist"
    value = choice_value(machine.uuid, channel_id, request)
    return Message.of(
        text,
        [
            section(f":red_circle: {shown}: start anyway?", "machine_offline"),
            actions(
                "machine_offline_actions",
                button("Start anyway", START_ANYWAY_ACTION, value=value, style="primary"),
                button("Don't start", DONT_START_ACTION, value="no"),
            ),
        ],
    )


def render_not_started(reason: str) -> Message:
    """A private "nothing was started" with the reason (plain text, escaped here)."""
    return text_message(f":information_source: {escape_truncated(reason, 1500)}")


def render_looking(query: str) -> Message:
    text = f"Looking for “{_query(query)}” in GoToAssist's unattended computers…"
    return text_message(text, f":mag: {text}")


# -- the modal's option list -----------------------------------------------------------------


def _plain_cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def machine_option(machine: MachineEntry) -> Option:
    """``FRONTDESK-02 · Acme Corp · online`` (plain text: Slack shows option text as is)."""
    mark = "🟢" if machine.online else "🔴" if machine.status == "OFFLINE" else "❔"
    label = f"{mark} {machine.name} · {machine.company} · {status_words(machine)}"
    return Option(value=machine.uuid, text=_plain_cut(label, _PLAIN_OPTION))


def machine_options(machines: Sequence[MachineEntry], note: str | None) -> dict[str, Any]:
    """The answer to a ``block_suggestion``: one group of matches, its label carrying the note
    (e.g. the list is being refreshed), or a placeholder saying nothing matched."""
    options = [machine_option(m) for m in machines[:MAX_OPTIONS]]
    label = "Machines" if note is None else _plain_cut(f"Machines ({note})", _PLAIN_OPTION)
    if not options:
        empty = "No machine you can open matches" if note is None else _plain_cut(note, 70)
        options = [Option(value=NO_MACHINE_VALUE, text=empty)]
    group = OptionGroup(label=label, options=options)
    return {"option_groups": [group.to_dict()]}


OFFLINE_VIEW_CALLBACK_ID = "start_session_offline"


def build_offline_view(
    machine: MachineEntry,
    *,
    channel_id: str,
    request: SessionRequest,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """What the form turns into when the chosen machine is not online: the question, with
    "Start anyway" as its submit button (the choice rides in private_metadata)."""
    shown = f"*{_name(machine)}* ({_company(machine)}) is {status_words(machine)} in GoToAssist"
    return View(
        type="modal",
        callback_id=OFFLINE_VIEW_CALLBACK_ID,
        private_metadata=choice_value(machine.uuid, channel_id, request, thread_ts),
        title=plain("Remote support"),
        submit=plain("Start anyway"),
        close=plain("Don't start"),
        blocks=[
            section(f":red_circle: {shown}: start anyway?", "machine_offline"),
            context(
                ["A session on a computer that is not online waits until it comes back."],
                "machine_offline_hint",
            ),
        ],
    ).to_dict()
