from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.slack.escape import escape_mrkdwn, escape_truncated, link, slack_date, truncate, utc_text


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("Jane Doe", "Jane Doe"),
        ("<!channel>", "&lt;!channel&gt;"),
        ("<@U123>", "&lt;@U123&gt;"),
        ("<#C123|general>", "&lt;#C123|general&gt;"),
        ("<https://evil.example|click>", "&lt;https://evil.example|click&gt;"),
        ("AT&T", "AT&amp;T"),
        ("&amp;", "&amp;amp;"),
        ("a > b < c", "a &gt; b &lt; c"),
        ("", ""),
    ],
)
def test_escape_mrkdwn(raw: str, escaped: str) -> None:
    assert escape_mrkdwn(raw) == escaped


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("exactly10!", 10, "exactly10!"),
        ("eleven chars", 11, "eleven cha…"),
        ("abcdef", 1, "…"),
        # never leaves half an entity behind
        ("ab&amp;cd", 6, "ab…"),
        ("ab&lt;cd", 5, "ab…"),
        ("ab&gt;cd", 6, "ab…"),
        ("ab&amp;cd", 8, "ab&amp;…"),
    ],
)
def test_truncate(text: str, limit: int, expected: str) -> None:
    result = truncate(text, limit)
    assert result == expected
    assert len(result) <= limit


def test_truncate_rejects_silly_limit() -> None:
    with pytest.raises(ValueError):
        truncate("abc", 0)


def test_escape_truncated_fits_escaped_length() -> None:
    result = escape_truncated("&" * 1000, 100)
    assert len(result) <= 100
    assert result.endswith("…")
    assert result[:-1].replace("&amp;", "") == ""


def test_slack_date_format_and_fallback() -> None:
    moment = datetime(2026, 11, 28, 14, 5, 30, tzinfo=UTC)
    assert slack_date(moment) == (
        f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|2026-11-28 14:05 UTC>"
    )
    assert slack_date(moment, "{date_num}") == (
        f"<!date^{int(moment.timestamp())}^{{date_num}}|2026-11-28 14:05 UTC>"
    )


def test_slack_date_converts_other_zones_and_naive_is_utc() -> None:
    cet = timezone(timedelta(hours=1))
    aware = datetime(2026, 11, 28, 15, 5, tzinfo=cet)
    naive = datetime(2026, 11, 28, 14, 5)
    assert utc_text(aware) == "2026-11-28 14:05 UTC"
    assert slack_date(aware) == slack_date(naive)


@pytest.mark.parametrize("fmt", ["{date}|x", "{date}>", "{date}^https://x", "<{date}"])
def test_slack_date_rejects_breaking_formats(fmt: str) -> None:
    with pytest.raises(ValueError):
        slack_date(datetime(2026, 1, 1, tzinfo=UTC), fmt)


def test_link_valid_url_escapes_label_and_ampersands() -> None:
    assert link("https://help.example.com/t?a=1&b=2", "#4521 <b>") == (
        "<https://help.example.com/t?a=1&amp;b=2|#4521 &lt;b&gt;>"
    )


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "javascript:alert(1)",
        "ftp://files.example.com/x",
        "https://example.com/a|b",
        "https://example.com/<!channel>",
        "https://example.com/a>b",
        "https://exa mple.com/",
        "https:///nohost",
        "//example.com/x",
        "https://example.com:notaport/",
        "https://example.com/" + "a" * 2100,
    ],
)
def test_link_unsafe_url_is_plain_escaped_label(url: str | None) -> None:
    assert link(url, "Ticket <@U1>") == "Ticket &lt;@U1&gt;"
