"""A GoToAssist Remote Support stand-in: a real aiohttp server on loopback.

It answers ``POST /sessions`` and ``GET /sessions/{id or token}`` the way the documentation says
GoToAssist does, fires status callbacks (to loopback only), injects faults, and records what it
saw. Tests drive it through Python methods or, from another process, through ``/_control/``.
It is also the GoTo OAuth server (``stand_in.oauth``, see :mod:`sandbox.goto_oauth`): its
``/oauth/*`` routes sit at the server root (``stand_in.auth_url``) and the access tokens they
issue work on the API alongside the static ``tokens``.
"""

from sandbox.gotoassist.records import (
    DEFAULT_TOKEN,
    CallbackDelivery,
    RecordedRequest,
    StandInSession,
    is_loopback_url,
    token_fingerprint,
)
from sandbox.gotoassist.standalone import main
from sandbox.gotoassist.standin import GoToAssistStandIn

__all__ = [
    "DEFAULT_TOKEN",
    "CallbackDelivery",
    "GoToAssistStandIn",
    "RecordedRequest",
    "StandInSession",
    "is_loopback_url",
    "main",
    "token_fingerprint",
]
