"""The GoTo OAuth 2.0 authorization server, as part of the GoToAssist stand-in.

The stand-in owns one :class:`GoToOAuth` (``stand_in.oauth``) and mounts its routes at the
server root, so the app's ``GOTO_AUTH_URL`` is ``stand_in.auth_url`` (``http://127.0.0.1:PORT``):

- ``GET /oauth/authorize``: a consent page (an Approve/Deny form posting to the same path).
  An unknown client or an unregistered ``redirect_uri`` gets a 400 page, never a redirect.
- ``POST /oauth/authorize``: the consent form (or a test acting as the browser): the original
  query parameters plus ``user=<email>&decision=approve|deny``; answers 302 to
  ``redirect_uri?code=..&state=..`` or ``redirect_uri?error=access_denied&state=..``.
- ``POST /oauth/token``: client authentication by HTTP Basic only; grants
  ``authorization_code`` (single-use codes bound to client and redirect URI) and
  ``refresh_token`` (rotating, single-use refresh tokens).
- ``POST /oauth/revoke``: RFC 7009 revocation of one access token or a refresh token's grant.

Access tokens it issues are checked by the stand-in's API through :meth:`GoToOAuth.identify`.
"""

from __future__ import annotations

import html
import math
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from aiohttp import BasicAuth, web
from pydantic import BaseModel, ConfigDict
from yarl import URL

__all__ = [
    "GoToOAuth",
    "OAuthClient",
    "OAuthUser",
    "TokenCheck",
    "TokenRequest",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Gate = Callable[[], Awaitable[web.Response | None]]
"""Run before the token endpoint does anything: a response replaces it (fault injection)."""
TokenState = Literal["valid", "expired", "revoked"]
ExpiredStatus = Literal[401, 403]

AUTHORIZE_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a path, not a secret
REVOKE_PATH = "/oauth/revoke"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


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
class _Grant:
    """One authorization (a code exchange) and every token descended from it: a family."""

    id: str
    client_id: str
    email: str
    scope: str
    revoked: bool = False


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    email: str
    scope: str
    expires_at: float
    grant_id: str | None = None  # set once exchanged: a second use is a reuse


@dataclass
class _Access:
    grant_id: str
    expires_at: float
    revoked: bool = False


@dataclass
class _Refresh:
    grant_id: str
    expires_at: float
    used: bool = False


@dataclass(frozen=True)
class _AuthRequest:
    client: OAuthClient
    redirect_uri: str
    response_type: str | None
    state: str | None
    scope: str | None


class _BadAuthorize(Exception):
    """An authorize request that must not redirect: the user sees a 400 page."""


class _ControlModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _ClientBody(_ControlModel):
    client_id: str
    client_secret: str
    redirect_uris: list[str]


class _UserBody(_ControlModel):
    email: str
    first_name: str | None = None
    last_name: str | None = None
    seat: bool = True


class _ApproveAsBody(_ControlModel):
    email: str | None
    auto_approve: bool = False


class _EmailBody(_ControlModel):
    email: str


class _ExpireBody(_ControlModel):
    email: str | None = None


class _OAuthConfigBody(_ControlModel):
    access_token_ttl_s: float | None = None
    refresh_token_ttl_s: float | None = None
    code_ttl_s: float | None = None
    revoke_family_on_reuse: bool | None = None
    rotate_refresh_tokens: bool | None = None
    expired_token_status: ExpiredStatus | None = None
    scope: str | None = None


class GoToOAuth:
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
        self._codes: dict[str, _Code] = {}
        self._grants: dict[str, _Grant] = {}
        self._access: dict[str, _Access] = {}
        self._refresh: dict[str, _Refresh] = {}

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

    def consent(self, authorize_url: str, *, user: str | None = None, approve: bool = True) -> str:
        """The browser step without HTTP: the redirect ``Location`` the user would be sent to.

        Raises ValueError where the server would show a 400 page instead of redirecting.
        """
        params = dict(URL(authorize_url).query)
        try:
            return self._decide(self._validate(params), user, approve)
        except _BadAuthorize as exc:
            raise ValueError(str(exc)) from None

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

    # -- routes ----------------------------------------------------------------------------------

    def routes(self) -> list[tuple[str, str, Handler]]:
        """``(method, path, handler)`` to mount at the server root."""
        return [
            ("GET", AUTHORIZE_PATH, self._authorize_page),
            ("POST", AUTHORIZE_PATH, self._authorize_decision),
            ("POST", TOKEN_PATH, self._token),
            ("POST", REVOKE_PATH, self._revoke),
        ]

    def control_routes(self) -> list[tuple[str, str, Handler]]:
        """``(method, path, handler)`` to mount under the stand-in's control prefix."""
        return [
            ("GET", "/oauth/clients", self._c_clients),
            ("POST", "/oauth/clients", self._c_clients),
            ("GET", "/oauth/users", self._c_users),
            ("POST", "/oauth/users", self._c_users),
            ("POST", "/oauth/approve_as", self._c_approve_as),
            ("POST", "/oauth/revoke", self._c_revoke),
            ("POST", "/oauth/expire", self._c_expire),
            ("GET", "/oauth/config", self._c_config),
            ("POST", "/oauth/config", self._c_config),
            ("GET", "/oauth/token_requests", self._c_token_requests),
        ]

    # -- authorize -------------------------------------------------------------------------------

    async def _authorize_page(self, request: web.Request) -> web.Response:
        try:
            auth = self._validate(request.query)
        except _BadAuthorize as exc:
            return _error_page(str(exc))
        if auth.response_type != "code" or (self.auto_approve and self.approving_user):
            return _found(self._decide(auth, None, approve=True))
        return _consent_page(auth, list(self.users), self.approving_user)

    async def _authorize_decision(self, request: web.Request) -> web.Response:
        form = await request.post()
        params = dict(request.query) | {k: v for k, v in form.items() if isinstance(v, str)}
        decision = params.get("decision", "approve")
        try:
            auth = self._validate(params)
            if decision not in ("approve", "deny"):
                raise _BadAuthorize("decision must be approve or deny")
            return _found(self._decide(auth, params.get("user") or None, decision == "approve"))
        except _BadAuthorize as exc:
            return _error_page(str(exc))

    def _validate(self, params: Mapping[str, str]) -> _AuthRequest:
        client = self.clients.get(params.get("client_id", ""))
        if client is None:
            raise _BadAuthorize("Unknown client_id.")
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            raise _BadAuthorize("The redirect_uri is not registered for this client.")
        return _AuthRequest(
            client=client,
            redirect_uri=redirect_uri,
            response_type=params.get("response_type"),
            state=params.get("state"),
            scope=params.get("scope") or None,
        )

    def _decide(self, auth: _AuthRequest, user: str | None, approve: bool) -> str:
        """The redirect for a valid request: an error, a denial, or a fresh code."""
        if auth.response_type != "code":
            return _redirect(auth, error="unsupported_response_type")
        if not approve:
            return _redirect(auth, error="access_denied")
        email = (
            user
            or self.approving_user
            or (next(iter(self.users)) if len(self.users) == 1 else None)
        )
        if email is None:
            raise _BadAuthorize("Choose the user to sign in as.")
        if email not in self.users:
            raise _BadAuthorize(f"No such user: {email}.")
        code = secrets.token_urlsafe(24)
        self._codes[code] = _Code(
            client_id=auth.client.client_id,
            redirect_uri=auth.redirect_uri,
            email=email,
            scope=auth.scope or self.scope,
            expires_at=time.monotonic() + self.code_ttl_s,
        )
        return _redirect(auth, code=code)

    # -- token -----------------------------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        client_id, secret = _basic(request.headers.get("Authorization"))
        form = _strings(await request.post())
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
        injected = await self._gate()
        if injected is None:
            return None
        record.outcome = "injected"
        return injected

    def _grant(
        self, record: TokenRequest, client: OAuthClient | None, form: dict[str, str]
    ) -> web.Response:
        if client is None:
            return _fail(record, 401, "invalid_client", "Bad client credentials")
        if record.grant_type == "authorization_code":
            return self._exchange_code(record, client, form)
        if record.grant_type == "refresh_token":
            return self._exchange_refresh(record, client, form)
        if not record.grant_type:
            return _fail(record, 400, "invalid_request", "grant_type is required")
        return _fail(record, 400, "unsupported_grant_type", "Unsupported grant type")

    def _exchange_code(
        self, record: TokenRequest, client: OAuthClient, form: dict[str, str]
    ) -> web.Response:
        value = form.get("code")
        if not value:
            return _fail(record, 400, "invalid_request", "code is required")
        code = self._codes.get(value)
        if code is None:
            return _fail(record, 400, "invalid_grant", "Invalid authorization code")
        record.account = code.email
        if code.grant_id is not None:
            if self.revoke_family_on_reuse:
                self._grants[code.grant_id].revoked = True
            return _fail(record, 400, "invalid_grant", "Authorization code already used")
        if time.monotonic() >= code.expires_at:
            return _fail(record, 400, "invalid_grant", "Authorization code expired")
        if code.client_id != client.client_id:
            return _fail(record, 400, "invalid_grant", "Code was issued to another client")
        if form.get("redirect_uri") != code.redirect_uri:
            return _fail(record, 400, "invalid_grant", "redirect_uri does not match")
        grant = _Grant(secrets.token_hex(8), client.client_id, code.email, code.scope)
        self._grants[grant.id] = grant
        code.grant_id = grant.id
        return self._issue(record, grant, with_refresh=True)

    def _exchange_refresh(
        self, record: TokenRequest, client: OAuthClient, form: dict[str, str]
    ) -> web.Response:
        value = form.get("refresh_token")
        if not value:
            return _fail(record, 400, "invalid_request", "refresh_token is required")
        refresh = self._refresh.get(value)
        if refresh is None:
            return _fail(record, 400, "invalid_grant", "Invalid refresh token")
        grant = self._grants[refresh.grant_id]
        record.account = grant.email
        if grant.client_id != client.client_id:
            return _fail(record, 400, "invalid_grant", "Refresh token was issued to another client")
        if refresh.used:
            if self.revoke_family_on_reuse:
                grant.revoked = True
            return _fail(record, 400, "invalid_grant", "Refresh token already used")
        if grant.revoked:
            return _fail(record, 400, "invalid_grant", "Refresh token revoked")
        if time.monotonic() >= refresh.expires_at:
            return _fail(record, 400, "invalid_grant", "Refresh token expired")
        if self.rotate_refresh_tokens:
            refresh.used = True
        return self._issue(record, grant, with_refresh=self.rotate_refresh_tokens)

    def _issue(self, record: TokenRequest, grant: _Grant, *, with_refresh: bool) -> web.Response:
        now = time.monotonic()
        user = self.users[grant.email]
        access_token = secrets.token_urlsafe(32)
        self._access[access_token] = _Access(grant.id, now + self.access_token_ttl_s)
        body: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": max(0, math.ceil(self.access_token_ttl_s)),
            "scope": grant.scope,
            "principal": user.email,
        }
        if with_refresh:
            refresh_token = secrets.token_urlsafe(32)
            self._refresh[refresh_token] = _Refresh(grant.id, now + self.refresh_token_ttl_s)
            body["refresh_token"] = refresh_token
        body |= {
            "account_key": self.account_key,
            "organizer_key": user.user_key,
            "firstName": user.first_name,
            "lastName": user.last_name,
            "email": user.email,
        }
        record.outcome = "ok"
        return web.json_response(body, headers=_NO_STORE)

    # -- revoke ----------------------------------------------------------------------------------

    async def _revoke(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        client_id, secret = _basic(request.headers.get("Authorization"))
        form = _strings(await request.post())
        record = TokenRequest("revoke", None, client_id, arrived)
        self.token_requests.append(record)
        response = self._revoke_token(record, self._client(client_id, secret), form)
        record.status = response.status
        return response

    def _revoke_token(
        self, record: TokenRequest, client: OAuthClient | None, form: dict[str, str]
    ) -> web.Response:
        if client is None:
            return _fail(record, 401, "invalid_client", "Bad client credentials")
        value = form.get("token")
        if not value:
            return _fail(record, 400, "invalid_request", "token is required")
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
        return web.Response(status=200, headers=_NO_STORE)

    def _client(self, client_id: str | None, secret: str | None) -> OAuthClient | None:
        client = self.clients.get(client_id or "")
        if client is None or secret is None:
            return None
        if not secrets.compare_digest(client.client_secret.encode(), secret.encode()):
            return None
        return client

    # -- control HTTP ----------------------------------------------------------------------------

    async def _c_clients(self, request: web.Request) -> web.Response:
        if request.method == "POST":
            body = _ClientBody.model_validate(await request.json())
            self.add_oauth_client(body.client_id, body.client_secret, body.redirect_uris)
        listed = [
            {"client_id": c.client_id, "redirect_uris": c.redirect_uris}
            for c in self.clients.values()
        ]
        return web.json_response(listed)

    async def _c_users(self, request: web.Request) -> web.Response:
        if request.method == "POST":
            body = _UserBody.model_validate(await request.json())
            self.add_user(
                body.email, first_name=body.first_name, last_name=body.last_name, seat=body.seat
            )
        return web.json_response([asdict(user) for user in self.users.values()])

    async def _c_approve_as(self, request: web.Request) -> web.Response:
        body = _ApproveAsBody.model_validate(await request.json())
        if body.email is not None and body.email not in self.users:
            return _no_user(body.email)
        self.approve_as(body.email, auto_approve=body.auto_approve)
        return _ok()

    async def _c_revoke(self, request: web.Request) -> web.Response:
        body = _EmailBody.model_validate(await request.json())
        if body.email not in self.users:
            return _no_user(body.email)
        self.revoke_user(body.email)
        return _ok()

    async def _c_expire(self, request: web.Request) -> web.Response:
        body = _ExpireBody.model_validate(await request.json() if request.can_read_body else {})
        return web.json_response({"expired": self.expire_access_tokens(body.email)})

    async def _c_config(self, request: web.Request) -> web.Response:
        if request.method == "POST":
            changes = _OAuthConfigBody.model_validate(await request.json())
            for key, value in changes.model_dump(exclude_none=True).items():
                setattr(self, key, value)
        fields = _OAuthConfigBody.model_fields
        return web.json_response({key: getattr(self, key) for key in fields})

    async def _c_token_requests(self, request: web.Request) -> web.Response:
        return web.json_response([asdict(r) for r in self.token_requests])


def _basic(header: str | None) -> tuple[str | None, str | None]:
    """(client_id, secret) from an HTTP Basic header; (None, None) if absent or unreadable."""
    if not header:
        return None, None
    try:
        auth = BasicAuth.decode(header)
    except ValueError:
        return None, None
    return auth.login, auth.password


def _strings(form: Mapping[str, Any]) -> dict[str, str]:
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _redirect(auth: _AuthRequest, **query: str) -> str:
    if auth.state is not None:
        query["state"] = auth.state
    return str(URL(auth.redirect_uri).update_query(query))


def _found(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location})


def _fail(record: TokenRequest, status: int, error: str, description: str) -> web.Response:
    record.outcome = error
    headers = dict(_NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="oauth"'
    return web.json_response(
        {"error": error, "error_description": description}, status=status, headers=headers
    )


def _page(title: str, body: str, status: int = 200) -> web.Response:
    text = (
        "<!doctype html>\n<html><head><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title></head>\n<body>\n{body}\n</body></html>\n"
    )
    return web.Response(status=status, text=text, content_type="text/html")


def _error_page(message: str) -> web.Response:
    body = f"<h1>Sign-in error</h1>\n<p class=error>{html.escape(message)}</p>"
    return _page("GoTo sign-in error", body, status=400)


def _consent_page(auth: _AuthRequest, emails: list[str], selected: str | None) -> web.Response:
    hidden = {
        "client_id": auth.client.client_id,
        "response_type": auth.response_type or "",
        "redirect_uri": auth.redirect_uri,
        "state": auth.state,
        "scope": auth.scope,
    }
    inputs = "".join(
        f'<input type=hidden name="{name}" value="{html.escape(value)}">\n'
        for name, value in hidden.items()
        if value is not None
    )
    options = "".join(
        f'<option value="{html.escape(email)}"{" selected" if email == selected else ""}>'
        f"{html.escape(email)}</option>"
        for email in emails
    )
    body = (
        f"<h1>Allow {html.escape(auth.client.client_id)} to use your GoTo account?</h1>\n"
        f'<form method="post" action="{AUTHORIZE_PATH}">\n{inputs}'
        f'<label>Sign in as <select name="user">{options}</select></label>\n'
        '<button type=submit name="decision" value="approve">Approve</button>\n'
        '<button type=submit name="decision" value="deny">Deny</button>\n</form>'
    )
    return _page("GoTo: authorize access", body)


def _no_user(email: str) -> web.Response:
    return web.json_response(
        {"errorCode": "NoSuchUser", "message": f"no stand-in user {email!r}"}, status=404
    )


def _ok() -> web.Response:
    return web.json_response({"ok": True})
