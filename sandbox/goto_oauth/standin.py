"""``GoToOAuthStandIn``: the OAuth endpoints put together over one shared state."""

from __future__ import annotations

from sandbox.goto_oauth.authorize import AuthorizeEndpoint
from sandbox.goto_oauth.control import OAuthControl
from sandbox.goto_oauth.records import AUTHORIZE_PATH, REVOKE_PATH, TOKEN_PATH, Handler
from sandbox.goto_oauth.token import TokenEndpoint


class GoToOAuthStandIn(AuthorizeEndpoint, TokenEndpoint, OAuthControl):
    """The GoTo OAuth 2.0 server stand-in (see the package docstring)."""

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
