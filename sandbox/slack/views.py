"""``views.open``, ``views.push``, ``views.update``, ``views.publish`` and trigger ids."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from typing import Any, Literal

from sandbox.slack.blockkit import view_errors
from sandbox.slack.records import JSON, SlackError, Trigger, opt_str
from sandbox.slack.state import SlackState


class ViewMethods(SlackState):
    """Modals and App Home views."""

    def _take_trigger(self, params: Mapping[str, Any]) -> None:
        trigger_id = opt_str(params, "trigger_id")
        if trigger_id is None:
            raise SlackError("expired_trigger_id")
        trigger = self._triggers.setdefault(trigger_id, Trigger())
        if trigger.expired or (
            trigger.issued_at is not None
            and time.monotonic() - trigger.issued_at > self.trigger_ttl
        ):
            raise SlackError("expired_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        trigger.used = True

    def _checked_view(self, params: Mapping[str, Any], expect: Literal["modal", "home"]) -> JSON:
        view = params.get("view")
        errors = view_errors(view, expect)
        if errors:
            raise SlackError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
            )
        assert isinstance(view, dict)
        return view

    def _new_view(self, view: JSON, *, root: str | None, previous: str | None) -> JSON:
        self._seq += 1
        view_id = f"V{self._seq:09d}"
        stored = self._render_view(view_id, view, root=root or view_id, previous=previous)
        self.views[view_id] = stored
        return stored

    def _render_view(self, view_id: str, view: JSON, *, root: str, previous: str | None) -> JSON:
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": view.get("title"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": previous,
            "root_view_id": root,
            "app_id": self.app_id,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }

    def _check_external_id(self, view: JSON, allow: str | None = None) -> None:
        external = view.get("external_id")
        if external and any(
            v["external_id"] == external and v["id"] != allow for v in self.views.values()
        ):
            raise SlackError("duplicate_external_id")

    def _views_open(self, params: dict[str, Any]) -> JSON:
        self._take_trigger(params)
        view = self._checked_view(params, "modal")
        self._check_external_id(view)
        return {"ok": True, "view": self._new_view(view, root=None, previous=None)}

    def _views_push(self, params: dict[str, Any]) -> JSON:
        self._take_trigger(params)
        view = self._checked_view(params, "modal")
        self._check_external_id(view)
        return {"ok": True, "view": self._new_view(view, root=None, previous=None)}

    def _views_update(self, params: dict[str, Any]) -> JSON:
        view_id, external = opt_str(params, "view_id"), opt_str(params, "external_id")
        if view_id is None and external is None:
            raise SlackError("invalid_arguments")
        current = (
            self.views.get(view_id)
            if view_id is not None
            else next((v for v in self.views.values() if v["external_id"] == external), None)
        )
        if current is None:
            raise SlackError("not_found")
        expected = opt_str(params, "hash")
        if expected is not None and expected != current["hash"]:
            raise SlackError("hash_conflict")
        view = self._checked_view(params, "modal")
        self._check_external_id(view, allow=current["id"])
        updated = self._render_view(
            current["id"], view, root=current["root_view_id"], previous=current["previous_view_id"]
        )
        self.views[current["id"]] = updated
        return {"ok": True, "view": updated}

    def _views_publish(self, params: dict[str, Any]) -> JSON:
        user = opt_str(params, "user_id")
        if user is None or user in self._removed_users:
            raise SlackError("user_not_found" if user else "invalid_arguments")
        view = self._checked_view(params, "home")
        current = self.home_views.get(user)
        expected = opt_str(params, "hash")
        if current is not None and expected is not None and expected != current["hash"]:
            raise SlackError("hash_conflict")
        if current is None:
            self._seq += 1
            view_id = f"V{self._seq:09d}"
        else:
            view_id = current["id"]
        published = self._render_view(view_id, view, root=view_id, previous=None)
        self.home_views[user] = published
        self.views[view_id] = published
        return {"ok": True, "view": published}
