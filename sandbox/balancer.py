"""A round-robin HTTP load balancer on loopback, standing in for Heroku's router or an
ingress in front of several replicas. A backend that refuses connections is skipped; a
request that reached a backend is never sent to a second one."""

from __future__ import annotations

import itertools

import aiohttp
from aiohttp import web

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class RoundRobin:
    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self._turn = itertools.count()
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self.base_url = ""
        self.served: dict[str, int] = dict.fromkeys(backends, 0)

    async def start(self, port: int = 0) -> None:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        bound = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{bound}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._http is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        last_error = "no backend"
        for _ in range(len(self.backends)):
            backend = self.backends[next(self._turn) % len(self.backends)]
            try:
                async with self._http.request(
                    request.method, backend + request.path_qs, data=body, headers=headers
                ) as response:
                    payload = await response.read()
                    self.served[backend] += 1
                    out = {
                        k: v for k, v in response.headers.items() if k.lower() not in _HOP_BY_HOP
                    }
                    return web.Response(status=response.status, body=payload, headers=out)
            except aiohttp.ClientConnectorError as exc:  # never reached it: safe to try another
                last_error = f"{backend}: {type(exc).__name__}"
        return web.Response(status=502, text=f"no backend answered ({last_error})")
