from __future__ import annotations

import pytest

from bot.sessions.model import SessionKind, SessionRequest
from bot.slack.command_text import (
    EXAMPLE_START,
    EXAMPLE_STATUS,
    EXAMPLE_UNATTENDED,
    EXAMPLE_UNATTENDED_COMPANY,
    EXAMPLE_UNATTENDED_NAME,
    Command,
    FindMachine,
    Help,
    ListSessions,
    Login,
    Logout,
    OpenModal,
    ParseError,
    Start,
    Status,
    parse_command,
)

UUID = "3f2a9c4e-8b1d-4e6f-a0c2-5d7e9b1f3a60"
ATTENDED = SessionKind.ATTENDED
UNATTENDED = SessionKind.UNATTENDED


def attended(
    name: str,
    email: str | None = None,
    ticket: str | None = None,
    url: str | None = None,
) -> Start:
    return Start(
        SessionRequest(
            kind=ATTENDED,
            customer_name=name,
            customer_email=email,
            partner_object=ticket,
            partner_object_url=url,
        )
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", OpenModal()),
        ("   ", OpenModal()),
        ("\n\t", OpenModal()),
        ('""', OpenModal()),
        ("help", Help()),
        ("HELP", Help()),
        ("Help me please", Help()),
        ("list", ListSessions()),
        ("List", ListSessions()),
        ("login", Login()),
        ("LogIn", Login()),
        ("logout", Logout()),
        ("  logout  ", Logout()),
        ("status 123456789", Status("123456789")),
        ("STATUS 3f2a9c4e", Status("3f2a9c4e")),
        ("status abc-DEF_1", Status("abc-DEF_1")),
        ("status #123456789", Status("123456789")),
        ("status " + "a" * 64, Status("a" * 64)),
    ],
)
def test_subcommands(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the design's example
        ("Jane Doe jane@example.com #4521", attended("Jane Doe", "jane@example.com", "4521")),
        # order does not matter; name words need not be together
        ("#4521 jane@example.com Jane Doe", attended("Jane Doe", "jane@example.com", "4521")),
        ("Jane jane@example.com Doe", attended("Jane Doe", "jane@example.com")),
        ("Jane Doe", attended("Jane Doe")),
        ("Jane    Doe\t #4521", attended("Jane Doe", ticket="4521")),
        ("Jane\u00a0Doe", attended("Jane Doe")),
        # quotes
        ('"Jane Doe" jane@example.com', attended("Jane Doe", "jane@example.com")),
        ("'Jane Doe' #4521", attended("Jane Doe", ticket="4521")),
        ('"Jane  Doe"', attended("Jane Doe")),
        ('Jane "" Doe', attended("Jane Doe")),
        ('"Help desk" #1', attended("Help desk", ticket="1")),
        ('"list"', attended("list")),
        ("'status' 123", attended("status 123")),
        # typographic quotes as Slack clients insert them
        ("\u201cJane Doe\u201d jane@example.com", attended("Jane Doe", "jane@example.com")),
        ("\u2018Jane Doe\u2019 #4521", attended("Jane Doe", ticket="4521")),
        ("\u201eJane Doe\u201c", attended("Jane Doe")),
        # apostrophes inside names are letters, typographic or not
        ("Jane O'Brien", attended("Jane O'Brien")),
        ("Jane O\u2019Brien #7", attended("Jane O'Brien", ticket="7")),
        ('"Jane O\'Brien" jane@example.com', attended("Jane O'Brien", "jane@example.com")),
        ("'Jane O'Brien'", attended("Jane O'Brien")),
        # backslashes are kept, # is not a comment
        ("ACME\\jane", attended("ACME\\jane")),
        # Slack's wrapped e-mail and links
        (
            "Jane <mailto:jane@example.com|jane@example.com>",
            attended("Jane", "jane@example.com"),
        ),
        ("Jane <mailto:jane@example.com>", attended("Jane", "jane@example.com")),
        ("Jane mailto:jane@example.com", attended("Jane", "jane@example.com")),
        (
            "Jane <https://help.example.com/tickets/4521>",
            attended("Jane", ticket="4521", url="https://help.example.com/tickets/4521"),
        ),
        (
            "Jane <https://help.example.com/tickets/4521|help.example.com/tickets/4521>",
            attended("Jane", ticket="4521", url="https://help.example.com/tickets/4521"),
        ),
        (
            "Jane <HTTPS://help.example.com/browse/PROJ-123|PROJ 123 with spaces>",
            attended("Jane", ticket="PROJ-123", url="HTTPS://help.example.com/browse/PROJ-123"),
        ),
        (
            "Jane <https://help.example.com/view.php?ticket=77&amp;lang=en>",
            attended(
                "Jane", ticket="77", url="https://help.example.com/view.php?ticket=77&lang=en"
            ),
        ),
        (
            "Jane https://help.example.com/tickets/4521/",
            attended("Jane", ticket="4521", url="https://help.example.com/tickets/4521/"),
        ),
        # no id-looking part: URL kept, no ticket id invented
        (
            "Jane https://help.example.com/tickets",
            attended("Jane", url="https://help.example.com/tickets"),
        ),
        # an explicit #id wins over the URL's
        (
            "Jane #4521 https://help.example.com/tickets/9999",
            attended("Jane", ticket="4521", url="https://help.example.com/tickets/9999"),
        ),
        # ticket id characters
        ("Jane #INC-42.a/b_c", attended("Jane", ticket="INC-42.a/b_c")),
        ("Jane #" + "a" * 64, attended("Jane", ticket="a" * 64)),
        # mentions and markup used as a name are kept literally (escaped when rendered)
        ("<!channel> <@U123> &amp; &lt;b&gt;", attended("<!channel> <@U123> & <b>")),
        ("Jane <@U123|jane>", attended("Jane <@U123|jane>")),
        ("<#C123|general> jane@example.com", attended("<#C123|general>", "jane@example.com")),
        ("AT&amp;T Support", attended("AT&T Support")),
        # e-mail shapes
        (
            "Jane JANE.DOE+tag@Mail.Example.co.uk",
            attended("Jane", "JANE.DOE+tag@Mail.Example.co.uk"),
        ),
        ("Jane o'brien@example.com", attended("Jane", "o'brien@example.com")),
        # 100 characters is the limit, inclusive
        ("x" * 100, attended("x" * 100)),
    ],
)
def test_attended_start(text: str, expected: Start) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"unattended {UUID}", SessionRequest(kind=UNATTENDED, machine_uuid=UUID)),
        (f"UNATTENDED {UUID.upper()}", SessionRequest(kind=UNATTENDED, machine_uuid=UUID)),
        (f"unattended {{{UUID}}}", SessionRequest(kind=UNATTENDED, machine_uuid=UUID)),
        (
            f"unattended {UUID} Jane Doe jane@example.com #4521",
            SessionRequest(
                kind=UNATTENDED,
                customer_name="Jane Doe",
                customer_email="jane@example.com",
                partner_object="4521",
                machine_uuid=UUID,
            ),
        ),
        (
            f"unattended {UUID} #4521",
            SessionRequest(kind=UNATTENDED, partner_object="4521", machine_uuid=UUID),
        ),
        (
            f"unattended {UUID} <https://help.example.com/tickets/88>",
            SessionRequest(
                kind=UNATTENDED,
                partner_object="88",
                partner_object_url="https://help.example.com/tickets/88",
                machine_uuid=UUID,
            ),
        ),
    ],
)
def test_unattended_start(text: str, expected: SessionRequest) -> None:
    assert parse_command(text) == Start(expected)


@pytest.mark.parametrize(
    ("text", "query", "expected"),
    [
        ("unattended FRONTDESK-02", "FRONTDESK-02", SessionRequest(kind=UNATTENDED)),
        ("unattended front", "front", SessionRequest(kind=UNATTENDED)),
        (
            'unattended "Acme Corp/FRONTDESK-02" Jane Doe #4521',
            "Acme Corp/FRONTDESK-02",
            SessionRequest(kind=UNATTENDED, customer_name="Jane Doe", partner_object="4521"),
        ),
        ("unattended Acme/front", "Acme/front", SessionRequest(kind=UNATTENDED)),
        ("unattended AT&amp;T/pc", "AT&T/pc", SessionRequest(kind=UNATTENDED)),
    ],
)
def test_unattended_by_name(text: str, query: str, expected: SessionRequest) -> None:
    """Anything but a UUID is looked up by name; the rest of the words are the request."""
    assert parse_command(text) == FindMachine(query, expected)


@pytest.mark.parametrize(
    ("text", "in_message", "example"),
    [
        # quotes
        ('Jane "Doe', "unmatched double quote", None),
        ("Jane 'Doe", "unmatched single quote", None),
        ("\u201cJane Doe", "unmatched double quote", None),
        ("\u2018Jane Doe", "unmatched single quote", None),
        # subcommands
        ("status", "needs a session id", EXAMPLE_STATUS),
        ("status   ", "needs a session id", EXAMPLE_STATUS),
        ("status 1 2", "one session id", EXAMPLE_STATUS),
        ("status <@U123>", "not a session id", EXAMPLE_STATUS),
        ("status a*b", "not a session id", EXAMPLE_STATUS),
        ("status " + "a" * 65, "not a session id", EXAMPLE_STATUS),
        ("list all", "`list` takes nothing", "/remote-support list"),
        ("login now", "`login` takes nothing", "/remote-support login"),
        ("logout me", "`logout` takes nothing", "/remote-support logout"),
        # unattended
        ("unattended", "machine UUID", EXAMPLE_UNATTENDED_NAME),
        ("unattended /", "not a machine name", EXAMPLE_UNATTENDED_COMPANY),
        ("unattended <@U123>", "not a machine name", EXAMPLE_UNATTENDED_COMPANY),
        ("unattended PC-01 a@example.com b@example.com", "Two e-mail", EXAMPLE_UNATTENDED_NAME),
        ("unattended 3f2a9c4e-8b1d-4e6f-a0c2-5d7e9b1f3a6", "not a machine UUID", None),
        ("unattended 3f2a9c4e8b1d4e6fa0c25d7e9b1f3a60", "not a machine UUID", None),
        (f"unattended {UUID} a@example.com b@example.com", "Two e-mail", EXAMPLE_UNATTENDED),
        (f"unattended {UUID} jane@", "not a valid e-mail", EXAMPLE_UNATTENDED),
        # duplicates
        ("Jane a@example.com b@example.com", "Two e-mail addresses", EXAMPLE_START),
        (
            "Jane <mailto:a@example.com|a@example.com> a@example.com",
            "Two e-mail addresses",
            EXAMPLE_START,
        ),
        ("Jane #1 #2", "Two ticket ids", EXAMPLE_START),
        ("Jane https://a.example.com/1 <https://b.example.com/2>", "Two links", None),
        # malformed e-mail-looking words
        ("Jane jane@", "not a valid e-mail", EXAMPLE_START),
        ("Jane @jane", "not a valid e-mail", EXAMPLE_START),
        ("Jane jane@@example.com", "not a valid e-mail", EXAMPLE_START),
        ("Jane jane@example", "not a valid e-mail", EXAMPLE_START),
        ("Jane jane@exa_mple.com", "not a valid e-mail", EXAMPLE_START),
        ("Jane jane..doe@example.com", "not a valid e-mail", EXAMPLE_START),
        ("Jane jane@example.com,", "not a valid e-mail", EXAMPLE_START),
        ("Jane <mailto:not-an-email|not-an-email>", "not a valid e-mail", EXAMPLE_START),
        ("Jane " + "a" * 65 + "@example.com", "not a valid e-mail", EXAMPLE_START),
        # tickets
        ("Jane #", "ticket id is empty", EXAMPLE_START),
        ("Jane #bad!id", "not a ticket id", EXAMPLE_START),
        ("Jane ##4521", "not a ticket id", EXAMPLE_START),
        ("Jane #" + "a" * 65, "limit is 64", EXAMPLE_START),
        # links
        ("Jane http://", "not a usable ticket link", None),
        ("Jane <https://exa mple.com/x>", "not a usable ticket link", None),
        ("Jane https://example.com/" + "a" * 2001, "limit is 2000", None),
        # name
        ("jane@example.com #4521", "Who is the customer", EXAMPLE_START),
        ("#4521", "Who is the customer", EXAMPLE_START),
        ("https://help.example.com/tickets/4521", "Who is the customer", EXAMPLE_START),
        ("x" * 101, "limit is 100", EXAMPLE_START),
        ("Jane " + "x" * 96, "limit is 100", EXAMPLE_START),
    ],
)
def test_errors(text: str, in_message: str, example: str | None) -> None:
    result = parse_command(text)
    assert isinstance(result, ParseError), result
    assert in_message in result.message
    assert result.example.startswith("/remote-support ")
    if example is not None:
        assert result.example == example
    # the example given must itself parse
    example_text = result.example.removeprefix("/remote-support").strip()
    assert not isinstance(parse_command(example_text), ParseError)


def test_unbalanced_quote_error_names_it() -> None:
    result = parse_command('Jane "Doe')
    assert isinstance(result, ParseError)
    assert '"' in result.message


def test_long_typed_value_is_shortened_in_the_message() -> None:
    result = parse_command("Jane " + "a" * 500 + "@")
    assert isinstance(result, ParseError)
    assert len(result.message) < 250


def test_private_use_characters_cannot_smuggle_words() -> None:
    # the parser uses private-use code points internally; typed ones are dropped
    result = parse_command("Jane\ue100 Doe\ue000")
    assert result == attended("Jane Doe")


def test_a_quoted_phrase_is_the_name_even_with_markup_slack_escaped() -> None:
    # Slack sends `"<!channel> <@U123> & <b>"` typed literally as entity-escaped text.
    parsed = parse_command('"&lt;!channel&gt; &lt;@U123&gt; &amp; &lt;b&gt;" jane@example.com')
    assert isinstance(parsed, Start)
    assert parsed.request.customer_name == "<!channel> <@U123> & <b>"
    assert parsed.request.customer_email == "jane@example.com"
