"""GoToAssist Remote Support: API client, payload models and typed errors."""

from bot.gotoassist.client import GoToAssistClient
from bot.gotoassist.errors import (
    BadRequest,
    Forbidden,
    GoToAssistError,
    InvalidResponse,
    MethodNotAllowed,
    NotFound,
    RateLimited,
    ServerError,
    Timeout,
    Unauthorized,
    Unreachable,
)
from bot.gotoassist.models import (
    CreateSessionRequest,
    CreateSessionResponse,
    SessionInfo,
    StartScreenSharing,
)

__all__ = [
    "BadRequest",
    "CreateSessionRequest",
    "CreateSessionResponse",
    "Forbidden",
    "GoToAssistClient",
    "GoToAssistError",
    "InvalidResponse",
    "MethodNotAllowed",
    "NotFound",
    "RateLimited",
    "ServerError",
    "SessionInfo",
    "StartScreenSharing",
    "Timeout",
    "Unauthorized",
    "Unreachable",
]
