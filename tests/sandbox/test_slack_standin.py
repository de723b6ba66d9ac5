"""The Slack stand-in, driven by the real slack_sdk AsyncWebClient over real loopback sockets."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack import RateLimit, SlackStandIn

TOKEN = "xoxb-test-token"
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*card*"}}


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn() as standin:
        yield standin


@pytest.fixture
async def client(slack: SlackStandIn) -> AsyncIterator[AsyncWebClient]:
    web = AsyncWebClient(token=TOKEN, base_url=slack.api_url)
    yield web


async def slack_error(coro: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        await coro
    return info.value


# --------------------------------------------------------------------------- round trips


async def test_urls_and_auth_test(slack: SlackStandIn, client: AsyncWebClient) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", slack.base_url)
    assert slack.api_url == slack.base_url + "api/"
    res = await client.auth_test()
    assert res["team_id"] == "T0001"
    assert res["user_id"] == "UBOT"
    assert res["bot_id"]
    assert res["url"].startswith("https://")
    assert res["team"]


async def test_post_update_thread_and_state(slack: SlackStandIn, client: AsyncWebClient) -> None:
    card = await client.chat_postMessage(channel="C1", text="Jane: not started", blocks=[SECTION])
    assert card["ok"] and card["channel"] == "C1"
    assert card["message"]["text"] == "Jane: not started"
    assert card["message"]["blocks"] == [SECTION]
    ts = card["ts"]

    reply = await client.chat_postMessage(channel="C1", thread_ts=ts, text="join: https://x")
    assert reply["message"]["thread_ts"] == ts
    # replying to a reply lands in the parent's thread
    nested = await client.chat_postMessage(channel="C1", thread_ts=reply["ts"], text="again")
    assert nested["message"]["thread_ts"] == ts

    new_blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*active*"}}]
    updated = await client.chat_update(channel="C1", ts=ts, text="Jane: active", blocks=new_blocks)
    assert updated["ts"] == ts and updated["text"] == "Jane: active"

    top = slack.messages("C1", replies=False)
    assert [m.ts for m in top] == [ts]
    assert top[0].text == "Jane: active"
    assert top[0].blocks == new_blocks
    assert top[0].history == [("Jane: not started", [SECTION])]
    assert top[0].versions[-1] == ("Jane: active", new_blocks)
    assert [m.text for m in slack.thread("C1", ts)] == ["join: https://x", "again"]
    assert len(slack.messages("C1")) == 3
    assert not top[0].deleted and top[0].author == "UBOT"
    assert len(slack.calls_to("chat.postMessage")) == 3
    assert slack.calls_to("chat.update")[0].params["blocks"] == new_blocks


async def test_unknown_thread_ts_is_accepted(slack: SlackStandIn, client: AsyncWebClient) -> None:
    res = await client.chat_postMessage(channel="C1", thread_ts="1700000000.000001", text="x")
    assert res["ok"]
    assert slack.thread("C1", "1700000000.000001")[0].text == "x"


async def test_ephemeral_and_dm(slack: SlackStandIn, client: AsyncWebClient) -> None:
    card = await client.chat_postMessage(channel="C1", text="card")
    eph = await client.chat_postEphemeral(
        channel="C1", user="UTECH", text="start: https://secret", thread_ts=card["ts"]
    )
    assert re.fullmatch(r"\d{10}\.\d{6}", eph["message_ts"])
    [only] = slack.ephemerals("C1", user="UTECH")
    assert only.text == "start: https://secret"
    assert only.thread_ts == card["ts"] and only.ephemeral and only.user == "UTECH"
    assert slack.ephemerals(user="UOTHER") == []
    assert all(m.text != "start: https://secret" for m in slack.messages("C1"))
    # ephemerals can never be updated
    err = await slack_error(client.chat_update(channel="C1", ts=eph["message_ts"], text="x"))
    assert err.response["error"] == "message_not_found"

    opened = await client.conversations_open(users="UTECH")
    dm = opened["channel"]["id"]
    assert dm == slack.dm_channel("UTECH") == "DUTECH"
    again = await client.conversations_open(users=["UTECH"])
    assert again["channel"]["id"] == dm
    await client.chat_postMessage(channel=dm, text="your card")
    # a user id as channel posts into the same DM and answers with the D id
    via_user = await client.chat_postMessage(channel="UTECH", text="via user id")
    assert via_user["channel"] == dm
    assert [m.text for m in slack.dms("UTECH")] == ["your card", "via user id"]
    info = await client.conversations_info(channel=dm)
    assert info["channel"]["is_im"] and info["channel"]["user"] == "UTECH"


async def test_delete_and_permalink(slack: SlackStandIn, client: AsyncWebClient) -> None:
    parent = await client.chat_postMessage(channel="C1", text="card")
    reply = await client.chat_postMessage(channel="C1", text="r", thread_ts=parent["ts"])
    link = await client.chat_getPermalink(channel="C1", message_ts=reply["ts"])
    assert reply["ts"].replace(".", "") in link["permalink"]
    assert f"thread_ts={parent['ts']}" in link["permalink"]
    await client.chat_delete(channel="C1", ts=parent["ts"])
    assert slack.messages("C1", replies=False)[0].deleted
    assert slack.messages("C1", deleted=False, replies=False) == []
    err = await slack_error(client.chat_delete(channel="C1", ts=parent["ts"]))
    assert err.response["error"] == "message_not_found"


async def test_ts_is_realistic_increasing_and_unique(client: AsyncWebClient) -> None:
    before = time.time()
    results = await asyncio.gather(
        *(client.chat_postMessage(channel=f"C{i % 3}", text=str(i)) for i in range(40))
    )
    stamps = [r["ts"] for r in results]
    assert len(set(stamps)) == 40
    for ts in stamps:
        assert re.fullmatch(r"\d{10}\.\d{6}", ts)
        assert abs(float(ts) - before) < 60
    later = await client.chat_postMessage(channel="C0", text="later")
    assert all(float(later["ts"]) > float(ts) for ts in stamps)
    assert sorted(stamps) == sorted(stamps, key=float)  # fixed width: string order == numeric


async def test_form_body_with_blocks_string_and_token_field(
    slack: SlackStandIn, http: aiohttp.ClientSession
) -> None:
    form = {"token": TOKEN, "channel": "C9", "text": "t", "blocks": json.dumps([SECTION])}
    async with http.post(slack.api_url + "chat.postMessage", data=form) as res:
        body = await res.json()
    assert res.status == 200 and body["ok"]
    assert slack.messages("C9")[0].blocks == [SECTION]
    assert "token" not in slack.calls[-1].params
    # as with Slack, a token inside a JSON body does not authenticate
    async with http.post(slack.api_url + "auth.test", json={"token": TOKEN}) as res:
        assert (await res.json())["error"] == "not_authed"


async def test_users_info_configurable(slack: SlackStandIn, client: AsyncWebClient) -> None:
    made_up = (await client.users_info(user="U1"))["user"]
    assert made_up["id"] == "U1" and made_up["tz"] and isinstance(made_up["tz_offset"], int)
    slack.set_user("U2", real_name="Ada Lovelace", tz="Europe/London", tz_offset=3600)
    user = (await client.users_info(user="U2"))["user"]
    assert (user["real_name"], user["tz"], user["tz_offset"]) == (
        "Ada Lovelace",
        "Europe/London",
        3600,
    )
    assert user["profile"]["real_name"] == "Ada Lovelace"
    slack.remove_user("U3")
    err = await slack_error(client.users_info(user="U3"))
    assert err.response["error"] == "user_not_found"


async def test_views_open_update_publish(slack: SlackStandIn, client: AsyncWebClient) -> None:
    modal = {
        "type": "modal",
        "callback_id": "start",
        "title": {"type": "plain_text", "text": "Remote support"},
        "submit": {"type": "plain_text", "text": "Start"},
        "blocks": [
            {
                "type": "input",
                "block_id": "name",
                "label": {"type": "plain_text", "text": "Name"},
                "element": {"type": "plain_text_input", "action_id": "v"},
            }
        ],
    }
    opened = (await client.views_open(trigger_id=slack.issue_trigger(), view=modal))["view"]
    assert opened["id"].startswith("V") and opened["callback_id"] == "start"
    assert slack.views[opened["id"]]["blocks"] == modal["blocks"]

    done = {**modal, "blocks": [SECTION], "submit": None}
    res = await client.views_update(view_id=opened["id"], hash=opened["hash"], view=done)
    assert res["view"]["blocks"] == [SECTION]
    err = await slack_error(client.views_update(view_id=opened["id"], hash="stale", view=done))
    assert err.response["error"] == "hash_conflict"
    err = await slack_error(client.views_update(view_id="VNOPE", view=done))
    assert err.response["error"] == "not_found"

    home = {"type": "home", "blocks": [SECTION]}
    published = await client.views_publish(user_id="UTECH", view=home)
    assert slack.home_views["UTECH"]["id"] == published["view"]["id"]

    bad = {**modal, "title": {"type": "plain_text", "text": "x" * 25}}
    err = await slack_error(client.views_open(trigger_id="t-bad", view=bad))
    assert err.response["error"] == "invalid_arguments"
    assert err.response["response_metadata"]["messages"]


# --------------------------------------------------------------------------- errors


async def test_channel_state_errors(slack: SlackStandIn, client: AsyncWebClient) -> None:
    card = await client.chat_postMessage(channel="CARCH", text="card")
    slack.archive("CARCH")
    for call in (
        client.chat_postMessage(channel="CARCH", text="x"),
        client.chat_update(channel="CARCH", ts=card["ts"], text="x"),
    ):
        assert (await slack_error(call)).response["error"] == "is_archived"

    old = await client.chat_postMessage(channel="CPRIV", text="card")
    slack.remove_bot("CPRIV")
    for call in (
        client.chat_postMessage(channel="CPRIV", text="x"),
        client.chat_update(channel="CPRIV", ts=old["ts"], text="x"),
    ):
        assert (await slack_error(call)).response["error"] == "not_in_channel"
    slack.invite_bot("CPRIV")
    assert (await client.chat_postMessage(channel="CPRIV", text="x"))["ok"]

    slack.delete_channel("CGONE")
    for call in (
        client.chat_postMessage(channel="CGONE", text="x"),
        client.conversations_info(channel="CGONE"),
    ):
        assert (await slack_error(call)).response["error"] == "channel_not_found"
    err = await slack_error(client.chat_postMessage(channel="", text="x"))
    assert err.response["error"] == "channel_not_found"
    assert slack.calls[-1].error == "channel_not_found" and slack.calls[-1].status == 200


async def test_message_errors(slack: SlackStandIn, client: AsyncWebClient) -> None:
    card = await client.chat_postMessage(channel="C1", text="card")
    slack.delete_message("C1", card["ts"])
    err = await slack_error(client.chat_update(channel="C1", ts=card["ts"], text="x"))
    assert err.response["error"] == "message_not_found"
    err = await slack_error(client.chat_update(channel="C1", ts="1.000001", text="x"))
    assert err.response["error"] == "message_not_found"

    theirs = slack.add_user_message("C1", "UHUMAN", "hello")
    err = await slack_error(client.chat_update(channel="C1", ts=theirs, text="x"))
    assert err.response["error"] == "cant_update_message"

    err = await slack_error(client.api_call("chat.postMessage", json={"channel": "C1"}))
    assert err.response["error"] == "no_text"
    too_many = [{"type": "divider"}] * 51
    err = await slack_error(client.chat_postMessage(channel="C1", text="t", blocks=too_many))
    assert err.response["error"] == "invalid_blocks"
    long_header = [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]
    err = await slack_error(client.chat_postMessage(channel="C1", text="t", blocks=long_header))
    assert err.response["error"] == "invalid_blocks"


async def test_auth_errors(slack: SlackStandIn, client: AsyncWebClient) -> None:
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=slack.api_url)
    assert (await slack_error(wrong.auth_test())).response["error"] == "invalid_auth"
    none = AsyncWebClient(base_url=slack.api_url)
    assert (await slack_error(none.auth_test())).response["error"] == "not_authed"
    slack.revoke_token()
    for call in (client.auth_test(), client.chat_postMessage(channel="C1", text="x")):
        assert (await slack_error(call)).response["error"] == "token_revoked"
    err = await slack_error(client.api_call("chat.nonsense"))
    assert err.response["error"] == "unknown_method"


async def test_trigger_errors(slack: SlackStandIn, client: AsyncWebClient) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": []}
    err = await slack_error(client.views_open(trigger_id="", view=modal))
    assert err.response["error"] == "expired_trigger_id"
    slack.expire_trigger("t-1")
    err = await slack_error(client.views_open(trigger_id="t-1", view=modal))
    assert err.response["error"] == "expired_trigger_id"
    slack.trigger_ttl = 0.05
    stale = slack.issue_trigger()
    await asyncio.sleep(0.1)
    err = await slack_error(client.views_open(trigger_id=stale, view=modal))
    assert err.response["error"] == "expired_trigger_id"
    assert (await client.views_open(trigger_id="t-2", view=modal))["ok"]
    err = await slack_error(client.views_open(trigger_id="t-2", view=modal))
    assert err.response["error"] == "exchanged_trigger_id"


async def test_user_not_in_channel(slack: SlackStandIn, client: AsyncWebClient) -> None:
    slack.set_user_not_in_channel("C1", "UOUT")
    err = await slack_error(client.chat_postEphemeral(channel="C1", user="UOUT", text="x"))
    assert err.response["error"] == "user_not_in_channel"
    assert slack.ephemerals() == []
    assert (await client.chat_postEphemeral(channel="C1", user="UIN", text="x"))["ok"]


# --------------------------------------------------------------------------- faults


async def test_rate_limit_429_with_retry_after(slack: SlackStandIn, client: AsyncWebClient) -> None:
    slack.rate_limit("chat.update", count=1, retry_after=7)
    card = await client.chat_postMessage(channel="C1", text="card")  # other methods unaffected
    err = await slack_error(client.chat_update(channel="C1", ts=card["ts"], text="x"))
    assert err.response.status_code == 429
    assert err.response.headers["Retry-After"] == "7"
    assert err.response["error"] == "ratelimited"
    [call] = slack.calls_to("chat.update")
    assert (call.status, call.ok, call.error, call.retry_after) == (429, False, "ratelimited", 7)
    assert slack.retry_after_violations == []


async def test_faults_queue_in_order_and_wildcard(
    slack: SlackStandIn, client: AsyncWebClient
) -> None:
    slack.fail_next("chat.postMessage", status=503)
    slack.fail_next_error("chat.postMessage", error="fatal_error", count=2)
    slack.rate_limit("*", retry_after=0)
    err = await slack_error(client.chat_postMessage(channel="C1", text="a"))
    assert err.response.status_code == 503
    assert "upstream connect error" in err.response.data
    for _ in range(2):
        err = await slack_error(client.chat_postMessage(channel="C1", text="a"))
        assert (err.response.status_code, err.response["error"]) == (200, "fatal_error")
    err = await slack_error(client.chat_postMessage(channel="C1", text="a"))
    assert err.response.status_code == 429
    assert (await client.chat_postMessage(channel="C1", text="a"))["ok"]
    assert [c.status for c in slack.calls] == [503, 200, 200, 429, 200]
    assert slack.messages("C1")[0].text == "a" and len(slack.messages("C1")) == 1


async def test_5xx_html_body(client: AsyncWebClient, slack: SlackStandIn) -> None:
    slack.fail_next(
        "auth.test", status=502, body="<html>Bad Gateway</html>", content_type="text/html"
    )
    err = await slack_error(client.auth_test())
    assert err.response.status_code == 502


async def test_retry_after_violation_is_recorded(
    slack: SlackStandIn, client: AsyncWebClient
) -> None:
    slack.rate_limit("chat.postMessage", retry_after=5)
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel="C1", text="a")
    await client.chat_postMessage(channel="C2", text="other channel: not a violation")
    await client.chat_postMessage(channel="C1", text="too soon")
    [violation] = slack.retry_after_violations
    assert (violation.method, violation.channel, violation.retry_after) == (
        "chat.postMessage",
        "C1",
        5,
    )
    assert 4 < violation.early_by <= 5


async def test_honoured_retry_after_is_not_a_violation(
    slack: SlackStandIn, client: AsyncWebClient
) -> None:
    slack.rate_limit("chat.postMessage", retry_after=1)
    err = await slack_error(client.chat_postMessage(channel="C1", text="a"))
    await asyncio.sleep(int(err.response.headers["Retry-After"]))
    assert (await client.chat_postMessage(channel="C1", text="a"))["ok"]
    assert slack.retry_after_violations == []


async def test_enforced_rate_limits(slack: SlackStandIn, client: AsyncWebClient) -> None:
    slack.enforce_rate_limits(True)
    for i in range(5):  # the burst
        await client.chat_postMessage(channel="C1", text=str(i))
    err = await slack_error(client.chat_postMessage(channel="C1", text="6th"))
    assert err.response.status_code == 429 and err.response.headers["Retry-After"] == "1"
    assert (await client.chat_postMessage(channel="C2", text="per channel"))["ok"]
    err = await slack_error(client.chat_postMessage(channel="C1", text="ignoring Retry-After"))
    assert err.response.status_code == 429
    assert [v.channel for v in slack.retry_after_violations] == ["C1"]

    slack.enforce_rate_limits(True, {"chat.update": {"per_minute": 60, "burst": 1}})
    card = slack.messages("C2")[0]
    await client.chat_update(channel="C2", ts=card.ts, text="1")
    err = await slack_error(client.chat_update(channel="C1", ts=card.ts, text="2"))
    assert err.response.status_code == 429  # chat.update is per workspace, not per channel
    slack.enforce_rate_limits(False)
    assert (await client.chat_postMessage(channel="C1", text="off"))["ok"]


async def test_enforced_limit_refills(slack: SlackStandIn, client: AsyncWebClient) -> None:
    slack.enforce_rate_limits(True, {"users.info": RateLimit(per_minute=600, burst=1)})
    await client.users_info(user="U1")
    err = await slack_error(client.users_info(user="U1"))
    assert err.response.headers["Retry-After"] == "1"  # 0.1 s, rounded up like Slack
    await asyncio.sleep(1.0)
    assert (await client.users_info(user="U1"))["ok"]


async def test_latency(slack: SlackStandIn, client: AsyncWebClient) -> None:
    slack.set_latency("*", 0.15)
    slack.set_latency("auth.test", 0)
    started = time.monotonic()
    await client.chat_postMessage(channel="C1", text="slow")
    assert time.monotonic() - started >= 0.15
    started = time.monotonic()
    await client.auth_test()
    assert time.monotonic() - started < 0.15  # its own setting wins over "*"
    slack.clear_faults()
    started = time.monotonic()
    await client.chat_postMessage(channel="C1", text="fast")
    assert time.monotonic() - started < 0.15


async def test_hang_then_release(slack: SlackStandIn, client: AsyncWebClient) -> None:
    slack.hang_next("chat.postMessage")
    pending = asyncio.create_task(client.chat_postMessage(channel="C1", text="held"))
    await asyncio.sleep(0.1)
    assert not pending.done()
    assert slack.calls[-1].status == 0
    slack.release_hung()
    assert (await asyncio.wait_for(pending, 2))["ok"]
    assert slack.calls[-1].status == 200


async def test_hang_until_stop() -> None:
    standin = SlackStandIn()
    await standin.start()
    client = AsyncWebClient(token=TOKEN, base_url=standin.api_url, retry_handlers=[])
    standin.hang_next("auth.test")
    pending = asyncio.create_task(client.auth_test())
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await standin.stop()
    assert time.monotonic() - started < 1
    with pytest.raises(aiohttp.ClientError):
        await asyncio.wait_for(pending, 2)
    assert standin.calls[-1].status == 0 and standin.calls[-1].error == "dropped"


# --------------------------------------------------------------------------- response_url


async def test_response_url_receiver(slack: SlackStandIn, http: aiohttp.ClientSession) -> None:
    url = slack.response_url("cmd-1")
    assert url.startswith(slack.base_url)
    for i in range(5):
        async with http.post(url, json={"text": f"r{i}", "response_type": "ephemeral"}) as res:
            assert res.status == 200 and await res.text() == "ok"
    async with http.post(url, json={"text": "sixth"}) as res:
        assert res.status == 404 and await res.text() == "used_url"
    async with http.post(slack.response_url("other"), data=b"not json") as res:
        assert res.status == 400
    assert [r["text"] for r in slack.responses] == [f"r{i}" for i in range(5)]
    assert len(slack.responses_to("cmd-1")) == 5


# --------------------------------------------------------------------------- control over HTTP


async def test_control_over_http(slack: SlackStandIn, http: aiohttp.ClientSession) -> None:
    control = slack.base_url + "_control/"
    client = AsyncWebClient(token=TOKEN, base_url=slack.api_url)

    async def fault(op: str, **args: Any) -> dict[str, Any]:
        async with http.post(control + "fault", json={"op": op, "args": args}) as res:
            body: dict[str, Any] = await res.json()
            return body

    async def get(path: str, **query: str) -> Any:
        async with http.get(control + path, params=query) as res:
            assert res.status == 200
            return await res.json()

    card = await client.chat_postMessage(channel="C1", text="card", blocks=[SECTION])
    await client.chat_postMessage(channel="C1", text="reply", thread_ts=card["ts"])
    await client.chat_postEphemeral(channel="C1", user="UTECH", text="secret")
    async with http.post(slack.response_url("k"), json={"text": "ack"}):
        pass

    assert (await fault("rate_limit", method="chat.update", retry_after=2))["ok"]
    err = await slack_error(client.chat_update(channel="C1", ts=card["ts"], text="x"))
    assert err.response.status_code == 429
    assert (await fault("archive", channel="C1")) == {"ok": True, "result": None}
    err = await slack_error(client.chat_update(channel="C1", ts=card["ts"], text="x"))
    assert err.response["error"] == "is_archived"
    assert (await fault("issue_trigger"))["result"]

    calls = await get("calls")
    assert [c["method"] for c in calls] == [
        "chat.postMessage",
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.update",
        "chat.update",
    ]
    assert calls[3]["status"] == 429 and calls[3]["retry_after"] == 2
    assert set(calls[0]) == {
        "method",
        "params",
        "status",
        "ok",
        "error",
        "retry_after",
        "at",
        "wall",
    }
    assert len(await get("calls", method="chat.update")) == 2

    messages = await get("messages", channel="C1")
    assert [m["text"] for m in messages] == ["card", "reply"]
    assert messages[0]["blocks"] == [SECTION] and messages[1]["thread_ts"] == card["ts"]
    assert [m["text"] for m in await get("thread", channel="C1", ts=card["ts"])] == ["reply"]
    assert [m["user"] for m in await get("ephemerals", user="UTECH")] == ["UTECH"]
    assert await get("responses") == [{"text": "ack"}]
    assert (await get("violations"))[0]["method"] == "chat.update"

    assert (await fault("no_such_op"))["ok"] is False
    assert (await fault("archive", nope=1))["ok"] is False

    async with http.post(control + "reset") as res:
        assert (await res.json()) == {"ok": True}
    assert await get("calls") == [] and await get("messages") == []
    assert (await client.chat_postMessage(channel="C1", text="fresh"))["ok"]


async def test_enforce_rate_limits_over_http(
    slack: SlackStandIn, http: aiohttp.ClientSession
) -> None:
    body = {
        "op": "enforce_rate_limits",
        "args": {"limits": {"auth.test": {"per_minute": 1, "burst": 1}}},
    }
    async with http.post(slack.base_url + "_control/fault", json=body) as res:
        assert (await res.json())["ok"]
    client = AsyncWebClient(token=TOKEN, base_url=slack.api_url)
    await client.auth_test()
    err = await slack_error(client.auth_test())
    assert err.response.headers["Retry-After"] == "60"


# --------------------------------------------------------------------------- standalone


def test_standalone_prints_urls() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox.slack", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        second = proc.stdout.readline()
        assert re.search(r"http://127\.0\.0\.1:\d+/", first)
        assert re.search(r"api_url:\s+http://127\.0\.0\.1:\d+/api/", second)
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
