"""``/oauth/token`` (authorization code and refresh token grants) and ``/oauth/revoke``."""

from __future__ import annotations

import base64
import hashlib
import math
import secrets
import time
from collections.abc import Mapping
from typing import Any

from aiohttp import BasicAuth, web

from sandbox.goto_oauth.records import (
    NO_STORE,
    Access,
    Grant,
    OAuthClient,
    Refresh,
    TokenRequest,
)
from sandbox.goto_oauth.state import OAuthState


class TokenEndpoint(OAuthState):
    """Codes and refresh tokens exchanged for access tokens; revocation."""

    async def _token(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        client_id, secret = basic(request.headers.get("Authorization"))
        form = strings(await request.post())
        record = TokenRequest("token", form.get("grant_type"), client_id, arrived)
        self.token_requests.append(record)
        response = await self._gated(record)
        if response is None:
            response = self._grant(record, self._client(client_id, secret), form)
        record.status = response.status
        return response

    async def _gated(self, record: TokenRequest) -> web.Response | None:
        if self._gate is None:
            return None
        injected = await self._gate(record.endpoint)
        if injected is None:
            return None
        record.outcome = "injected"
        return injected

    def _grant(
        self, record: TokenRequest, client: OAuthClient | None, form: dict[str, str]
    ) -> web.Response:
        if client is None:
            return token_error(record, 401, "invalid_client", "Bad client credentials")
        if record.grant_type == "authorization_code":
            return self._exchange_code(record, client, form)
        if record.grant_type == "refresh_token":
            return self._exchange_refresh(record, client, form)
        if not record.grant_type:
            return token_error(record, 400, "invalid_request", "grant_type is required")
        return token_error(record, 400, "unsupported_grant_type", "Unsupported grant type")

    def _exchange_code(
        self, record: TokenRequest, client: OAuthClient, form: dict[str, str]
    ) -> web.Response:
        value = form.get("code")
        if not value:
            return token_error(record, 400, "invalid_request", "code is required")
        code = self._codes.get(value)
        if code is None:
            return token_error(record, 400, "invalid_grant", "Invalid authorization code")
        record.account = code.email
        if code.grant_id is not None:
            if self.revoke_family_on_reuse:
                self._grants[code.grant_id].revoked = True
            return token_error(record, 400, "invalid_grant", "Authorization code already used")
        if time.monotonic() >= code.expires_at:
            return token_error(record, 400, "invalid_grant", "Authorization code expired")
        if code.client_id != client.client_id:
            return token_error(record, 400, "invalid_grant", "Code was issued to another client")
        if form.get("redirect_uri") != code.redirect_uri:
            return token_error(record, 400, "invalid_grant", "redirect_uri does not match")
        if code.code_challenge is not None and not _pkce_ok(
            code.code_challenge, form.get("code_verifier")
        ):
            return token_error(record, 400, "invalid_grant", "PKCE verification failed")
        grant = Grant(secrets.token_hex(8), client.client_id, code.email, code.scope)
        self._grants[grant.id] = grant
        code.grant_id = grant.id
        return self._issue(record, grant, with_refresh=True)

    def _exchange_refresh(
        self, record: TokenRequest, client: OAuthClient, form: dict[str, str]
    ) -> web.Response:
        value = form.get("refresh_token")
        if not value:
            return token_error(record, 400, "invalid_request", "refresh_token is required")
        refresh = self._refresh.get(value)
        if refresh is None:
            return token_error(record, 400, "invalid_grant", "Invalid refresh token")
        grant = self._grants[refresh.grant_id]
        record.account = grant.email
        if grant.client_id != client.client_id:
            return token_error(
                record, 400, "invalid_grant", "Refresh token was issued to another client"
            )
        if refresh.used:
            if self.revoke_family_on_reuse:
                grant.revoked = True
            return token_error(record, 400, "invalid_grant", "Refresh token already used")
        if grant.revoked:
            return token_error(record, 400, "invalid_grant", "Refresh token revoked")
        if time.monotonic() >= refresh.expires_at:
            return token_error(record, 400, "invalid_grant", "Refresh token expired")
        if self.rotate_refresh_tokens:
            refresh.used = True
        return self._issue(record, grant, with_refresh=self.rotate_refresh_tokens)

    def _issue(self, record: TokenRequest, grant: Grant, *, with_refresh: bool) -> web.Response:
        now = time.monotonic()
        user = self.users[grant.email]
        access_token = secrets.token_urlsafe(32)
        self._access[access_token] = Access(grant.id, now + self.access_token_ttl_s)
        body: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": max(0, math.ceil(self.access_token_ttl_s)),
            "scope": grant.scope,
            "principal": user.email,
        }
        if with_refresh:
            refresh_token = secrets.token_urlsafe(32)
            self._refresh[refresh_token] = Refresh(grant.id, now + self.refresh_token_ttl_s)
            body["refresh_token"] = refresh_token
        body |= {
            "account_key": self.account_key,
            "organizer_key": user.user_key,
            "firstName": user.first_name,
            "lastName": user.last_name,
            "email": user.email,
        }
        record.outcome = "ok"
        return web.json_response(body, headers=NO_STORE)

    async def _revoke(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        client_id, secret = basic(request.headers.get("Authorization"))
        form = strings(await request.post())
        record = TokenRequest("revoke", None, client_id, arrived)
        self.token_requests.append(record)
        response = await self._gated(record)
        if response is None:
            response = self._revoke_token(record, self._client(client_id, secret), form)
        record.status = response.status
        return response

    def _revoke_token(
        self, record: TokenRequest, client: OAuthClient | None, form: dict[str, str]
    ) -> web.Response:
        if client is None:
            return token_error(record, 401, "invalid_client", "Bad client credentials")
        value = form.get("token")
        if not value:
            return token_error(record, 400, "invalid_request", "token is required")
        refresh, access = self._refresh.get(value), self._access.get(value)
        grant_id = refresh.grant_id if refresh else access.grant_id if access else None
        grant = self._grants.get(grant_id) if grant_id else None
        if grant is not None and grant.client_id == client.client_id:
            record.account = grant.email
            if refresh is not None:
                grant.revoked = True  # a refresh token takes its whole grant with it
            elif access is not None:
                access.revoked = True
        record.outcome = "ok"  # RFC 7009: unknown tokens are not an error
        return web.Response(status=200, headers=NO_STORE)


def basic(header: str | None) -> tuple[str | None, str | None]:
    """(client_id, secret) from an HTTP Basic header; (None, None) if absent or unreadable."""
    if not header:
        return None, None
    try:
        auth = BasicAuth.decode(header)
    except ValueError:
        return None, None
    return auth.login, auth.password


def strings(form: Mapping[str, Any]) -> dict[str, str]:
    return {key: value for key, value in form.items() if isinstance(value, str)}


def token_error(record: TokenRequest, status: int, error: str, description: str) -> web.Response:
    record.outcome = error
    headers = dict(NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="oauth"'
    return web.json_response(
        {"error": error, "error_description": description}, status=status, headers=headers
    )


def _pkce_ok(challenge: str, verifier: str | None) -> bool:
    """RFC 7636 S256: BASE64URL(SHA256(verifier)) without padding equals the challenge."""
    if not verifier:
        return False
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == challenge
