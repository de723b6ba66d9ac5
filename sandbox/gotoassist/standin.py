"""``GoToAssistStandIn``: the areas put together over one shared state."""

from __future__ import annotations

from aiohttp import web

from sandbox.gotoassist.api import GoToAssistApi
from sandbox.gotoassist.control import ControlRoutes, control_errors
from sandbox.gotoassist.records import API_PREFIX, CONTROL_PREFIX


class GoToAssistStandIn(GoToAssistApi, ControlRoutes):
    """The stand-in server. Use ``async with GoToAssistStandIn() as g2a: g2a.base_url``."""

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", f"{API_PREFIX}/sessions", self._api("create", "POST"))
        app.router.add_route("*", f"{API_PREFIX}/sessions/{{ref}}", self._api("get", "GET"))
        directory = self._api("directory", "GET")
        app.router.add_route("*", f"{API_PREFIX}/companies", directory)
        app.router.add_route("*", f"{API_PREFIX}/companies/{{company}}/machines", directory)
        control = [
            ("GET", "/sessions", self._c_sessions),
            ("POST", "/sessions/{ref}/{action}", self._c_transition),
            ("GET", "/requests", self._c_requests),
            ("GET", "/callbacks", self._c_callbacks),
            ("GET", "/config", self._c_config),
            ("POST", "/config", self._c_config),
            ("POST", "/latency", self._c_latency),
            ("POST", "/fail", self._c_fail),
            ("POST", "/hang", self._c_hang),
            ("POST", "/machines", self._c_machine),
            ("POST", "/companies", self._c_company),
            ("POST", "/tokens", self._c_token),
            ("POST", "/drain", self._c_drain),
            ("POST", "/reset", self._c_reset),
            *self.oauth.control_routes(),
        ]
        for method, path, handler in control:
            app.router.add_route(method, CONTROL_PREFIX + path, control_errors(handler))
        for method, path, handler in self.oauth.routes():
            app.router.add_route(method, path, handler)
        return app
