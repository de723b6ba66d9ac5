"""Pydantic models of GoToAssist Remote Support payloads, tolerant of what the docs leave open."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from bot.clock import as_utc
from bot.sessions.status import SessionStatus

__all__ = [
    "CALLBACK_LIMITS",
    "CallbackBody",
    "Company",
    "CompanyPage",
    "CreateSessionRequest",
    "CreateSessionResponse",
    "Machine",
    "MachinePage",
    "SessionInfo",
    "StartScreenSharing",
    "display_name",
]


def _to_str(value: object) -> object:
    """Numbers become strings (``partnerObject`` is documented as both number and string)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return value


def _empty_to_none(value: object) -> object:
    return None if value == "" else value


def _aware(value: datetime | None) -> datetime | None:
    """A timestamp without an offset is taken as UTC."""
    return None if value is None else as_utc(value)


_STATUS_VALUES = frozenset(status.value for status in SessionStatus)

IdStr = Annotated[str, BeforeValidator(_to_str)]
OptStr = Annotated[str | None, BeforeValidator(_empty_to_none)]
Timestamp = Annotated[datetime | None, BeforeValidator(_empty_to_none), AfterValidator(_aware)]


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", alias_generator=to_camel)


_M = TypeVar("_M", bound=_Model)


class CreateSessionRequest(_Model):
    """Body of ``POST /sessions``; ``machine_uuid`` set means an unattended session."""

    session_type: str = "SCREEN_SHARING"
    session_status_callback_url: str | None = None
    partner_object: IdStr | None = None
    partner_object_url: str | None = None
    customer_name: str | None = None
    customer_email: str | None = None
    machine_uuid: str | None = None

    def to_json_body(self) -> dict[str, Any]:
        """The JSON body as GoToAssist expects it: camelCase keys, absent fields omitted."""
        return self.model_dump(by_alias=True, exclude_none=True)


class StartScreenSharing(_Model):
    launch_url: str = Field(repr=False)


class CreateSessionResponse(_Model):
    """Answer to ``POST /sessions``. The token and launch URL are credentials (kept out of repr)."""

    session_token: str = Field(repr=False)
    start_screen_sharing: StartScreenSharing = Field(repr=False)
    session_id: IdStr | None = None
    customer_join_url: OptStr = None
    status: SessionStatus | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _lenient_status(cls, value: object) -> object:
        """An unknown status here must not lose a created session: treat it as absent."""
        return value if value in _STATUS_VALUES else None

    @property
    def launch_url(self) -> str:
        return self.start_screen_sharing.launch_url


class SessionInfo(_Model):
    """``GET /sessions/{id}`` answer, also the status callback body. Only ``status`` is required."""

    status: SessionStatus
    session_id: IdStr | None = None
    session_type: str | None = None
    account_key: IdStr | None = None
    expert_name: OptStr = None
    expert_email: OptStr = None
    expert_user_key: IdStr | None = None
    partner_object: IdStr | None = None
    partner_object_url: OptStr = None
    started_at: Timestamp = None
    customer_joined_at: Timestamp = None
    ended_at: Timestamp = None
    unattended_machine_name: OptStr = None
    unattended_machine_uuid: OptStr = None
    account_name: OptStr = None
    customer_name: OptStr = None
    customer_email: OptStr = None
    customer_join_url: OptStr = None
    notes: OptStr = None
    session_recording_url: OptStr = None
    collaborators: list[Any] = Field(default_factory=list)

    @field_validator("collaborators", mode="before")
    @classmethod
    def _collaborator_list(cls, value: object) -> object:
        """Accept null, a list, a JSON-encoded list (form callbacks) or a single entry."""
        if value is None or value == "":
            return []
        if isinstance(value, str):
            try:
                decoded = json.loads(value)
            except ValueError:
                return [value]
            return decoded if isinstance(decoded, list) else [decoded]
        if isinstance(value, list | tuple):
            return list(value)
        return [value]

    def collaborator_names(self) -> list[str]:
        """Display names of the collaborators, whatever shape the entries have."""
        names = (display_name(entry) for entry in self.collaborators if entry is not None)
        return [name for name in names if name]


# The longest value a callback may carry per field (characters), within the database's columns:
# a longer one is refused (400) before it reaches the group commit other callbacks share.
CALLBACK_LIMITS: dict[str, int] = {
    "sessionId": 64,
    "expertName": 200,
    "unattendedMachineName": 200,
    "customerJoinUrl": 2048,
    "sessionRecordingUrl": 2048,
    "notes": 10_000,
}
MAX_COLLABORATORS = 50


class CallbackBody(SessionInfo):
    """A status callback's body: a ``SessionInfo`` whose fields are length-checked."""

    @model_validator(mode="before")
    @classmethod
    def _within_limits(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        for name, limit in CALLBACK_LIMITS.items():
            value = data.get(name)
            if isinstance(value, str | int | float) and len(str(value)) > limit:
                raise ValueError(f"{name} is longer than {limit} characters")
        collaborators = data.get("collaborators")
        if isinstance(collaborators, str | list) and len(str(collaborators)) > 200 * (
            MAX_COLLABORATORS
        ):
            raise ValueError(f"collaborators is longer than {200 * MAX_COLLABORATORS} characters")
        return data


_NAME_KEYS = ("name", "expertName", "displayName", "email")


def display_name(entry: object) -> str:
    """A readable name for one collaborator entry (string or object of unknown shape)."""
    if isinstance(entry, dict):
        for key in _NAME_KEYS:
            value = entry.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return str(entry).strip()


# -- the unattended machine directory: ``GET /companies`` and ``GET /companies/{id}/machines`` --
# Only the fields below are documented (and some of those only by name); anything else is
# ignored, a missing optional field is None, and an unknown ``machineStatus`` is kept as text.


def _list_or_empty(value: object) -> object:
    return [] if value is None else value


def _count_or_none(value: object) -> object:
    """A total that is not a whole number is as good as absent (paging then stops at a short
    page)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


Count = Annotated[int | None, BeforeValidator(_count_or_none)]


def _upper_or_none(value: object) -> object:
    if value is None or value == "":
        return None
    return str(value).strip().upper() if isinstance(value, str | int) else None


class Company(_Model):
    company_id: IdStr
    company_name: OptStr = None


class CompanyPage(_Model):
    """``GET /companies`` answer; entries that are not companies are dropped, not fatal."""

    total_num_companies: Count = None
    companies: Annotated[list[Any], BeforeValidator(_list_or_empty)] = Field(default_factory=list)

    def entries(self) -> list[Company]:
        return _valid(Company, self.companies)


class Machine(_Model):
    machine_uuid: IdStr
    machine_name: OptStr = None
    dns_name: OptStr = None
    ip_addresses: Any = None
    machine_status: Annotated[str | None, BeforeValidator(_upper_or_none)] = None
    company_id: IdStr | None = None


class MachinePage(_Model):
    """``GET /companies/{id}/machines`` answer; unreadable entries are dropped."""

    total_num_machines: Count = None
    machines: Annotated[list[Any], BeforeValidator(_list_or_empty)] = Field(default_factory=list)

    def entries(self) -> list[Machine]:
        return _valid(Machine, self.machines)


def _valid(model: type[_M], items: list[Any]) -> list[_M]:
    found: list[_M] = []
    for item in items:
        try:
            found.append(model.model_validate(item))
        except ValueError:
            continue
    return found
