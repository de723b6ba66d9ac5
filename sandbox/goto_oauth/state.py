"""The GoTo OAuth stand-in's shared state and configuration, and what the GoToAssist API asks
of it (whose access token is this?)."""

from __future__ import annotations

import secrets
import time

from sandbox.goto_oauth.records import (
    Access,
    Code,
    ExpiredStatus,
    Gate,
    Grant,
    OAuthClient,
    OAuthUser,
    Refresh,
    TokenCheck,
    TokenRequest,
    TokenState,
)


class OAuthState:
    """Clients, users, codes and tokens of the stand-in's OAuth server.

    Configuration is plain attributes, changeable at any time: ``access_token_ttl_s``,
    ``refresh_token_ttl_s``, ``code_ttl_s``, ``revoke_family_on_reuse`` (presenting a used
    refresh token or code revokes every token of that grant), ``rotate_refresh_tokens``
    (False: a refresh answers no new refresh token and the old one stays valid),
    ``expired_token_status`` (what the API answers an expired access token: 403 InvalidToken,
    the gateway behaviour, or 401) and ``scope`` (granted when the authorize request names none).
    """

    def __init__(
        self,
        *,
        account_key: str = "4200000001",
        gate: Gate | None = None,
        access_token_ttl_s: float = 3600.0,
        refresh_token_ttl_s: float = 30 * 86400.0,
        code_ttl_s: float = 60.0,
        revoke_family_on_reuse: bool = False,
        rotate_refresh_tokens: bool = True,
        expired_token_status: ExpiredStatus = 403,
        scope: str = "support:",
    ) -> None:
        self.account_key = account_key
        self.access_token_ttl_s = access_token_ttl_s
        self.refresh_token_ttl_s = refresh_token_ttl_s
        self.code_ttl_s = code_ttl_s
        self.revoke_family_on_reuse = revoke_family_on_reuse
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.expired_token_status: ExpiredStatus = expired_token_status
        self.scope = scope
        self.clients: dict[str, OAuthClient] = {}
        self.users: dict[str, OAuthUser] = {}  # by email
        self.token_requests: list[TokenRequest] = []
        self.approving_user: str | None = None
        self.auto_approve = False
        self._gate = gate
        self._codes: dict[str, Code] = {}
        self._grants: dict[str, Grant] = {}
        self._access: dict[str, Access] = {}
        self._refresh: dict[str, Refresh] = {}

    # -- configuration -------------------------------------------------------------------------

    def add_oauth_client(
        self, client_id: str, client_secret: str, redirect_uris: list[str]
    ) -> None:
        """Register (or replace) a client. Redirect URIs must later match exactly."""
        self.clients[client_id] = OAuthClient(client_id, client_secret, list(redirect_uris))

    def add_user(
        self,
        email: str,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        seat: bool = True,
    ) -> OAuthUser:
        """Add a user (or update one, keeping its user key). Names default from the email."""
        local = email.partition("@")[0].replace("_", ".").split(".")
        default_first = local[0].title() or "Stand-in"
        default_last = " ".join(part.title() for part in local[1:]) or "Technician"
        existing = self.users.get(email)
        user_key = existing.user_key if existing else str(8_000_000_000_000_000 + len(self.users))
        user = OAuthUser(
            email=email,
            first_name=default_first if first_name is None else first_name,
            last_name=default_last if last_name is None else last_name,
            user_key=user_key,
            seat=seat,
        )
        self.users[email] = user
        return user

    def approve_as(self, email: str | None, *, auto_approve: bool = False) -> None:
        """Who the consent page logs in as by default (None: the form must name the user).

        ``auto_approve``: a signed-in user who already consented, so ``GET /oauth/authorize``
        redirects with a code at once and a test can read ``Location`` without any form.
        """
        if email is not None and email not in self.users:
            raise KeyError(f"no stand-in user {email!r}")
        self.approving_user = email
        self.auto_approve = auto_approve and email is not None

    def revoke_user(self, email: str) -> None:
        """Every token of the user stops working (API 401, refresh ``invalid_grant``)."""
        if email not in self.users:
            raise KeyError(f"no stand-in user {email!r}")
        for grant in self._grants.values():
            if grant.email == email:
                grant.revoked = True
        for value in [v for v, code in self._codes.items() if code.email == email]:
            del self._codes[value]

    def expire_access_tokens(self, email: str | None = None) -> int:
        """Expire now the live access tokens (of ``email``, or everyone's); how many."""
        now = time.monotonic()
        expired = 0
        for access in self._access.values():
            if access.expires_at > now and (
                email is None or self._grants[access.grant_id].email == email
            ):
                access.expires_at = now
                expired += 1
        return expired

    def reset_records(self) -> None:
        self.token_requests.clear()

    # -- what the API asks -----------------------------------------------------------------------

    def identify(self, access_token: str) -> TokenCheck | None:
        """The user an access token was issued to and whether it still works; None if unknown."""
        access = self._access.get(access_token)
        if access is None:
            return None
        grant = self._grants[access.grant_id]
        state: TokenState = "valid"
        if access.revoked or grant.revoked:
            state = "revoked"
        elif time.monotonic() >= access.expires_at:
            state = "expired"
        return TokenCheck(user=self.users[grant.email], client_id=grant.client_id, state=state)

    def principal_of(self, access_token: str | None) -> str | None:
        """The email of the user an access token was issued to (valid or not), else None."""
        access = self._access.get(access_token) if access_token else None
        return self._grants[access.grant_id].email if access else None

    def _client(self, client_id: str | None, secret: str | None) -> OAuthClient | None:
        client = self.clients.get(client_id or "")
        if client is None or secret is None:
            return None
        if not secrets.compare_digest(client.client_secret.encode(), secret.encode()):
            return None
        return client
