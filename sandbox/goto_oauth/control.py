"""``/_control/oauth/...``: the OAuth stand-in read and configured over HTTP."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from sandbox.goto_oauth.authorize import no_user
from sandbox.goto_oauth.records import ExpiredStatus
from sandbox.goto_oauth.state import OAuthState


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


class OAuthControl(OAuthState):
    """Clients, users, approvals, revocation and settings over HTTP."""

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
            return no_user(body.email)
        self.approve_as(body.email, auto_approve=body.auto_approve)
        return ok_response()

    async def _c_revoke(self, request: web.Request) -> web.Response:
        body = _EmailBody.model_validate(await request.json())
        if body.email not in self.users:
            return no_user(body.email)
        self.revoke_user(body.email)
        return ok_response()

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


def ok_response() -> web.Response:
    return web.json_response({"ok": True})
