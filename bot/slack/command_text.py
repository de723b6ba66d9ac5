"""The slash-command grammar: what a technician typed after ``/remote-support``.

Pure: :func:`parse_command` turns the command text into one small :data:`Command` value.

Slack sends the text in its message format: literal ``&``, ``<`` and ``>`` arrive as
``&amp;``, ``&lt;`` and ``&gt;``, and e-mails, URLs and mentions may arrive wrapped as
``<mailto:a@b.c|a@b.c>``, ``<https://...|label>``, ``<@U123>``. Values come out unescaped
(plain text); rendering escapes them again.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import TypeAlias

from bot.sessions.model import SessionKind, SessionRequest
from bot.slack.validators import (
    InvalidInput,
    clean_customer_name,
    clean_email,
    clean_machine_uuid,
    clean_session_ref,
    clean_ticket_id,
    clean_ticket_url,
    quote_value,
    ticket_id_from_url,
)

COMMAND = "/remote-support"
EXAMPLE_START = f"{COMMAND} Jane Doe jane@example.com #4521"
EXAMPLE_START_URL = f"{COMMAND} Jane Doe jane@example.com https://helpdesk.example.com/tickets/4521"
EXAMPLE_STATUS = f"{COMMAND} status 123456789"
EXAMPLE_UNATTENDED = f"{COMMAND} unattended 3f2a9c4e-8b1d-4e6f-a0c2-5d7e9b1f3a60 Jane Doe #4521"
EXAMPLE_UNATTENDED_NAME = f"{COMMAND} unattended FRONTDESK-02 Jane Doe #4521"
EXAMPLE_UNATTENDED_COMPANY = f'{COMMAND} unattended "Acme Corp/FRONTDESK-02" #4521'
MAX_MACHINE_QUERY = 200
# Hex digits and dashes as long as a UUID: a mistyped UUID, not a machine name.
_UUID_LIKE = re.compile(r"[0-9a-fA-F{}-]{30,40}")


@dataclass(frozen=True, slots=True)
class OpenModal:
    """Nothing typed: open the modal."""


@dataclass(frozen=True, slots=True)
class Help:
    pass


@dataclass(frozen=True, slots=True)
class ListSessions:
    pass


@dataclass(frozen=True, slots=True)
class Status:
    ref: str


@dataclass(frozen=True, slots=True)
class Login:
    pass


@dataclass(frozen=True, slots=True)
class Logout:
    pass


@dataclass(frozen=True, slots=True)
class Start:
    request: SessionRequest


@dataclass(frozen=True, slots=True)
class FindMachine:
    """`unattended <name>`: a machine name, part of one, or ``company/machine``, to look up;
    ``request`` holds the rest (customer, ticket), without the machine."""

    query: str
    request: SessionRequest


@dataclass(frozen=True, slots=True)
class ParseError:
    """What was wrong (plain text, may use `code` backticks) and a command that would work."""

    message: str
    example: str


Command: TypeAlias = (
    OpenModal | Help | ListSessions | Status | Login | Logout | Start | FindMachine | ParseError
)

# Quotes Slack clients (and phones) substitute, mapped back to ASCII before splitting.
_TYPOGRAPHIC_QUOTES = str.maketrans(
    {
        "\u201c": '"',  # left double quotation mark
        "\u201d": '"',  # right double quotation mark
        "\u201e": '"',  # double low-9 quotation mark
        "\u201f": '"',  # double high-reversed-9 quotation mark
        "\u00ab": '"',  # left-pointing double angle quotation mark
        "\u00bb": '"',  # right-pointing double angle quotation mark
        "\u2018": "'",  # left single quotation mark
        "\u2019": "'",  # right single quotation mark (also the typographic apostrophe)
        "\u201a": "'",  # single low-9 quotation mark
        "\u201b": "'",  # single high-reversed-9 quotation mark
    }
)
# Private-use code points stand in for text shlex must not see; any in the input are dropped.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_APOSTROPHE_MARK = "\ue000"
_SEGMENT_BASE = 0xE100
_SEGMENT_MAX = 0xF8FF - _SEGMENT_BASE
# Slack formatting: <...> (literal angle brackets arrive escaped, so these are Slack's own).
_SLACK_SEGMENT = re.compile(r"<[^<>]*>")
# An apostrophe inside a word (O'Brien, it's) is a letter, not a quote.
_INNER_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_ANY_SPACE = re.compile(r"\s")
_MAILTO = re.compile(r"<mailto:([^|>]*)(?:\|[^>]*)?>", re.IGNORECASE)
_SLACK_URL = re.compile(r"<(https?://[^|>]*)(?:\|[^>]*)?>", re.IGNORECASE)
_PLAIN_URL = re.compile(r"https?://", re.IGNORECASE)

_QUOTE_NAMES = {'"': 'double quote (")', "'": "single quote (')"}


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _unbalanced_quote(text: str) -> str | None:
    """The quote character left open, scanning as shlex does (posix, no escapes)."""
    open_quote: str | None = None
    for ch in text:
        if open_quote is None:
            if ch in "\"'":
                open_quote = ch
        elif ch == open_quote:
            open_quote = None
    return open_quote


def _split_words(text: str) -> list[str] | ParseError:
    """Shell-style words (quotes group, no backslash escapes, no comments)."""
    text = _PRIVATE_USE.sub("", text.translate(_TYPOGRAPHIC_QUOTES))
    segments: list[str] = []

    def protect(match: re.Match[str]) -> str:
        if len(segments) > _SEGMENT_MAX:
            return match.group()
        segments.append(match.group())
        return chr(_SEGMENT_BASE + len(segments) - 1)

    text = _SLACK_SEGMENT.sub(protect, text)
    text = _INNER_APOSTROPHE.sub(_APOSTROPHE_MARK, text)
    text = _ANY_SPACE.sub(" ", text)

    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    lexer.escape = ""
    try:
        raw_words = list(lexer)
    except ValueError:
        quote = _unbalanced_quote(text) or '"'
        return ParseError(
            f"There is an unmatched {_QUOTE_NAMES[quote]} in what you typed: "
            "close it, or leave it out.",
            f'{COMMAND} "Jane Doe" jane@example.com #4521',
        )

    def restore(word: str) -> str:
        word = word.replace(_APOSTROPHE_MARK, "'")
        return "".join(
            segments[ord(ch) - _SEGMENT_BASE]
            if _SEGMENT_BASE <= ord(ch) < _SEGMENT_BASE + len(segments)
            else ch
            for ch in word
        )

    return [restore(word) for word in raw_words if word]


@dataclass(slots=True)
class _Details:
    name_words: list[str]
    email: str | None = None
    ticket: str | None = None
    url: str | None = None


def _parse_details(words: list[str], *, example: str) -> _Details | ParseError:
    """Sort words into e-mail, ticket id, ticket URL and customer-name words."""
    details = _Details(name_words=[])
    try:
        for word in words:
            mailto = _MAILTO.fullmatch(word)
            slack_url = _SLACK_URL.fullmatch(word)
            if mailto:
                _set_email(details, _unescape(mailto.group(1)))
            elif slack_url:
                _set_url(details, _unescape(slack_url.group(1)))
            elif word.startswith("<") and word.endswith(">"):
                # A mention or channel link used as (part of) the name: kept literally.
                details.name_words.append(_unescape(word))
            else:
                plain = _unescape(word)
                if any(ch.isspace() for ch in plain):
                    # A quoted phrase is always (part of) the name, whatever it contains.
                    details.name_words.append(plain)
                elif "@" in plain:
                    _set_email(details, plain)
                elif plain.startswith("#"):
                    _set_ticket(details, plain)
                elif _PLAIN_URL.match(plain):
                    _set_url(details, plain)
                else:
                    details.name_words.append(plain)
    except _Problem as problem:
        return ParseError(problem.message, problem.example or example)
    return details


class _Problem(Exception):
    def __init__(self, message: str, example: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.example = example


def _set_email(details: _Details, value: str) -> None:
    try:
        email = clean_email(value)
    except InvalidInput as exc:
        raise _Problem(
            f"{exc.message} Give the customer's e-mail as name@example.com, or leave it out.",
        ) from exc
    if details.email is not None:
        raise _Problem(
            f"Two e-mail addresses: {quote_value(details.email)} and {quote_value(email)}. "
            "Give only the customer's one."
        )
    details.email = email


def _set_ticket(details: _Details, value: str) -> None:
    try:
        ticket = clean_ticket_id(value)
    except InvalidInput as exc:
        raise _Problem(exc.message) from exc
    if details.ticket is not None:
        raise _Problem(
            f"Two ticket ids: #{details.ticket} and #{ticket}. A session belongs to one ticket."
        )
    details.ticket = ticket


def _set_url(details: _Details, value: str) -> None:
    try:
        url = clean_ticket_url(value)
    except InvalidInput as exc:
        raise _Problem(exc.message, EXAMPLE_START_URL) from exc
    if details.url is not None:
        raise _Problem(
            f"Two links: {quote_value(details.url)} and {quote_value(url)}. "
            "Give only the ticket's link.",
            EXAMPLE_START_URL,
        )
    details.url = url


def _request(
    details: _Details,
    kind: SessionKind,
    *,
    machine_uuid: str | None = None,
    name_required: bool,
    example: str,
) -> Start | ParseError:
    ticket = details.ticket
    if ticket is None and details.url is not None:
        ticket = ticket_id_from_url(details.url)
    try:
        name = clean_customer_name(" ".join(details.name_words), required=name_required)
    except InvalidInput as exc:
        if not details.name_words:
            return ParseError(
                "Who is the customer? Give their name (the words that are not an e-mail, "
                "#ticket or link).",
                example,
            )
        return ParseError(exc.message, example)
    return Start(
        SessionRequest(
            kind=kind,
            customer_name=name,
            customer_email=details.email,
            partner_object=ticket,
            partner_object_url=details.url,
            machine_uuid=machine_uuid,
        )
    )


def _no_arguments(name: str) -> ParseError:
    return ParseError(
        f"`{name}` takes nothing after it. For a customer whose name starts with "
        f"“{name.capitalize()}”, put the whole name in quotes.",
        f"{COMMAND} {name}",
    )


def parse_command(text: str) -> Command:
    """Parse the text after ``/remote-support`` (the forms are listed in the README, "Using
    it in Slack")."""
    if not text.strip():
        return OpenModal()
    words = _split_words(text)
    if isinstance(words, ParseError):
        return words
    if not words:
        return OpenModal()

    first_quoted = text.translate(_TYPOGRAPHIC_QUOTES).lstrip()[:1] in ("'", '"')
    head = "" if first_quoted else words[0].lower()
    rest = words[1:]

    if head == "help":
        return Help()
    if head in ("list", "login", "logout"):
        if rest:
            return _no_arguments(head)
        if head == "list":
            return ListSessions()
        return Login() if head == "login" else Logout()
    if head == "status":
        return _parse_status(rest)
    if head == "unattended":
        return _parse_unattended(rest)

    details = _parse_details(words, example=EXAMPLE_START)
    if isinstance(details, ParseError):
        return details
    return _request(details, SessionKind.ATTENDED, name_required=True, example=EXAMPLE_START)


def _parse_status(rest: list[str]) -> Status | ParseError:
    if not rest:
        return ParseError(
            "Which session? `status` needs a session id (the card shows it at the bottom).",
            EXAMPLE_STATUS,
        )
    if len(rest) > 1:
        return ParseError("`status` takes one session id.", EXAMPLE_STATUS)
    try:
        return Status(clean_session_ref(rest[0]))
    except InvalidInput as exc:
        return ParseError(exc.message, EXAMPLE_STATUS)


def _parse_unattended(rest: list[str]) -> Start | FindMachine | ParseError:
    if not rest:
        return ParseError(
            "`unattended` needs the computer: its name (or part of it), `company/name`, or "
            "its machine UUID.",
            EXAMPLE_UNATTENDED_NAME,
        )
    first = _unescape(rest[0]).strip()
    machine_uuid: str | None = None
    if _UUID_LIKE.fullmatch(first):
        try:
            machine_uuid = clean_machine_uuid(first)
        except InvalidInput as exc:
            return ParseError(exc.message, EXAMPLE_UNATTENDED)
    elif first.startswith("<") or len(first) > MAX_MACHINE_QUERY or not first.strip("/"):
        return ParseError(
            f"{quote_value(first)} is not a machine name: give the computer's name as "
            "GoToAssist lists it (or part of it), or `company/name` in quotes.",
            EXAMPLE_UNATTENDED_COMPANY,
        )
    example = EXAMPLE_UNATTENDED if machine_uuid else EXAMPLE_UNATTENDED_NAME
    details = _parse_details(rest[1:], example=example)
    if isinstance(details, ParseError):
        return details
    started = _request(
        details,
        SessionKind.UNATTENDED,
        machine_uuid=machine_uuid,
        name_required=False,
        example=example,
    )
    if machine_uuid is not None or isinstance(started, ParseError):
        return started
    return FindMachine(first, started.request)
