"""App Home publishing and the technician's DMs: what the outbox worker hands over for a
``HomeRefresh`` or ``TechnicianDm`` intent, and what the Home listeners call directly.

A Home is published at most once every ``HOME_REFRESH_S`` per user (claimed in the database,
so replicas share the limit); a refresh owed sooner waits until then, and one owed before the
last publish is already shown by it. DMs honour the switches the technician set in Home.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.clock import utcnow
from bot.sessions.intents import DmKind, HomeRefresh, TechnicianDm
from bot.sessions.model import Session
from bot.slack import home as home_blocks
from bot.slack.writer import Result, SlackWriter, Turn
from bot.store import home
from bot.store import outbox as outbox_store
from bot.store.database import Database
from bot.workers.outbox import Delivered, RetryAt, Sent

log = logging.getLogger(__name__)


class Surfaces:
    def __init__(
        self,
        db: Database,
        slack: SlackWriter,
        *,
        every: timedelta = timedelta(seconds=5),
        linking: bool = False,
    ) -> None:
        self._db = db
        self._slack = slack
        self._every = every
        self._linking = linking
        self._workspace_url: str | None = None

    async def workspace_url(self) -> str:
        """The workspace's URL (``auth.test``), asked once: card links are built from it."""
        if self._workspace_url is None:
            result = await self._slack.call("auth.test")
            if not result.ok:
                return ""
            self._workspace_url = str(result.data.get("url") or "")
        return self._workspace_url

    # -- App Home ----------------------------------------------------------------------------

    async def opened(self, team_id: str, user_id: str) -> bool:
        """They opened their Home: publish it, unless it was published in the last
        ``HOME_REFRESH_S`` (every change since then has its own refresh queued)."""
        now = utcnow()
        await self._db.run_write(home.opened, team_id, user_id, now)
        claim = await self._db.run_write(home.claim_publish, team_id, user_id, now, self._every)
        if not claim.taken:
            return False
        return (await self._publish(team_id, user_id)).ok

    async def republish(self, team_id: str, user_id: str) -> bool:
        """Their own click changed what Home shows (a switch): publish it now."""
        await self._db.run_write(home.claim_publish, team_id, user_id, utcnow(), timedelta(0))
        return (await self._publish(team_id, user_id)).ok

    async def _publish(self, team_id: str, user_id: str, turn: Turn | None = None) -> Result:
        view = await self.render(team_id, user_id)
        result = await self._slack.call("views.publish", turn=turn, user_id=user_id, view=view)
        if not result.ok:
            log.warning("views.publish for %s failed: %s", user_id, result.error)
        return result

    async def render(self, team_id: str, user_id: str) -> dict[str, object]:
        """The user's Home view: read and rendered (what ``home_render_p99_ms`` measures)."""
        now = utcnow()
        workspace_url = await self.workspace_url()
        async with self._db.read() as tx:
            data = await home.load(tx, team_id, user_id, now)
        return home_blocks.render_home(
            data, now, workspace_url=workspace_url, linking=self._linking
        )

    # -- from the outbox ---------------------------------------------------------------------

    async def deliver(
        self,
        row: outbox_store.OwedWrite,
        session: Session,
        intent: HomeRefresh | TechnicianDm,
        turn: Turn | None = None,
    ) -> Delivered | Result:
        """One owed Home refresh or DM; ``turn``: its place in the pacer's line (its lane).
        A Slack answer that is not OK is handed back as it came: the outbox decides when to
        try again, as for every write."""
        if isinstance(intent, HomeRefresh):
            return await self._refresh(row, session.team_id, intent.user_id, turn)
        return await self._dm(session, intent.kind, turn)

    async def _refresh(
        self, row: outbox_store.OwedWrite, team_id: str, user_id: str, turn: Turn | None
    ) -> Delivered | Result:
        async with self._db.read() as tx:
            if not await home.has_opened(tx, team_id, user_id):
                return Sent()  # never opened their Home: nothing to refresh
        now = utcnow()
        claim = await self._db.run_write(home.claim_publish, team_id, user_id, now, self._every)
        if not claim.taken:
            if claim.due is None:
                return Sent()  # never opened their Home: nothing to refresh
            if claim.due - self._every >= row.created_at:
                return Sent()  # published after this change: it is shown already
            # Not sent early: the row waits (the outbox skips HOME rows not yet due).
            return RetryAt(claim.due, row.attempts, "home refresh waits for HOME_REFRESH_S")
        result = await self._publish(team_id, user_id, turn)
        return Sent() if result.ok else result

    async def _dm(self, session: Session, kind: DmKind, turn: Turn | None) -> Delivered | Result:
        async with self._db.read() as tx:
            switches = await home.switches_of(tx, session.team_id, session.requester_id)
        if (kind is DmKind.JOINED and not switches.join_dm) or (
            kind is DmKind.ENDED and not switches.end_dm
        ):
            return Sent()  # switched off in Home
        workspace_url = await self.workspace_url()
        render = (
            home_blocks.render_joined_dm if kind is DmKind.JOINED else home_blocks.render_ended_dm
        )
        message = render(session, workspace_url)
        result = await self._slack.call(
            "chat.postMessage",
            turn=turn,
            channel=session.requester_id,  # lands in the app's DM with them
            text=message.text,
            blocks=message.blocks,
        )
        return Sent() if result.ok else result
