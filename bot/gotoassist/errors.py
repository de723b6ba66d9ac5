"""Typed GoToAssist failures, each with a sentence a technician can act on."""

from __future__ import annotations

import json
from typing import Literal

__all__ = [
    "BadRequest",
    "Forbidden",
    "GoToAssistError",
    "InvalidResponse",
    "MethodNotAllowed",
    "NotFound",
    "RateLimited",
    "ServerError",
    "Timeout",
    "Unauthorized",
    "Unreachable",
    "error_for_status",
]

Operation = Literal["create", "get", "directory"]

_DETAIL_MAX = 200
_MESSAGE_KEYS = ("message", "msg", "error_description", "description", "error")
_CODE_KEYS = ("errorCode", "int_err_code", "code")


class GoToAssistError(Exception):
    """Base of every client failure. ``str(err)`` is ``user_message``."""

    default_message = "GoToAssist answered with an unexpected error."

    def __init__(
        self, user_message: str | None = None, *, status: int | None = None, detail: str = ""
    ) -> None:
        self.user_message = user_message or self.default_message
        self.status = status
        self.detail = detail
        super().__init__(self.user_message)


class BadRequest(GoToAssistError):
    default_message = (
        "GoToAssist refused the request as incomplete, or the support portal is not set up."
    )


class Unauthorized(GoToAssistError):
    default_message = (
        "GoToAssist rejected the access token, or this technician has no Remote Support seat."
    )


class Forbidden(GoToAssistError):
    default_message = (
        "GoToAssist denied access: the account lacks the role needed to start sessions."
    )
    invalid_token_message = "GoToAssist rejected the access token as invalid or expired."  # noqa: S105

    def __init__(
        self,
        user_message: str | None = None,
        *,
        status: int | None = 403,
        detail: str = "",
        invalid_token: bool = False,
    ) -> None:
        self.invalid_token = invalid_token
        if user_message is None and invalid_token:
            user_message = self.invalid_token_message
        super().__init__(user_message, status=status, detail=detail)


class NotFound(GoToAssistError):
    default_message = "GoToAssist has no such session for this account."
    machine_message = "GoToAssist could not find that machine (machineUuid) in your account."
    company_message = "GoToAssist has no such company (or its machine list) in this account."


class MethodNotAllowed(GoToAssistError):
    default_message = (
        "GoToAssist refused the request method (HTTP 405); this is a bug in remote-support."
    )


class RateLimited(GoToAssistError):
    default_message = "GoToAssist is rate limiting requests; try again in a moment."

    def __init__(
        self,
        user_message: str | None = None,
        *,
        status: int | None = 429,
        detail: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(user_message, status=status, detail=detail)


class ServerError(GoToAssistError):
    def __init__(
        self, user_message: str | None = None, *, status: int = 500, detail: str = ""
    ) -> None:
        message = user_message or f"GoToAssist had an internal error (HTTP {status})."
        super().__init__(message, status=status, detail=detail)


class Timeout(GoToAssistError):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"GoToAssist did not answer within {seconds:g} seconds.")


class Unreachable(GoToAssistError):
    """``request_sent`` is False only when no byte of the request left (connect failed)."""

    default_message = "Could not reach GoToAssist."

    def __init__(self, *, request_sent: bool, detail: str = "") -> None:
        self.request_sent = request_sent
        super().__init__(detail=detail)


class InvalidResponse(GoToAssistError):
    default_message = "GoToAssist sent a response that could not be read."


def error_for_status(
    status: int,
    body: bytes | str,
    *,
    operation: Operation,
    token: str | None = None,
    retry_after: float | None = None,
) -> GoToAssistError:
    """The typed error for a non-2xx answer. ``token`` is scrubbed from the quoted body."""
    detail, code = _describe_body(body, token)
    if status == 400:
        message = BadRequest.default_message
        if detail:
            message = f"{message} GoToAssist said: {detail}"
        return BadRequest(message, status=status, detail=detail)
    if status == 401:
        return Unauthorized(status=status, detail=detail)
    if status == 403:
        return Forbidden(status=status, detail=detail, invalid_token=code == "InvalidToken")
    if status == 404:
        found = {"create": NotFound.machine_message, "directory": NotFound.company_message}.get(
            operation
        )
        return NotFound(found, status=status, detail=detail)
    if status == 405:
        return MethodNotAllowed(status=status, detail=detail)
    if status == 429:
        return RateLimited(status=status, detail=detail, retry_after=retry_after)
    if status >= 500:
        return ServerError(status=status, detail=detail)
    return GoToAssistError(
        f"GoToAssist answered with an unexpected HTTP {status}.", status=status, detail=detail
    )


def clip_detail(text: str, token: str | None = None) -> str:
    """One line, no token, at most 200 characters."""
    if token:
        text = text.replace(token, "[redacted]")
    text = " ".join(text.split())
    if len(text) > _DETAIL_MAX:
        text = text[: _DETAIL_MAX - 1] + "…"
    return text


def _describe_body(body: bytes | str, token: str | None) -> tuple[str, str | None]:
    """(readable error text, machine error code) from an error body of any shape."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        data = json.loads(text)
    except ValueError:
        return clip_detail(text, token), None
    if not isinstance(data, dict):
        return clip_detail(text, token), None
    code = next((str(data[k]) for k in _CODE_KEYS if isinstance(data.get(k), str | int)), None)
    message = next((data[k] for k in _MESSAGE_KEYS if isinstance(data.get(k), str)), None)
    if message and code and code not in message:
        return clip_detail(f"{code}: {message}", token), code
    return clip_detail(message or code or text, token), code
