"""Which ``response_url`` values the app may POST to.

A ``response_url`` arrives inside the request body, so whoever can get a request acted on
chooses where the app's answer (which may hold a start link) is sent. Only Slack's own hook
hosts over HTTPS qualify, plus the origin of ``SLACK_API_URL`` when it is not Slack's (the
demo's and the tests' stand-in, which serves both the Web API and the response URLs).
"""

from __future__ import annotations

from urllib.parse import urlsplit

SLACK_HOOK_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})


def _origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, parts.hostname.lower(), port or default


def is_allowed(url: str, api_url: str) -> bool:
    """True when ``url`` points at Slack's hooks (HTTPS) or at the configured API's origin."""
    origin = _origin(url)
    if origin is None:
        return False
    scheme, host, port = origin
    if scheme == "https" and host in SLACK_HOOK_HOSTS and port == 443:
        return True
    api = _origin(api_url)
    if api is None or api[1].endswith("slack.com"):
        return False  # against real Slack, only its hook hosts answer response URLs
    return origin == api
