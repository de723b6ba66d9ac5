"""Who a clicked "Start link" button answers, shared by the card's button and Home's: only
the session's own technician gets the link; anyone else is told whose it is."""

from __future__ import annotations

from dataclasses import dataclass

from bot.listeners.deps import ListenerDeps
from bot.sessions.model import Session
from bot.store import sessions as store


@dataclass(frozen=True, slots=True)
class StartLinkAnswer:
    """``refusal`` (not theirs, or no such session) or their session and its start link
    (``launch_url`` None: no longer available, the session ended)."""

    refusal: str | None
    session: Session | None = None
    launch_url: str | None = None


async def answer_start_link(deps: ListenerDeps, session_id: str, clicker: str) -> StartLinkAnswer:
    async with deps.db.read() as tx:
        row = await store.get(tx, session_id)
    session = store.to_domain(row) if row is not None else None
    if row is None or session is None or session.requester_id != clicker:
        owner = f"<@{session.requester_id}>" if session else "the technician who started it"
        return StartLinkAnswer(f"Only {owner} can use this session's start link.")
    encrypted = row.launch_url_enc
    return StartLinkAnswer(None, session, deps.box.decrypt(encrypted) if encrypted else None)
