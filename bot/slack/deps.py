"""What the Slack listeners need, passed in by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from bot.accounts.login import LoginLinks
from bot.accounts.resolver import AccountResolver
from bot.crypto import SecretBox
from bot.store.database import Database
from bot.tasks import BackgroundTasks
from bot.workflows.starting import SessionStarter
from bot.workflows.tracking import Tracker


@dataclass(frozen=True, slots=True)
class ListenerDeps:
    db: Database
    starter: SessionStarter
    tracker: Tracker
    box: SecretBox
    tasks: BackgroundTasks
    accounts: AccountResolver
    login: LoginLinks | None  # None: per-technician accounts are not configured
