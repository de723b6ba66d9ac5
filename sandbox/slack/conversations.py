"""``conversations.open`` and ``conversations.info``."""

from __future__ import annotations

import hashlib
from typing import Any

from sandbox.slack.records import JSON, ChannelState, SlackError, opt_str, truthy, user_list
from sandbox.slack.state import SlackState


class ConversationMethods(SlackState):
    """Channels and DMs as Slack describes them."""

    def _channel_json(self, state: ChannelState) -> JSON:
        if state.is_im:
            return {
                "id": state.id,
                "created": state.created,
                "is_im": True,
                "is_org_shared": False,
                "user": state.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": state.id,
            "name": state.name,
            "is_channel": not state.is_private,
            "is_group": state.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": state.is_private,
            "created": state.created,
            "is_archived": state.is_archived,
            "is_general": state.name == "general",
            "is_shared": False,
            "is_org_shared": False,
            "is_member": state.is_member,
            "context_team_id": self.team_id,
        }

    def _conversations_open(self, params: dict[str, Any]) -> JSON:
        channel = opt_str(params, "channel")
        if channel is not None:
            state = self._readable_channel(channel)
            return {
                "ok": True,
                "no_op": True,
                "already_open": True,
                "channel": self._channel_json(state),
            }
        users = user_list(params.get("users"))
        if not users:
            raise SlackError("users_list_not_supplied")
        for user in users:
            if user in self._removed_users:
                raise SlackError("user_not_found")
        others = [u for u in users if u != self.bot_user_id] or users
        if len(others) == 1:
            cid = self.dm_channel(others[0])
        else:
            digest = hashlib.sha256(",".join(sorted(others)).encode()).hexdigest()[:10]
            cid = "G" + digest.upper()
        already = cid in self._channels
        state = self._channel(cid)
        if cid.startswith("G") and not already:
            state.is_private, state.name = True, "mpdm-" + "--".join(sorted(others)).lower()
        out: JSON = {"id": cid}
        if truthy(params.get("return_im")):
            out = self._channel_json(state)
        return {"ok": True, "no_op": already, "already_open": already, "channel": out}

    def _conversations_info(self, params: dict[str, Any]) -> JSON:
        state = self._readable_channel(opt_str(params, "channel"))
        return {"ok": True, "channel": self._channel_json(state)}
