"""The machine directory: every unattended computer of the GoToAssist account, kept in memory.

Filled from ``GET /companies`` and ``GET /companies/{id}/machines`` page by page, refreshed in
the background every ``MACHINES_REFRESH_S`` and on demand when a search misses. Searches never
wait for GoToAssist: they read the last complete snapshot (``index``), which a refresh replaces
in one assignment once every page has arrived; a refresh that fails keeps the old snapshot.

The refresh paces itself at ``rate_per_s`` requests a second (a small share of
``GOTOASSIST_RATE_PER_S``) on top of the client's own limiter, so a refresh of hundreds of
companies never takes the budget that session creates and polls need.

Each replica keeps its own copy (nothing is stored in the database): the list is GoToAssist's,
a few hundred kilobytes for 10,000 machines, and every replica can rebuild it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from bot.gotoassist.client import GoToAssistClient
from bot.gotoassist.errors import GoToAssistError
from bot.gotoassist.models import Company
from bot.sessions.machines import MachineEntry, MachineIndex

log = logging.getLogger(__name__)

PAGE_SIZE = 100  # GoToAssist's largest page is unconfirmed; 100 is what its examples use
MAX_PAGES = 1000  # a listing that never ends (a server bug) stops here

TokenSource = Callable[[], Awaitable[str | None]]


class MachineDirectory:
    def __init__(
        self,
        goto: GoToAssistClient,
        *,
        refresh_s: float = 300.0,
        rate_per_s: float = 2.0,
        page_size: int = PAGE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._goto = goto
        self.refresh_s = refresh_s
        self._gap_s = 1.0 / rate_per_s if rate_per_s > 0 else 0.0
        self._page_size = page_size
        self._clock = clock
        self._last_request = -1e9
        self._task: asyncio.Task[None] | None = None
        self.index = MachineIndex()
        self.loaded_at: float | None = None  # clock() when the snapshot was taken
        self.last_error: str | None = None  # why the last refresh failed (words), if it did

    @property
    def refreshing(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def loaded(self) -> bool:
        return self.loaded_at is not None

    def age_s(self) -> float | None:
        return None if self.loaded_at is None else self._clock() - self.loaded_at

    def start_refresh(self, token: str) -> asyncio.Task[None]:
        """Begin a refresh with ``token`` unless one is running; the running one either way."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._refresh(token), name="machine-directory")
        return self._task

    async def refresh(self, token: str, *, within: float | None = None) -> bool:
        """Refresh (or join the refresh running) and wait up to ``within`` seconds for it;
        True when it finished in time (successfully or not: see ``last_error``)."""
        task = self.start_refresh(token)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(task), within)
            return True
        return False

    async def run(self, token_source: TokenSource, stopping: asyncio.Event) -> None:
        """Refresh every ``refresh_s`` until ``stopping`` is set (at once on start)."""
        while not stopping.is_set():
            token = await token_source()
            if token is not None:
                await self.refresh(token)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self.refresh_s)

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _refresh(self, token: str) -> None:
        started = self._clock()
        try:
            machines = await self._everything(token)
        except GoToAssistError as exc:
            self.last_error = exc.user_message
            log.warning("machine directory refresh failed: %s", exc.user_message)
            return
        self.index = MachineIndex.of(machines)
        self.loaded_at = started
        self.last_error = None
        log.info(
            "machine directory: %d machines offered, refreshed in %.1fs",
            len(self.index),
            self._clock() - started,
        )

    async def _everything(self, token: str) -> list[MachineEntry]:
        companies: list[Company] = []
        offset = 0
        for _ in range(MAX_PAGES):
            await self._pace()
            page = await self._goto.list_companies(token, limit=self._page_size, offset=offset)
            entries = page.entries()
            companies.extend(entries)
            offset += len(page.companies)
            if _last_page(len(page.companies), offset, page.total_num_companies, self._page_size):
                break
        machines: list[MachineEntry] = []
        seen: set[str] = set()
        for company in {c.company_id: c for c in companies}.values():
            machines.extend(await self._machines_of(token, company, seen))
        return machines

    async def _machines_of(
        self, token: str, company: Company, seen: set[str]
    ) -> list[MachineEntry]:
        found: list[MachineEntry] = []
        offset = 0
        name = company.company_name or company.company_id
        for _ in range(MAX_PAGES):
            await self._pace()
            page = await self._goto.list_machines(
                token, company.company_id, limit=self._page_size, offset=offset
            )
            for machine in page.entries():
                if machine.machine_uuid in seen:
                    continue
                seen.add(machine.machine_uuid)
                found.append(
                    MachineEntry(
                        uuid=machine.machine_uuid,
                        name=machine.machine_name or machine.dns_name or "",
                        company_id=company.company_id,
                        company=name,
                        status=machine.machine_status or "",
                    )
                )
            offset += len(page.machines)
            if _last_page(len(page.machines), offset, page.total_num_machines, self._page_size):
                break
        return found

    async def _pace(self) -> None:
        """At most one directory request per ``_gap_s``."""
        wait = self._last_request + self._gap_s - self._clock()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_request = self._clock()


def _last_page(count: int, offset: int, total: int | None, page_size: int) -> bool:
    """Paging stops at an empty page, at the announced total, or (no total) a short page."""
    if count == 0:
        return True
    if total is not None:
        return offset >= total
    return count < page_size
