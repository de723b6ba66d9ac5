"""What the GoTo OAuth stand-in holds and records: clients, users, grants, codes, tokens and
token requests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Gate = Callable[[Literal["token", "revoke"]], Awaitable[web.Response | None]]
"""Run before the token or revoke endpoint does anything (given which): a response replaces
it (fault injection)."""
TokenState = Literal["valid", "expired", "revoked"]
ExpiredStatus = Literal[401, 403]
AUTHORIZE_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a path, not a secret
REVOKE_PATH = "/oauth/revoke"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass
class OAuthClient:
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uris: list[str] = field(default_factory=list)


@dataclass
class OAuthUser:
    """A GoTo user. ``user_key`` (the organizer key) owns the sessions the user creates."""

    email: str
    first_name: str
    last_name: str
    user_key: str
    seat: bool = True  # without a Remote Support seat the API answers 401

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class TokenRequest:
    """One ``/oauth/token`` or ``/oauth/revoke`` request. ``time`` is ``time.monotonic()``.

    ``outcome`` is ``"pending"`` until answered, then ``"ok"``, the OAuth error code
    (``invalid_client``, ``invalid_grant``, ``invalid_request``, ``unsupported_grant_type``) or
    ``"injected"`` (a ``fail_next``/``hang_next`` fault answered instead). ``client_id`` is
    the one the Basic header claimed, even when the secret was wrong. ``account`` is the email of
    the user whose code or refresh token was presented, when it is known.
    """

    endpoint: Literal["token", "revoke"]
    grant_type: str | None
    client_id: str | None
    time: float
    outcome: str = "pending"
    status: int | None = None
    account: str | None = None


@dataclass(frozen=True)
class TokenCheck:
    """What the API learns from an access token this server issued."""

    user: OAuthUser
    client_id: str
    state: TokenState


@dataclass
class Grant:
    """One authorization (a code exchange) and every token descended from it: a family."""

    id: str
    client_id: str
    email: str
    scope: str
    revoked: bool = False


@dataclass
class Code:
    client_id: str
    redirect_uri: str
    email: str
    scope: str
    expires_at: float
    grant_id: str | None = None  # set once exchanged: a second use is a reuse
    code_challenge: str | None = None  # PKCE (S256): the exchange must bring its verifier


@dataclass
class Access:
    grant_id: str
    expires_at: float
    revoked: bool = False


@dataclass
class Refresh:
    grant_id: str
    expires_at: float
    used: bool = False


@dataclass(frozen=True)
class AuthRequest:
    client: OAuthClient
    redirect_uri: str
    response_type: str | None
    state: str | None
    scope: str | None
    code_challenge: str | None = None


class BadAuthorize(Exception):
    """An authorize request that must not redirect: the user sees a 400 page."""
