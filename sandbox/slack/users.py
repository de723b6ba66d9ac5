"""``users.info``: any id is a made-up user unless ``set_user``/``remove_user`` said otherwise;
``usergroups.list`` and ``usergroups.users.list`` over the groups ``set_usergroup`` made."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.slack.records import JSON, TZ_LABELS, SlackError, opt_str
from sandbox.slack.state import SlackState


class UserMethods(SlackState):
    """Users and their time zones."""

    def _user_json(self, user: str) -> JSON:
        custom = self._users.get(user, {})
        is_bot = bool(custom.get("is_bot", user == self.bot_user_id))
        name = str(custom.get("name", user.lower()))
        real_name = str(custom.get("real_name", f"User {user}"))
        tz = str(custom.get("tz", self.default_tz))
        offset, label = 0, tz
        try:
            now = datetime.now(ZoneInfo(tz))
            delta = now.utcoffset()
            offset = int(delta.total_seconds()) if delta is not None else 0
            std, dst = TZ_LABELS.get(tz, (str(now.tzname()), str(now.tzname())))
            label = dst if now.dst() else std
        except (ZoneInfoNotFoundError, ValueError):
            pass
        tz_offset = int(custom.get("tz_offset", offset))
        tz_label = str(custom.get("tz_label", label))
        email = custom.get("email", f"{name}@example.com")
        return {
            "id": user,
            "team_id": str(custom.get("team_id", self.team_id)),
            "name": name,
            "deleted": bool(custom.get("deleted", False)),
            "real_name": real_name,
            "tz": tz,
            "tz_label": tz_label,
            "tz_offset": tz_offset,
            "is_admin": False,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "is_restricted": bool(custom.get("is_restricted", False)),
            "is_ultra_restricted": bool(custom.get("is_ultra_restricted", False)),
            **({"is_stranger": True} if custom.get("is_stranger") else {}),
            "updated": int(time.time()),
            "profile": {
                "real_name": real_name,
                "display_name": name,
                "real_name_normalized": real_name,
                "display_name_normalized": name,
                # Slack Connect: another organisation's member may hide their e-mail
                **({} if custom.get("email_hidden") else {"email": email}),
                "team": str(custom.get("team_id", self.team_id)),
            },
        }

    def _users_info(self, params: dict[str, Any]) -> JSON:
        user = opt_str(params, "user")
        if user is None or user in self._removed_users:
            raise SlackError("user_not_found")
        return {"ok": True, "user": self._user_json(user)}

    def _usergroups_list(self, _params: dict[str, Any]) -> JSON:
        groups = [
            {"id": gid, "team_id": self.team_id, "handle": handle, "name": handle.title()}
            for gid, (handle, _members) in self._usergroups.items()
        ]
        return {"ok": True, "usergroups": groups}

    def _usergroups_users_list(self, params: dict[str, Any]) -> JSON:
        group = self._usergroups.get(opt_str(params, "usergroup") or "")
        if group is None:
            raise SlackError("no_such_subteam")
        return {"ok": True, "users": list(group[1])}
