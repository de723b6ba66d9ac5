"""Block Kit limits the Slack stand-in enforces on messages and views (Slack's own error
texts, with JSON pointers)."""

from __future__ import annotations

from typing import Any, Literal

from sandbox.slack.records import MAX_VIEW_BLOCKS


def text_object_errors(obj: Any, max_len: int, pointer: str, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, dict):
        return [f"must be an object [json-pointer:{pointer}]"]
    kinds = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    errors: list[str] = []
    if obj.get("type") not in kinds:
        errors.append(f"must be one of {', '.join(kinds)} [json-pointer:{pointer}/type]")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        errors.append(f"must be more than 0 characters [json-pointer:{pointer}/text]")
    elif len(text) > max_len:
        errors.append(f"must be less than {max_len + 1} characters [json-pointer:{pointer}/text]")
    return errors


def block_errors(blocks: Any, max_blocks: int) -> list[str]:
    if not isinstance(blocks, list):
        return ["must be an array [json-pointer:/blocks]"]
    errors: list[str] = []
    if len(blocks) > max_blocks:
        errors.append(f"must be less than {max_blocks + 1} items [json-pointer:/blocks]")
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        p = f"/blocks/{i}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            errors.append(f"must provide an object with a string type [json-pointer:{p}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or not block_id or len(block_id) > 255:
                errors.append(f"must be 1 to 255 characters [json-pointer:{p}/block_id]")
            elif block_id in seen:
                errors.append(f"duplicate block_id {block_id!r} [json-pointer:{p}/block_id]")
            else:
                seen.add(block_id)
        kind = block["type"]
        if kind == "section":
            text, fields = block.get("text"), block.get("fields")
            if text is None and not fields:
                errors.append(f"must provide either text or fields [json-pointer:{p}]")
            if text is not None:
                errors.extend(text_object_errors(text, 3000, f"{p}/text"))
            if fields is not None:
                if not isinstance(fields, list) or len(fields) > 10:
                    errors.append(f"must be an array of at most 10 items [json-pointer:{p}/fields]")
                else:
                    for j, f in enumerate(fields):
                        errors.extend(text_object_errors(f, 2000, f"{p}/fields/{j}"))
        elif kind == "header":
            errors.extend(text_object_errors(block.get("text"), 150, f"{p}/text", True))
        elif kind in ("context", "actions"):
            limit = 10 if kind == "context" else 25
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements or len(elements) > limit:
                errors.append(f"must be an array of 1 to {limit} items [json-pointer:{p}/elements]")
    return errors


def view_errors(view: Any, expect: Literal["modal", "home"]) -> list[str]:
    if not isinstance(view, dict):
        return ["must provide an object [json-pointer:/view]"]
    errors: list[str] = []
    if view.get("type") != expect:
        errors.append(f"must be {expect!r} [json-pointer:/view/type]")
    if expect == "modal":
        errors.extend(text_object_errors(view.get("title"), 24, "/view/title", True))
        for key in ("submit", "close"):
            if view.get(key) is not None:
                errors.extend(text_object_errors(view[key], 24, f"/view/{key}", True))
    blocks = view.get("blocks")
    if blocks is None:
        errors.append("must provide blocks [json-pointer:/view/blocks]")
    else:
        errors.extend(
            e.replace("json-pointer:/", "json-pointer:/view/")
            for e in block_errors(blocks, MAX_VIEW_BLOCKS)
        )
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if expect == "modal" and has_input and view.get("submit") is None:
            errors.append("must provide submit when input blocks are present [json-pointer:/view]")
    for key, limit in (("private_metadata", 3000), ("callback_id", 255), ("external_id", 255)):
        value = view.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            errors.append(
                f"must be a string of at most {limit} characters [json-pointer:/view/{key}]"
            )
    return errors
