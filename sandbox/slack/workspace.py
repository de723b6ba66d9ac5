"""Shaping the stand-in's workspace from a test: channels, seeded messages, tokens, users,
triggers and response URLs."""

from __future__ import annotations

import secrets
import time

from sandbox.slack.records import Trigger
from sandbox.slack.state import SlackState


class WorkspaceControl(SlackState):
    """State control (also reachable over ``POST /_control/fault``)."""

    def add_channel(self, channel: str, name: str | None = None, private: bool = False) -> None:
        state = self.channel_state(channel)
        if name is not None:
            state.name = name.removeprefix("#")
        state.is_private = private

    def archive(self, channel: str) -> None:
        self.channel_state(channel).is_archived = True

    def unarchive(self, channel: str) -> None:
        self.channel_state(channel).is_archived = False

    def remove_bot(self, channel: str) -> None:
        self.channel_state(channel).is_member = False

    def invite_bot(self, channel: str) -> None:
        self.channel_state(channel).is_member = True

    def delete_channel(self, channel: str) -> None:
        self.channel_state(channel).deleted = True

    def delete_message(self, channel: str, ts: str) -> None:
        msg = self._by_ts.get((self._resolve_id(channel), ts))
        if msg is None:
            raise KeyError(f"no message {ts} in {channel}")
        msg.deleted = True

    def add_user_message(
        self, channel: str, user: str, text: str, thread_ts: str | None = None
    ) -> str:
        """Seed a message written by a person (the bot cannot update it). Returns its ts."""
        cid = self._resolve_id(channel)
        return self._store_message(cid, text, [], thread_ts, author=user, metadata=None).ts

    def add_bot_message(self, channel: str, text: str, thread_ts: str | None = None) -> str:
        """Seed a message the bot posted earlier (a card from before a restart, say): the bot
        may update it. Returns its ts."""
        cid = self._resolve_id(channel)
        return self._store_message(
            cid, text, [], thread_ts, author=self.bot_user_id, metadata=None
        ).ts

    def revoke_token(self, token: str | None = None) -> None:
        self._revoked.add(token or self.bot_token)

    def add_token(self, token: str) -> None:
        self._tokens.add(token)

    def set_user_not_in_channel(self, channel: str, user: str) -> None:
        self.channel_state(channel).users_not_in.add(user)

    def set_user(
        self,
        user: str,
        *,
        real_name: str | None = None,
        name: str | None = None,
        tz: str | None = None,
        tz_offset: int | None = None,
        tz_label: str | None = None,
        email: str | None = None,
        is_bot: bool | None = None,
        deleted: bool | None = None,
        is_restricted: bool | None = None,
        is_ultra_restricted: bool | None = None,
        is_stranger: bool | None = None,
        team_id: str | None = None,
        email_hidden: bool | None = None,
    ) -> None:
        """Describe ``user`` for ``users.info``: a guest (``is_restricted``: multi-channel,
        ``is_ultra_restricted``: single-channel), someone of another organisation met through
        Slack Connect (``is_stranger``, or another ``team_id``; ``email_hidden``: their profile
        shows no e-mail), ..."""
        self._removed_users.discard(user)
        fields = {
            "real_name": real_name,
            "name": name,
            "tz": tz,
            "tz_offset": tz_offset,
            "tz_label": tz_label,
            "email": email,
            "is_bot": is_bot,
            "deleted": deleted,
            "is_restricted": is_restricted,
            "is_ultra_restricted": is_ultra_restricted,
            "is_stranger": is_stranger,
            "team_id": team_id,
            "email_hidden": email_hidden,
        }
        current = self._users.setdefault(user, {})
        current.update({k: v for k, v in fields.items() if v is not None})
        if tz is not None and tz_offset is None:
            current.pop("tz_offset", None)
        if tz is not None and tz_label is None:
            current.pop("tz_label", None)

    def remove_user(self, user: str) -> None:
        self._removed_users.add(user)

    def set_usergroup(self, group_id: str, handle: str, members: list[str]) -> None:
        """A user group (``usergroups.list``) and its members (``usergroups.users.list``)."""
        self._usergroups[group_id] = (handle, list(members))

    def issue_trigger(self) -> str:
        """A realistic trigger_id that expires ``trigger_ttl`` seconds from now."""
        self._seq += 1
        trigger = f"{self._seq}.{int(time.time())}.{secrets.token_hex(16)}"
        self._triggers[trigger] = Trigger(issued_at=time.monotonic())
        return trigger

    def expire_trigger(self, trigger_id: str) -> None:
        self._triggers.setdefault(trigger_id, Trigger()).expired = True

    def expire_response_url(self, key: str) -> None:
        self._expired_response_keys.add(key)
