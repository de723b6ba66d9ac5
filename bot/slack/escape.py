"""mrkdwn escaping, truncation, links and dates: the only way outside text reaches Slack."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.slack.validators import is_http_url

ELLIPSIS = "…"
DEFAULT_DATE_FORMAT = "{date_short_pretty} {time}"

# A cut that ends inside one of the entities escape_mrkdwn produces.
_PARTIAL_ENTITY = re.compile(r"&(?:a|am|amp|l|lt|g|gt)?$")
_DATE_FORMAT_FORBIDDEN = re.compile(r"[|<>^]")


def escape_mrkdwn(text: str) -> str:
    """Escape the three control characters of Slack mrkdwn.

    That alone defuses ``<!channel>``, ``<@U123>``, ``<#C123>`` and ``<url|label>``.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in "…" when cut.

    Never ends inside an ``&amp;``/``&lt;``/``&gt;`` entity, so it is safe on escaped text.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if len(text) <= limit:
        return text
    head = text[: limit - len(ELLIPSIS)]
    head = _PARTIAL_ENTITY.sub("", head)
    return head + ELLIPSIS


def escape_truncated(text: str, limit: int) -> str:
    """Escape ``text`` and fit the escaped form into ``limit`` characters."""
    return truncate(escape_mrkdwn(text), limit)


def link(url: str | None, label: str, *, label_limit: int = 200) -> str:
    """``<url|label>`` with the label escaped, or just the escaped label if the URL is unsafe.

    The URL must be absolute http(s) without ``|``, ``<``, ``>`` or whitespace.
    """
    shown = escape_truncated(label, label_limit)
    if url is None or not is_http_url(url):
        return shown
    return f"<{url.replace('&', '&amp;')}|{shown}>"


def _as_utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def utc_text(dt: datetime) -> str:
    """``2026-11-28 14:05 UTC``: the text shown where Slack cannot localise a date."""
    return _as_utc(dt).strftime("%Y-%m-%d %H:%M UTC")


def slack_ago(dt: datetime) -> str:
    """``<!date^UNIX^{ago}|fallback>``: "5 minutes ago", as of when the reader looks at it."""
    return slack_date(dt, "{ago}")


def slack_date(dt: datetime, fmt: str = DEFAULT_DATE_FORMAT) -> str:
    """``<!date^UNIX^fmt|fallback>``: a time shown in each reader's own time zone.

    Naive datetimes are taken as UTC.
    """
    if _DATE_FORMAT_FORBIDDEN.search(fmt):
        raise ValueError("date format must not contain |, <, > or ^")
    moment = _as_utc(dt)
    return f"<!date^{int(moment.timestamp())}^{fmt}|{utc_text(moment)}>"
