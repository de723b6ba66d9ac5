"""``/oauth/authorize``: the consent page and the browser's decision (or a test's)."""

from __future__ import annotations

import html
import secrets
import time
from collections.abc import Mapping

from aiohttp import web
from yarl import URL

from sandbox.goto_oauth.records import AUTHORIZE_PATH, AuthRequest, BadAuthorize, Code
from sandbox.goto_oauth.state import OAuthState


class AuthorizeEndpoint(OAuthState):
    """Sign-in and consent, ending in a redirect with a code or an error."""

    def consent(self, authorize_url: str, *, user: str | None = None, approve: bool = True) -> str:
        """The browser step without HTTP: the redirect ``Location`` the user would be sent to.

        Raises ValueError where the server would show a 400 page instead of redirecting.
        """
        params = dict(URL(authorize_url).query)
        try:
            return self._decide(self._validate(params), user, approve)
        except BadAuthorize as exc:
            raise ValueError(str(exc)) from None

    async def _authorize_page(self, request: web.Request) -> web.Response:
        try:
            auth = self._validate(request.query)
        except BadAuthorize as exc:
            return error_page(str(exc))
        if auth.response_type != "code" or (self.auto_approve and self.approving_user):
            return found(self._decide(auth, None, approve=True))
        return consent_page(auth, list(self.users), self.approving_user)

    async def _authorize_decision(self, request: web.Request) -> web.Response:
        form = await request.post()
        params = dict(request.query) | {k: v for k, v in form.items() if isinstance(v, str)}
        decision = params.get("decision", "approve")
        try:
            auth = self._validate(params)
            if decision not in ("approve", "deny"):
                raise BadAuthorize("decision must be approve or deny")
            return found(self._decide(auth, params.get("user") or None, decision == "approve"))
        except BadAuthorize as exc:
            return error_page(str(exc))

    def _validate(self, params: Mapping[str, str]) -> AuthRequest:
        client = self.clients.get(params.get("client_id", ""))
        if client is None:
            raise BadAuthorize("Unknown client_id.")
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            raise BadAuthorize("The redirect_uri is not registered for this client.")
        challenge = params.get("code_challenge") or None
        if challenge is not None and params.get("code_challenge_method") != "S256":
            raise BadAuthorize("Only code_challenge_method=S256 is supported.")
        return AuthRequest(
            client=client,
            redirect_uri=redirect_uri,
            response_type=params.get("response_type"),
            state=params.get("state"),
            scope=params.get("scope") or None,
            code_challenge=challenge,
        )

    def _decide(self, auth: AuthRequest, user: str | None, approve: bool) -> str:
        """The redirect for a valid request: an error, a denial, or a fresh code."""
        if auth.response_type != "code":
            return redirect(auth, error="unsupported_response_type")
        if not approve:
            return redirect(auth, error="access_denied")
        email = (
            user
            or self.approving_user
            or (next(iter(self.users)) if len(self.users) == 1 else None)
        )
        if email is None:
            raise BadAuthorize("Choose the user to sign in as.")
        if email not in self.users:
            raise BadAuthorize(f"No such user: {email}.")
        code = secrets.token_urlsafe(24)
        self._codes[code] = Code(
            client_id=auth.client.client_id,
            redirect_uri=auth.redirect_uri,
            email=email,
            scope=auth.scope or self.scope,
            expires_at=time.monotonic() + self.code_ttl_s,
            code_challenge=auth.code_challenge,
        )
        return redirect(auth, code=code)


def redirect(auth: AuthRequest, **query: str) -> str:
    if auth.state is not None:
        query["state"] = auth.state
    return str(URL(auth.redirect_uri).update_query(query))


def found(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location})


def page(title: str, body: str, status: int = 200) -> web.Response:
    text = (
        "<!doctype html>\n<html><head><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title></head>\n<body>\n{body}\n</body></html>\n"
    )
    return web.Response(status=status, text=text, content_type="text/html")


def error_page(message: str) -> web.Response:
    body = f"<h1>Sign-in error</h1>\n<p class=error>{html.escape(message)}</p>"
    return page("GoTo sign-in error", body, status=400)


def consent_page(auth: AuthRequest, emails: list[str], selected: str | None) -> web.Response:
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
    return page("GoTo: authorize access", body)


def no_user(email: str) -> web.Response:
    return web.json_response(
        {"errorCode": "NoSuchUser", "message": f"no stand-in user {email!r}"}, status=404
    )
