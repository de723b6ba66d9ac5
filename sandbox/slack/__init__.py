"""A local stand-in for the Slack Web API: a real aiohttp server on loopback.

It answers the Web API methods this app uses the way Slack does (HTTP 200 with ``{"ok": ...}``,
Slack's error codes, 429 with ``Retry-After``), keeps the resulting workspace state (messages,
threads, ephemerals, views) for inspection, records every call, and lets a test inject faults.
``slack_sdk.web.async_client.AsyncWebClient(token=..., base_url=standin.api_url)`` works against
it unchanged. It never opens an outbound connection.

Use from Python::

    async with SlackStandIn() as slack:
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        await client.chat_postMessage(channel="C1", text="hi")
        assert slack.messages("C1")[0].text == "hi"

or standalone: ``python -m sandbox.slack --port 8900`` (prints its URLs; Ctrl-C stops it).

Web API (``GET`` or ``POST /api/<method>``)
------------------------------------------
Bodies may be form-encoded, multipart or JSON; query parameters are merged in (the body wins).
``blocks``, ``attachments``, ``view`` and ``metadata`` sent as JSON strings (form bodies) are
parsed. The token comes from ``Authorization: Bearer <token>`` or a ``token`` form/query field
(as with Slack, a ``token`` inside a JSON body is ignored). Methods: ``api.test``, ``auth.test``,
``chat.postMessage``, ``chat.update``, ``chat.postEphemeral``, ``chat.delete``,
``chat.getPermalink``, ``conversations.open``, ``conversations.info``, ``views.open``,
``views.push``, ``views.update``, ``views.publish``, ``users.info``, ``functions.completeSuccess``,
``functions.completeError`` (``function_executed`` bodies from ``function_executed(...)``;
shortcut and App Home payloads from :mod:`sandbox.slack.payloads`); anything else answers
``unknown_method``.

Behaviour worth knowing:

* Any channel id is a public channel the bot is in, until changed (``archive`` ...). A user id
  (``U...``/``W...``) as ``channel`` posts into the app's DM with that user, ``"D" + user id``,
  which is also what ``conversations.open`` returns. ``#name`` resolves only channels added
  with ``add_channel``.
* ``ts`` values look like Slack's (``"1764288000.000100"``), strictly increasing per server.
* ``thread_ts`` naming a reply is moved to that reply's parent; an unknown ``thread_ts`` is kept.
* Blocks are checked against Block Kit limits (50 blocks per message, 100 per view, section text
  3000, fields 10, header 150, block_id 255 and unique) -> ``invalid_blocks``; ``text`` is cut at
  40,000 characters. Views are checked (type, title <= 24, private_metadata <= 3000, submit
  with input blocks) -> ``invalid_arguments``.
* A ``trigger_id`` works once (then ``exchanged_trigger_id``); ones from ``issue_trigger()``
  expire after ``trigger_ttl`` (3 s); ``expire_trigger()`` expires any; empty ->
  ``expired_trigger_id``.
* Every 429 (injected or enforced) blocks its method + the call's ``channel`` (+ every channel
  for a per-workspace enforced limit) for Retry-After seconds; a call arriving inside that
  window is appended to ``retry_after_violations`` (and, while limits are enforced, answered
  429 again). ``enforce_rate_limits()`` uses ``DEFAULT_RATE_LIMITS``: chat.postMessage 60/min
  per channel with a burst of 5; Tier 3 methods (chat.update ...) 50/min and Tier 4 methods
  100/min per workspace, bursts of 20; ``scale`` multiplies every rate (to match the app's
  ``SLACK_RATE_SCALE``). ``calls`` and ``rate_limited()`` count every call and every 429.
* ``users.info`` makes up a user for any id (time zone ``default_tz``) unless ``set_user`` or
  ``remove_user`` said otherwise.

Order of checks per call: record the call (status 0 until answered) -> Retry-After violation
check -> latency -> the next queued fault for the method (else for ``"*"``): hang, 5xx, 429, or
ok:false error -> unknown_method -> body parse errors -> auth -> enforced rate limit -> method.

``response_url`` receiver: ``POST /response/{key}`` with a JSON body is recorded in
``responses`` and answered 200 ``ok``; a sixth post to one key answers 404 ``used_url``, an
expired key 404 ``expired_url``, a body that is not a JSON object 400 ``invalid_payload``.

Control over HTTP (for an app running in another process; no auth, loopback only)
---------------------------------------------------------------------------------
* ``GET /_control/calls[?method=M]`` -> ``[{"method", "params", "status", "ok", "error",
  "retry_after", "at", "wall"}, ...]`` (``status`` 0: not answered yet, or dropped at stop).
* ``GET /_control/messages[?channel=C]`` -> ``[{"channel", "ts", "text", "blocks",
  "thread_ts", "user", "author", "ephemeral", "deleted", "metadata",
  "history": [{"text", "blocks"}, ...]}, ...]`` (replies included, ts order).
* ``GET /_control/thread?channel=C&ts=T`` -> same shape, replies to ``T``.
* ``GET /_control/ephemerals[?channel=C][&user=U]`` -> same shape.
* ``GET /_control/responses[?key=K]`` -> ``[<posted JSON body>, ...]``.
* ``GET /_control/views`` -> ``[<view object as Slack returns it>, ...]``.
* ``GET /_control/violations`` -> ``[{"method", "channel", "retry_after", "told_at",
  "arrived_at", "early_by"}, ...]``.
* ``POST /_control/fault`` with ``{"op": NAME, "args": {...}}`` -> ``{"ok": true, "result": R}``
  or 400 ``{"ok": false, "error": "..."}``. NAME is one of the Python methods of the same name
  and ``args`` its keyword arguments: ``rate_limit {method, count=1, retry_after=1}``,
  ``fail_next {method, status=500, count=1, body?, content_type?}``,
  ``fail_next_error {method, error="internal_error", count=1}``,
  ``set_latency {method, seconds}``, ``hang_next {method, count=1}``, ``release_hung {}``,
  ``clear_faults {}``, ``enforce_rate_limits {enabled=true, limits?: {METHOD: {per_minute,
  burst, per_channel}}, scale=1}``, ``archive/unarchive/remove_bot/invite_bot/delete_channel
  {channel}``, ``add_channel {channel, name?, private=false}``, ``delete_message {channel,
  ts}``, ``add_user_message {channel, user, text, thread_ts?}`` (R: ts),
  ``revoke_token {token?}``, ``add_token {token}``, ``set_user_not_in_channel {channel, user}``,
  ``set_user {user, real_name?, name?, tz?, tz_offset?, tz_label?, email?, is_bot?,
  deleted?}``, ``remove_user {user}``, ``issue_trigger {}`` (R: trigger_id),
  ``expire_trigger {trigger_id}``, ``expire_response_url {key}``.
* ``POST /_control/reset`` -> ``{"ok": true}``.
"""

from sandbox.slack.records import (
    DEFAULT_RATE_LIMITS,
    ChannelState,
    RateLimit,
    RecordedCall,
    RetryAfterViolation,
    StandInMessage,
)
from sandbox.slack.standalone import main
from sandbox.slack.standin import SlackStandIn

__all__ = [
    "DEFAULT_RATE_LIMITS",
    "ChannelState",
    "RateLimit",
    "RecordedCall",
    "RetryAfterViolation",
    "SlackStandIn",
    "StandInMessage",
    "main",
]
