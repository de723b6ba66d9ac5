"""``chat.postMessage``, ``chat.update``, ``chat.postEphemeral``, ``chat.delete``,
``chat.getPermalink``."""

from __future__ import annotations

from typing import Any

from sandbox.slack.records import JSON, ChannelState, SlackError, StandInMessage, opt_str
from sandbox.slack.state import SlackState


class ChatMethods(SlackState):
    """Messages: posting, editing, ephemerals, deleting, permalinks."""

    def _message_json(self, msg: StandInMessage) -> JSON:
        out: JSON = {"type": "message", "text": msg.text, "user": msg.author, "ts": msg.ts}
        if msg.author == self.bot_user_id:
            out.update(bot_id=self.bot_id, app_id=self.app_id)
        out["team"] = self.team_id
        if msg.blocks:
            out["blocks"] = msg.blocks
        if msg.thread_ts is not None:
            out["thread_ts"] = msg.thread_ts
            if msg.is_reply:
                parent = self._by_ts.get((msg.channel, msg.thread_ts))
                if parent is not None:
                    out["parent_user_id"] = parent.author
        if msg.metadata is not None:
            out["metadata"] = msg.metadata
        if msg.edited_ts is not None:
            out["edited"] = {"user": self.bot_user_id, "ts": msg.edited_ts}
        return out

    def _chat_post_message(self, params: dict[str, Any]) -> JSON:
        state = self._writable_channel(params)
        text, blocks = self._content(params)
        metadata = params.get("metadata")
        msg = self._store_message(
            state.id,
            text or "",
            blocks or [],
            opt_str(params, "thread_ts"),
            author=self.bot_user_id,
            metadata=metadata if isinstance(metadata, dict) else None,
        )
        return {"ok": True, "channel": state.id, "ts": msg.ts, "message": self._message_json(msg)}

    def _own_message(
        self, params: dict[str, Any], not_ours: str
    ) -> tuple[ChannelState, StandInMessage]:
        """The bot's own live message named by ``channel`` and ``ts``, as update/delete need."""
        state = self._writable_channel(params)
        ts = opt_str(params, "ts")
        msg = self._by_ts.get((state.id, ts)) if ts is not None else None
        if msg is None or msg.deleted:
            raise SlackError("message_not_found")
        if msg.author != self.bot_user_id:
            raise SlackError(not_ours)
        return state, msg

    def _chat_update(self, params: dict[str, Any]) -> JSON:
        state, msg = self._own_message(params, "cant_update_message")
        text, blocks = self._content(params)
        msg.history.append((msg.text, msg.blocks))
        if text is not None:
            msg.text = text
        if blocks is not None:
            msg.blocks = blocks
        metadata = params.get("metadata")
        if isinstance(metadata, dict):
            msg.metadata = metadata
        msg.edited_ts = self._next_ts()
        return {
            "ok": True,
            "channel": state.id,
            "ts": msg.ts,
            "text": msg.text,
            "message": self._message_json(msg),
        }

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> JSON:
        state = self._writable_channel(params)
        user = opt_str(params, "user")
        if user is None:
            raise SlackError("user_not_found")
        if user in self._removed_users:
            raise SlackError("user_not_found")
        if user in state.users_not_in or (state.is_im and state.im_user != user):
            raise SlackError("user_not_in_channel")
        text, blocks = self._content(params)
        thread_ts = opt_str(params, "thread_ts")
        msg = StandInMessage(
            channel=state.id,
            ts=self._next_ts(),
            text=text or "",
            blocks=blocks or [],
            thread_ts=thread_ts,
            user=user,
            author=self.bot_user_id,
            ephemeral=True,
        )
        self._ephemerals.append(msg)
        return {"ok": True, "message_ts": msg.ts}

    def _chat_delete(self, params: dict[str, Any]) -> JSON:
        state, msg = self._own_message(params, "cant_delete_message")
        msg.deleted = True
        return {"ok": True, "channel": state.id, "ts": msg.ts}

    def _chat_get_permalink(self, params: dict[str, Any]) -> JSON:
        state = self._readable_channel(opt_str(params, "channel"))
        ts = opt_str(params, "message_ts")
        msg = self._by_ts.get((state.id, ts)) if ts is not None else None
        if msg is None or msg.deleted:
            raise SlackError("message_not_found")
        link = (
            f"https://{self.team_domain}.slack.com/archives/{state.id}/p{msg.ts.replace('.', '')}"
        )
        if msg.is_reply:
            link += f"?thread_ts={msg.thread_ts}&cid={state.id}"
        return {"ok": True, "channel": state.id, "permalink": link}
