"""Logging: JSON lines (default) or console text; secrets are scrubbed at every level."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

# Shapes of credentials that must never be written out, whatever logged them.
_PATTERNS = [
    re.compile(r"xox[abposr]-[A-Za-z0-9-]+"),
    re.compile(r"xapp-[A-Za-z0-9-]+"),
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(bearer|oauth)\s+[^\s'\",]+"),
    re.compile(r"(?i)(oauth_token=)[^\s&'\",]+"),
    re.compile(r"/gotoassist/callbacks/[A-Za-z0-9_-]+"),
    re.compile(r"(?i)(launch|start)[A-Za-z_]*url['\"]?\s*[:=]\s*['\"]?[^\s'\",]+"),
]


class Redactor(logging.Filter):
    """Replaces known secret values and credential-shaped text with [redacted]."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        for pattern in _PATTERNS:
            text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "[redacted]", text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = self.scrub(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info:
            record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            entry["error"] = record.exc_text
        return json.dumps(entry)


def configure(level: str, fmt: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(Redactor(secrets))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Library loggers at DEBUG print request bodies (start links, tokens): never below INFO.
    # SQLAlchemy at INFO echoes every statement with its parameters: WARNING only.
    floor = max(logging.INFO, logging.getLevelName(level))
    for noisy in ("slack_sdk", "slack_bolt", "aiohttp", "asyncio", "urllib3"):
        logging.getLogger(noisy).setLevel(floor)
    for chatty in ("sqlalchemy", "alembic", "aiosqlite"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, logging.getLevelName(level)))
