"""``SlackStandIn``: the Web API areas put together over one shared state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from sandbox.slack.auth import AuthMethods
from sandbox.slack.chat import ChatMethods
from sandbox.slack.control import ControlRoutes
from sandbox.slack.conversations import ConversationMethods
from sandbox.slack.functions import FunctionMethods
from sandbox.slack.records import JSON
from sandbox.slack.response_url import ResponseUrls
from sandbox.slack.socket_mode import SocketModeMethods
from sandbox.slack.users import UserMethods
from sandbox.slack.views import ViewMethods
from sandbox.slack.webapi import WebApi


class SlackStandIn(
    AuthMethods,
    ChatMethods,
    ConversationMethods,
    UserMethods,
    ViewMethods,
    FunctionMethods,
    ResponseUrls,
    SocketModeMethods,
    ControlRoutes,
    WebApi,
):
    """The Slack Web API stand-in. See the package docstring for the HTTP surface."""

    def _web_api_methods(self) -> dict[str, Callable[[dict[str, Any]], JSON]]:
        return {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "usergroups.list": self._usergroups_list,
            "apps.connections.open": self._apps_connections_open,
            "usergroups.users.list": self._usergroups_users_list,
            "functions.completeSuccess": self._functions_complete_success,
            "functions.completeError": self._functions_complete_error,
        }

    def _add_routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{key}", self._handle_response_url)
        app.router.add_get("/socket-mode/link", self._handle_socket)
        app.router.add_get("/_control/calls", self._ctl_calls)
        app.router.add_get("/_control/messages", self._ctl_messages)
        app.router.add_get("/_control/thread", self._ctl_thread)
        app.router.add_get("/_control/ephemerals", self._ctl_ephemerals)
        app.router.add_get("/_control/responses", self._ctl_responses)
        app.router.add_get("/_control/views", self._ctl_views)
        app.router.add_get("/_control/violations", self._ctl_violations)
        app.router.add_post("/_control/fault", self._ctl_fault)
        app.router.add_post("/_control/reset", self._ctl_reset)
