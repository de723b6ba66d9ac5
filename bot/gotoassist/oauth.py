"""GoTo OAuth 2.0 (authorization code and refresh token grants) for per-technician accounts."""

from __future__ import annotations

import base64
import json
import logging
from datetime import datetime, timedelta
from urllib.parse import urlencode

import aiohttp
from pydantic import BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger(__name__)


class TokenSet(BaseModel):
    """The token endpoint's answer. Tokens never appear in repr."""

    model_config = ConfigDict(extra="ignore")

    access_token: str = Field(repr=False)
    refresh_token: str | None = Field(default=None, repr=False)
    expires_in: int = 3600
    principal: str | None = None
    email: str | None = None

    def expires_at(self, now: datetime) -> datetime:
        return now + timedelta(seconds=max(self.expires_in, 0))

    @property
    def who(self) -> str | None:
        return self.principal or self.email


class OAuthError(Exception):
    """The token endpoint refused or could not be reached. ``revoked``: the grant is dead
    (invalid_grant), so the technician must link the account again."""

    def __init__(self, message: str, *, revoked: bool = False) -> None:
        super().__init__(message)
        self.revoked = revoked


class GoToOAuth:
    def __init__(
        self,
        http: aiohttp.ClientSession,
        auth_url: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        *,
        timeout_s: float = 10.0,
    ) -> None:
        self._http = http
        self._auth_url = auth_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self.redirect_uri = redirect_uri
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    def authorize_url(self, state: str, code_challenge: str) -> str:
        query = urlencode(
            {
                "client_id": self._client_id,
                "response_type": "code",
                "redirect_uri": self.redirect_uri,
                "state": state,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{self._auth_url}/oauth/authorize?{query}"

    async def exchange_code(self, code: str, code_verifier: str) -> TokenSet:
        return await self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_uri,
                "code_verifier": code_verifier,
            }
        )

    async def refresh(self, refresh_token: str) -> TokenSet:
        return await self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def revoke(self, token: str, hint: str) -> bool:
        """Ask GoTo to revoke ``token`` (RFC 7009 ``/oauth/revoke``; a refresh token takes
        its whole grant with it). Best effort: True only when GoTo confirmed; never raises."""
        try:
            async with self._http.post(
                f"{self._auth_url}/oauth/revoke",
                data={"token": token, "token_type_hint": hint},
                headers={"Authorization": self._basic(), "Accept": "application/json"},
                timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                await response.read()
                confirmed = response.status == 200
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("GoTo token revocation could not be sent (%s)", type(exc).__name__)
            return False
        if not confirmed:
            log.warning("GoTo refused the token revocation (%s)", response.status)
        return confirmed

    def _basic(self) -> str:
        pair = f"{self._client_id}:{self._client_secret}".encode()
        return "Basic " + base64.b64encode(pair).decode()

    async def _token(self, form: dict[str, str]) -> TokenSet:
        try:
            async with self._http.post(
                f"{self._auth_url}/oauth/token",
                data=form,
                headers={"Authorization": self._basic(), "Accept": "application/json"},
                timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                raw = await response.read()
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            reason = type(exc).__name__
            raise OAuthError(f"GoTo's sign-in service could not be reached ({reason})") from None
        if status != 200:
            error = _error_code(raw)
            raise OAuthError(
                f"GoTo's sign-in service refused the request ({status} {error})",
                revoked=error in ("invalid_grant", "unauthorized_client"),
            )
        try:
            return TokenSet.model_validate(json.loads(raw))
        except (ValueError, ValidationError):
            raise OAuthError("GoTo's sign-in service sent an unreadable answer") from None


def _error_code(raw: bytes) -> str:
    try:
        data = json.loads(raw)
    except ValueError:
        return "error"
    if isinstance(data, dict):
        return str(data.get("error", "error"))[:40]
    return "error"
