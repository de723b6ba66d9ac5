"""Block Kit messages as plain text, the way a reader would take them in (demo output)."""

from __future__ import annotations

import re
from typing import Any

_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_BARE_LINK = re.compile(r"<(https?://[^|>]+)>")
_USER = re.compile(r"<@(\w+)>")


def plain(text: str) -> str:
    """mrkdwn as shown: dates in their fallback, links as 'label (url)', entities decoded."""
    text = _DATE.sub(r"\1", text)
    text = _LINK.sub(r"\2 (\1)", text)
    text = _BARE_LINK.sub(r"\1", text)
    text = _USER.sub(r"@\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text_of(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return str(obj or "")


def render(text: str, blocks: list[dict[str, Any]] | None) -> list[str]:
    """Lines a person would read for a message."""
    if not blocks:
        return [plain(line) for line in text.splitlines()]
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind in ("header", "section"):
            if block.get("text"):
                lines.extend(plain(_text_of(block["text"])).splitlines())
            for item in block.get("fields", []) or []:
                lines.extend("  " + line for line in plain(_text_of(item)).splitlines())
        elif kind == "context":
            parts = [plain(_text_of(element)) for element in block.get("elements", [])]
            lines.append("  " + " | ".join(part for part in parts if part))
        elif kind == "actions":
            buttons = [f"[{plain(_text_of(e.get('text')))}]" for e in block.get("elements", [])]
            lines.append("  " + " ".join(buttons))
        elif kind == "divider":
            lines.append("  ---")
    return lines
