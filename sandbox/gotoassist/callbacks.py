"""Status callbacks: duplicated, delayed, shuffled or held as configured, to loopback only."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from sandbox.gotoassist.records import (
    CallbackDelivery,
    CallbackFormat,
    StandInSession,
    form_fields,
    is_loopback_url,
    log,
)
from sandbox.gotoassist.state import GoToAssistState


class CallbackSender(GoToAssistState):
    """Posts each status change to the session's callback URL."""

    async def drain_callbacks(self) -> None:
        """Wait until every scheduled callback is delivered (held shuffled ones are not)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _emit_callback(self, session: StandInSession) -> None:
        if not session.callback_url or session.session_id is None or not self.callbacks_enabled:
            return
        batch = [session.info()] * (1 + max(0, self.callback_duplicates))
        if self.callback_shuffle or session.held_callbacks:
            session.held_callbacks.extend(batch)
            if not session.status.is_terminal:
                return
            batch, session.held_callbacks = session.held_callbacks, []
            self._rng.shuffle(batch)
        coro = self._deliver(
            session.callback_url, batch, self.callback_format, self.callback_delay_s
        )
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(
        self, url: str, bodies: list[dict[str, Any]], fmt: CallbackFormat, delay_s: float
    ) -> None:
        await self._pause(delay_s)
        for body in bodies:
            delivery = CallbackDelivery(url=url, body=body, format=fmt, time=time.monotonic())
            self.deliveries.append(delivery)
            if not is_loopback_url(url):
                delivery.refused = True
                log.warning("stand-in refused a status callback to a non-loopback host")
                continue
            await self._post_callback(delivery)

    async def _post_callback(self, delivery: CallbackDelivery) -> None:
        if self._client is None:
            delivery.error = "stand-in not running"
            return
        payload: dict[str, Any]
        if delivery.format == "json":
            payload = {"json": delivery.body}
        else:
            payload = {"data": form_fields(delivery.body)}
        try:
            async with self._client.post(
                delivery.url,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=5.0),
                **payload,
            ) as resp:
                await resp.read()
                delivery.status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            delivery.error = type(exc).__name__
