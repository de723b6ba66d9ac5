"""The OAuth ``state``: HMAC-signed, bound to a Slack team and user, expiring, single use
(the nonce is stored and consumed by the callback); and the PKCE verifier that goes with it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

STATE_TTL = timedelta(minutes=10)


class InvalidState(Exception):
    """A forged, mangled or expired state; the message says which, for the error page."""


@dataclass(frozen=True, slots=True)
class StateClaims:
    team_id: str
    user_id: str
    nonce_hash: str
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class StateSigner:
    def __init__(self, key: bytes) -> None:
        self._key = hashlib.sha256(b"remote-support/oauth-state/v1" + key).digest()
        self._pkce_key = hashlib.sha256(b"remote-support/oauth-pkce/v1" + key).digest()

    def issue(self, team_id: str, user_id: str, now: datetime) -> tuple[str, StateClaims]:
        nonce = secrets.token_urlsafe(24)
        expires_at = now + STATE_TTL
        body = _b64(
            json.dumps(
                {"t": team_id, "u": user_id, "n": nonce, "e": int(expires_at.timestamp())},
                separators=(",", ":"),
            ).encode()
        )
        signature = _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())
        claims = StateClaims(team_id, user_id, _nonce_hash(nonce), expires_at)
        return f"{body}.{signature}", claims

    def code_verifier(self, state: str) -> str:
        """The PKCE ``code_verifier`` for a sign-in that carries ``state``: derived from the
        state with a key of its own, so nothing more is stored and only this app can know it
        (43 characters, as RFC 7636 asks)."""
        return _b64(hmac.new(self._pkce_key, state.encode(), hashlib.sha256).digest())

    def verify(self, state: str, now: datetime) -> StateClaims:
        body, _, signature = state.partition(".")
        expected = _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())
        if not body or not hmac.compare_digest(signature.encode(), expected.encode()):
            raise InvalidState("This sign-in link is not valid (its signature does not match).")
        try:
            data = json.loads(_unb64(body))
            team_id, user_id, nonce = str(data["t"]), str(data["u"]), str(data["n"])
            expires_at = datetime.fromtimestamp(int(data["e"]), tz=now.tzinfo)
        except (ValueError, KeyError, TypeError):
            raise InvalidState("This sign-in link is not valid.") from None
        if now >= expires_at:
            raise InvalidState(
                "This sign-in link has expired (they last 10 minutes). "
                "Run `/remote-support login` in Slack for a new one."
            )
        return StateClaims(team_id, user_id, _nonce_hash(nonce), expires_at)


def code_challenge(verifier: str) -> str:
    """The S256 ``code_challenge`` of a PKCE verifier."""
    return _b64(hashlib.sha256(verifier.encode()).digest())


def _nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()
