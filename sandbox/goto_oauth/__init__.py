"""The GoTo OAuth 2.0 authorization server, as part of the GoToAssist stand-in.

The stand-in owns one :class:`GoToOAuthStandIn` (``stand_in.oauth``) and mounts its routes at the
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

Access tokens it issues are checked by the stand-in's API through :meth:`GoToOAuthStandIn.identify`.
"""

from sandbox.goto_oauth.records import OAuthClient, OAuthUser, TokenCheck, TokenRequest
from sandbox.goto_oauth.standin import GoToOAuthStandIn

__all__ = [
    "GoToOAuthStandIn",
    "OAuthClient",
    "OAuthUser",
    "TokenCheck",
    "TokenRequest",
]
