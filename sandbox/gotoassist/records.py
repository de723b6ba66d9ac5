"""What the GoToAssist stand-in holds and records: sessions, requests, callback deliveries,
accounts and faults, and the small pure helpers around them."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from aiohttp import web
from yarl import URL

from bot.sessions.status import SessionStatus

log = logging.getLogger(__name__)
# "token", "revoke": the OAuth endpoints; "directory": GET /companies and /companies/{id}/machines
Route = Literal["create", "get", "token", "revoke", "directory"]
RouteSpec = Literal["create", "get", "token", "revoke", "directory", "all"]  # "all": create, get
CallbackFormat = Literal["json", "form"]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
API_PREFIX = "/G2A/rest/v1"
CONTROL_PREFIX = "/_control"
DEFAULT_TOKEN = "goto-test-token"  # noqa: S105 - a stand-in credential
PUBLIC_HOST = "https://stand-in.invalid"
ACCOUNT_KEY = 4_200_000_001
ACCOUNT_NAME = "Stand-in Support"


def token_fingerprint(token: str) -> str:
    """A short, stable, non-reversible name for a token (what the stand-in records)."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def is_loopback_url(url: str) -> bool:
    """True for http(s) URLs whose host is localhost, 127.0.0.0/8 or ::1."""
    try:
        parsed = URL(url)
    except (TypeError, ValueError):
        return False
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return False
    if parsed.host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(parsed.host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class RecordedRequest:
    """One API request as the stand-in saw it. ``time`` is ``time.monotonic()`` at arrival."""

    method: str
    path: str
    route: Route
    headers: dict[str, str]  # Authorization shows only the scheme and a token fingerprint
    auth_scheme: str | None
    token_fingerprint: str | None
    json: Any
    time: float
    received_at: datetime
    status: int | None = None  # the status answered (None while pending or hung)
    account: str | None = None  # the OAuth user (email) the token was issued to; None: static


@dataclass
class CallbackDelivery:
    """One status callback attempt. ``status`` is the receiver's answer, if any."""

    url: str
    body: dict[str, Any]
    format: CallbackFormat
    time: float
    status: int | None = None
    refused: bool = False
    error: str | None = None


@dataclass
class StandInSession:
    """A session the stand-in holds; ``owner`` is the creating account: a static token's
    fingerprint, or the OAuth user's ``user_key``."""

    session_token: str
    owner: str
    launch_url: str
    customer_join_url: str
    created_at: datetime
    expert_name: str
    session_type: str = "SCREEN_SHARING"
    status: SessionStatus = SessionStatus.NOT_STARTED
    session_id: str | None = None
    callback_url: str | None = None
    customer_name: str | None = None
    customer_email: str | None = None
    partner_object: str | None = None
    partner_object_url: str | None = None
    machine_uuid: str | None = None
    machine_name: str | None = None
    started_at: datetime | None = None
    customer_joined_at: datetime | None = None
    ended_at: datetime | None = None
    notes: str | None = None
    recording_url: str | None = None
    collaborators: list[Any] = field(default_factory=list)
    held_callbacks: list[dict[str, Any]] = field(default_factory=list)
    expert_email: str = "technician@stand-in.invalid"

    def info(self) -> dict[str, Any]:
        """The ``GET /sessions/{id}`` body; optional fields only when they apply."""
        optional: dict[str, Any] = {
            "sessionId": self.session_id,
            "customerName": self.customer_name,
            "customerEmail": self.customer_email,
            "partnerObject": as_number(self.partner_object),
            "partnerObjectUrl": self.partner_object_url,
            "startedAt": iso(self.started_at),
            "customerJoinedAt": iso(self.customer_joined_at),
            "endedAt": iso(self.ended_at),
            "notes": self.notes,
            "sessionRecordingUrl": self.recording_url,
            "collaborators": list(self.collaborators) or None,
        }
        if self.machine_uuid:
            optional |= {
                "unattendedMachineUuid": self.machine_uuid,
                "unattendedMachineName": self.machine_name,
                "accountName": ACCOUNT_NAME,
            }
        return {
            "sessionType": self.session_type,
            "status": self.status.value,
            "accountKey": ACCOUNT_KEY,
            "expertName": self.expert_name,
            "expertEmail": self.expert_email,
            "expertUserKey": self.owner,
            "customerJoinUrl": self.customer_join_url,
        } | {key: value for key, value in optional.items() if value is not None}


@dataclass
class StandInMachine:
    """An unattended computer. ``status``: ONLINE, OFFLINE, BLOCKED, REMOVED (or anything)."""

    uuid: str
    name: str
    company_id: str
    status: str = "ONLINE"

    def listed(self) -> dict[str, Any]:
        """As ``GET /companies/{id}/machines`` lists it (with a field the docs never name)."""
        return {
            "machineUuid": self.uuid,
            "machineName": self.name,
            "dnsName": f"{self.name.lower()}.customer.invalid",
            "ipAddresses": ["192.0.2.10"],
            "machineStatus": self.status,
            "companyId": self.company_id,
            "lastSeen": "2026-11-30T12:00:00Z",
        }


@dataclass
class Fault:
    status: int | None  # None: hang until stop
    body: Any = None
    retry_after: float | None = None


@dataclass
class Account:
    seat: bool = True
    forbidden: bool = False
    expired: bool = False
    expert_name: str = "Stand-in Technician"


def routes_of(route: RouteSpec) -> tuple[Route, ...]:
    if route == "all":
        return ("create", "get")
    if route not in get_args(Route):
        raise ValueError(f"route must be one of {get_args(RouteSpec)}, not {route!r}")
    return (route,)


def as_number(text: str | None) -> str | int | None:
    """``partnerObject`` is documented as a number: digits that round-trip become one."""
    if text and text.isdigit() and len(text) < 16 and text == str(int(text)):
        return int(text)
    return text


def scalar_str(value: object) -> object:
    return str(value) if isinstance(value, int | float) else value


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def form_fields(body: dict[str, Any]) -> dict[str, str]:
    """A callback body as form fields: lists and objects JSON-encoded, the rest as text."""
    return {
        key: json.dumps(value) if isinstance(value, list | dict) else str(value)
        for key, value in body.items()
        if value is not None
    }


def dumps(value: Any) -> str:
    return json.dumps(value, default=str)
