"""Validators shared by the slash-command grammar and the modal.

Pure functions. Each ``clean_*`` returns the normalised value or raises :class:`InvalidInput`
whose ``message`` is plain text (the modal shows it as is; the command reply escapes it).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, urlsplit

MAX_CUSTOMER_NAME = 100
MAX_TICKET_ID = 64
MAX_SESSION_REF = 64
MAX_EMAIL = 254
MAX_EMAIL_LOCAL = 64
MAX_URL = 2000

UUID_HELP = (
    "A machine UUID has 8-4-4-4-12 hex digits (GoToAssist's Unattended Computers list shows "
    "it); or give the computer's name instead."
)


class InvalidInput(ValueError):
    """A value a technician typed is not acceptable; ``message`` says why, in plain text.

    (Not pydantic's ``ValidationError``: this one is raised by the ``clean_*`` functions.)"""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_EMAIL_LOCAL_CHARS = r"[A-Za-z0-9!#$%&'*+/=?^_{}~-]"
_EMAIL_RE = re.compile(
    rf"{_EMAIL_LOCAL_CHARS}+(?:\.{_EMAIL_LOCAL_CHARS}+)*"
    r"@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
)
_TICKET_RE = re.compile(r"[A-Za-z0-9_./-]{1,64}")
_REF_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_UUID_RE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
# Characters that may never appear in a URL we put inside ``<url|label>`` (or a button).
_URL_FORBIDDEN = re.compile(r"[\s|<>\"`\\\x00-\x1f\x7f]")
# What a ticket id embedded in a URL looks like: id characters, at least one digit.
_URL_ID_RE = re.compile(r"(?=[^/]*[0-9])[A-Za-z0-9_.-]{1,64}")


def quote_value(value: str, limit: int = 60) -> str:
    """``value`` in typographic quotes, shortened, for use inside an error message."""
    shown = value if len(value) <= limit else value[: limit - 1] + "…"
    return f"“{shown}”"


def clean_email(raw: str) -> str:
    """A sane e-mail address (RFC 5321 lengths, conservative character set)."""
    value = raw.strip()
    if value.lower().startswith("mailto:"):
        value = value[len("mailto:") :]
    local, _, _domain = value.partition("@")
    if len(value) > MAX_EMAIL or len(local) > MAX_EMAIL_LOCAL or _EMAIL_RE.fullmatch(value) is None:
        raise InvalidInput(f"{quote_value(raw.strip())} is not a valid e-mail address.")
    return value


def clean_ticket_id(raw: str) -> str:
    """A ticket id (GoToAssist's ``partnerObject``), without a leading ``#``."""
    value = raw.strip()
    if value.startswith("#"):
        value = value[1:]
    if not value:
        raise InvalidInput("The ticket id is empty: write it straight after the #.")
    if len(value) > MAX_TICKET_ID:
        raise InvalidInput(
            f"The ticket id is {len(value)} characters long; the limit is {MAX_TICKET_ID}."
        )
    if _TICKET_RE.fullmatch(value) is None:
        raise InvalidInput(
            f"{quote_value(value)} is not a ticket id: use letters, digits, and - _ . / only."
        )
    return value


def is_http_url(value: str) -> bool:
    """True when ``value`` is an absolute http(s) URL safe to use as a Slack link target."""
    if not value or len(value) > MAX_URL or _URL_FORBIDDEN.search(value):
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)


def clean_ticket_url(raw: str) -> str:
    """An http(s) ticket URL (GoToAssist's ``partnerObjectUrl``)."""
    value = raw.strip()
    if len(value) > MAX_URL:
        raise InvalidInput(
            f"The ticket link is {len(value)} characters long; the limit is {MAX_URL}."
        )
    if not is_http_url(value):
        raise InvalidInput(
            f"{quote_value(value)} is not a usable ticket link: give a full http:// or "
            "https:// address without spaces."
        )
    return value


def ticket_id_from_url(url: str) -> str | None:
    """The id a ticket URL names, if one is evident (``/tickets/4521``, ``?id=4521``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    segments = [segment for segment in parts.path.split("/") if segment]
    if segments and _URL_ID_RE.fullmatch(segments[-1]):
        return segments[-1]
    for _key, value in parse_qsl(parts.query):
        if _URL_ID_RE.fullmatch(value):
            return value
    return None


def clean_machine_uuid(raw: str) -> str:
    """A machine UUID (8-4-4-4-12 hex, braces allowed), lower-cased."""
    value = raw.strip()
    if value.startswith("{") and value.endswith("}"):
        value = value[1:-1]
    if _UUID_RE.fullmatch(value) is None:
        raise InvalidInput(f"{quote_value(raw.strip())} is not a machine UUID. {UUID_HELP}")
    return value.lower()


def clean_customer_name(raw: str | None, *, required: bool) -> str | None:
    """The customer name, whitespace collapsed; None when empty and not required."""
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in (raw or ""))
    value = " ".join(text.split())
    if not value:
        if required:
            raise InvalidInput("Give the customer's name.")
        return None
    if len(value) > MAX_CUSTOMER_NAME:
        raise InvalidInput(
            f"The customer name is {len(value)} characters long; the limit is {MAX_CUSTOMER_NAME}."
        )
    return value


def clean_session_ref(raw: str) -> str:
    """A session reference: our session id or GoToAssist's session id."""
    value = raw.strip()
    if value.startswith("#"):
        value = value[1:]
    if _REF_RE.fullmatch(value) is None:
        raise InvalidInput(
            f"{quote_value(raw.strip())} is not a session id: session ids are up to "
            f"{MAX_SESSION_REF} letters, digits, - and _."
        )
    return value
